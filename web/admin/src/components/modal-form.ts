/**
 * `<ak-modal-form>`: a PatternFly modal around a form. Opening it moves focus to the first
 * field and keeps Tab inside; Escape or Cancel closes it and focus returns to what opened it.
 * Submitting calls `submit` with the form; a failed request is shown with the API's words
 * (api.ts describeError), its field errors handed to `body` to place next to their fields.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { describeError, type ReadableError } from '../api.js';
import { LightElement, emit } from './light-element.js';
import './alert.js';

let counter = 0;

export class AkModalForm extends LightElement {
  /**
   * The modal renders into its own element at the end of <body>, not where the page placed it:
   * inside the page's main container its backdrop would sit under the sidebar.
   */
  private readonly portal = document.createElement('div');

  protected override createRenderRoot(): HTMLElement {
    return this.portal;
  }

  override connectedCallback() {
    document.body.append(this.portal);
    super.connectedCallback();
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    this.portal.remove();
  }

  static override properties = {
    heading: { type: String },
    submitLabel: { type: String },
    open: { type: Boolean },
    body: { attribute: false },
    submit: { attribute: false },
    error: { state: true },
    busy: { state: true },
  };
  heading = '';
  submitLabel = 'Save';
  open = false;
  body: (fieldErrors: Record<string, string[]>) => TemplateResult = () => html``;
  /**
   * Does the work; resolves to close the modal (false keeps it open to show a result), throws to
   * keep it open with the error shown.
   */
  submit: (form: HTMLFormElement) => Promise<boolean | void> = async () => undefined;
  error: ReadableError | undefined = undefined;
  busy = false;
  private readonly titleId = `ak-modal-title-${++counter}`;
  private opener: Element | null = null;

  override updated(changed: Map<string, unknown>) {
    if (changed.has('open') && this.open) {
      this.opener = document.activeElement;
      this.error = undefined;
      const first = this.portal.querySelector<HTMLElement>(
        'form input:not([type=hidden]), form select, form textarea',
      );
      (first ?? this.portal.querySelector<HTMLElement>('.pf-v6-c-modal-box'))?.focus();
    }
  }

  /** Closes the modal and gives focus back to the element that had it when it opened. */
  close() {
    this.open = false;
    emit(this, 'ak-close');
    const opener = this.opener;
    this.opener = null;
    if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
  }

  private async onSubmit(event: SubmitEvent) {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    if (!form.reportValidity()) return;
    this.busy = true;
    try {
      this.error = undefined;
      if ((await this.submit(form)) !== false) this.close();
    } catch (error) {
      this.error = await describeError(error);
    } finally {
      this.busy = false;
    }
  }

  private onKeydown(event: KeyboardEvent) {
    if (event.key === 'Escape') {
      event.preventDefault();
      this.close();
      return;
    }
    if (event.key !== 'Tab') return;
    const focusable = [
      ...this.portal.querySelectorAll<HTMLElement>(
        'button, [href], input, select, textarea, [tabindex]:not([tabindex="-1"])',
      ),
    ].filter((element) => !element.hasAttribute('disabled') && element.offsetParent !== null);
    if (focusable.length === 0) return;
    const first = focusable[0];
    const last = focusable[focusable.length - 1];
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  }

  override render() {
    if (!this.open) return nothing;
    const fieldErrors = this.error?.fields ?? {};
    return html`<div class="pf-v6-c-backdrop">
      <div class="pf-v6-l-bullseye">
        <div
          class="pf-v6-c-modal-box pf-m-md"
          role="dialog"
          aria-modal="true"
          aria-labelledby=${this.titleId}
          tabindex="-1"
          @keydown=${this.onKeydown}
        >
          <div class="pf-v6-c-modal-box__close">
            <button
              class="pf-v6-c-button pf-m-plain"
              type="button"
              aria-label="Close"
              @click=${() => this.close()}
            >
              <span class="pf-v6-c-button__icon" aria-hidden="true">×</span>
            </button>
          </div>
          <header class="pf-v6-c-modal-box__header">
            <h1 class="pf-v6-c-modal-box__title" id=${this.titleId}>${this.heading}</h1>
          </header>
          <form class="pf-v6-c-form" novalidate @submit=${this.onSubmit}>
            <div class="pf-v6-c-modal-box__body">
              <ak-alert variant="danger" .message=${this.error?.message ?? ''}></ak-alert>
              ${this.body(fieldErrors)}
            </div>
            <footer class="pf-v6-c-modal-box__footer">
              <button class="pf-v6-c-button pf-m-primary" type="submit" ?disabled=${this.busy}>
                <span class="pf-v6-c-button__text">${this.submitLabel}</span>
              </button>
              <button class="pf-v6-c-button pf-m-link" type="button" @click=${() => this.close()}>
                <span class="pf-v6-c-button__text">Cancel</span>
              </button>
            </footer>
          </form>
        </div>
      </div>
    </div>`;
  }
}
customElements.define('ak-modal-form', AkModalForm);
