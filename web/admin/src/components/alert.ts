/**
 * `<ak-alert>`: a PatternFly inline alert in an `aria-live` region, so screen readers announce
 * the outcome of what was just done. Empty `message` renders the (still live) region only.
 */
import { html, nothing } from 'lit';
import { LightElement } from './light-element.js';

export type AlertVariant = 'success' | 'danger' | 'warning' | 'info';

export class AkAlert extends LightElement {
  static override properties = {
    message: { type: String },
    variant: { type: String },
    details: { attribute: false },
  };
  message = '';
  variant: AlertVariant = 'info';
  /** Further lines under the title, such as the errors of fields not on the form. */
  details: string[] = [];

  override render() {
    const role = this.variant === 'danger' ? 'alert' : 'status';
    return html`<div aria-live="polite" role=${role}>
      ${
        this.message
          ? html`<div class="pf-v6-c-alert pf-m-inline pf-m-${this.variant} pf-v6-u-mb-md">
              <p class="pf-v6-c-alert__title">
                <span class="pf-v6-screen-reader">${this.variant} alert:</span>${this.message}
              </p>
              ${
                this.details.length > 0
                  ? html`<div class="pf-v6-c-alert__description">
                      <ul>
                        ${this.details.map((line) => html`<li>${line}</li>`)}
                      </ul>
                    </div>`
                  : nothing
              }
            </div>`
          : nothing
      }
    </div>`;
  }
}
customElements.define('ak-alert', AkAlert);
