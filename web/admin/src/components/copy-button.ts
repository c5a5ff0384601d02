/**
 * `<ak-copy-button>`: shows a value read-only and copies it to the clipboard. Where the
 * clipboard is refused (no secure context, no permission) the text is selected instead, so
 * the person can copy it by hand; either way the outcome is announced.
 */
import { html } from 'lit';
import { LightElement } from './light-element.js';

let counter = 0;

export class AkCopyButton extends LightElement {
  static override properties = {
    value: { type: String },
    label: { type: String },
    status: { state: true },
  };
  value = '';
  label = 'Value';
  status = '';
  private readonly inputId = `ak-copy-${++counter}`;

  private async copy() {
    try {
      await navigator.clipboard.writeText(this.value);
      this.status = 'Copied.';
    } catch {
      this.querySelector<HTMLInputElement>('input')?.select();
      this.status = 'Select and copy the text by hand (the browser refused the clipboard).';
    }
  }

  override render() {
    return html`<div class="pf-v6-c-clipboard-copy">
      <label class="pf-v6-c-form__label" for=${this.inputId}
        ><span class="pf-v6-c-form__label-text">${this.label}</span></label
      >
      <div class="pf-v6-c-clipboard-copy__group">
        <span class="pf-v6-c-form-control pf-m-readonly"
          ><input id=${this.inputId} type="text" readonly .value=${this.value}
        /></span>
        <button class="pf-v6-c-button pf-m-control" type="button" @click=${() => this.copy()}>
          <span class="pf-v6-c-button__text">Copy</span>
        </button>
      </div>
      <p class="pf-v6-c-helper-text" aria-live="polite">${this.status}</p>
    </div>`;
  }
}
customElements.define('ak-copy-button', AkCopyButton);
