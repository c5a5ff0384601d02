import { LitElement } from 'lit';

/**
 * A Lit element that renders into the light DOM, so PatternFly's global stylesheet applies to
 * it as to plain HTML (a shadow root would keep it out).
 */
export class LightElement extends LitElement {
  protected override createRenderRoot(): HTMLElement {
    return this;
  }
}

/** Dispatches a bubbling custom event from `element`. */
export function emit<T>(element: HTMLElement, name: string, detail?: T): void {
  element.dispatchEvent(new CustomEvent<T>(name, { detail, bubbles: true, composed: true }));
}
