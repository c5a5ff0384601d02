/**
 * `<ak-flow-picker>`: a labelled select of the flows of one designation (all when none is
 * given), listed through the official client. Its `name` makes it part of the surrounding form;
 * `optional` adds an empty choice for "no flow".
 */
import { html, nothing } from 'lit';
import type { Flow, FlowDesignationEnum } from '@goauthentik/api';
import { describeError, flowsApi } from '../api.js';
import { LightElement } from './light-element.js';

let counter = 0;

export class AkFlowPicker extends LightElement {
  static override properties = {
    label: { type: String },
    name: { type: String },
    designation: { type: String },
    value: { type: String },
    optional: { type: Boolean },
    errors: { attribute: false },
    flows: { state: true },
    loadError: { state: true },
  };
  label = 'Flow';
  name = 'flow';
  designation: FlowDesignationEnum | '' = '';
  /** The selected flow's pk ('' for none). */
  value = '';
  optional = false;
  errors: string[] = [];
  flows: Flow[] | undefined = undefined;
  loadError = '';
  private readonly uid = `ak-flow-picker-${++counter}`;

  override async connectedCallback() {
    super.connectedCallback();
    try {
      const page = await flowsApi.flowsInstancesList({
        designation: this.designation || undefined,
        ordering: 'slug',
        pageSize: 100,
      });
      this.flows = page.results;
    } catch (error) {
      this.loadError = (await describeError(error)).message;
    }
  }

  /** The selected flow, once the list has loaded. */
  get selected(): Flow | undefined {
    return this.flows?.find((flow) => flow.pk === this.value);
  }

  override render() {
    const errors = this.loadError ? [this.loadError, ...this.errors] : this.errors;
    return html`<div class="pf-v6-c-form__group">
      <div class="pf-v6-c-form__group-label">
        <label class="pf-v6-c-form__label" for=${this.uid}
          ><span class="pf-v6-c-form__label-text">${this.label}</span></label
        >
      </div>
      <div class="pf-v6-c-form__group-control">
        <span class="pf-v6-c-form-control ${errors.length ? 'pf-m-error' : ''}"
          ><select
            id=${this.uid}
            name=${this.name}
            ?required=${!this.optional}
            aria-describedby=${errors.length ? `${this.uid}-helper` : nothing}
            @change=${(event: Event) => (this.value = (event.target as HTMLSelectElement).value)}
          >
            ${this.optional || !this.value ? html`<option value="" ?selected=${!this.value}>${this.flows ? '—' : 'Loading…'}</option>` : nothing}
            ${(this.flows ?? []).map(
              (flow) =>
                html`<option value=${flow.pk} ?selected=${flow.pk === this.value}>
                  ${flow.name} (${flow.slug})
                </option>`,
            )}
          </select></span
        >
        ${
          errors.length
            ? html`<div class="pf-v6-c-form__helper-text" id="${this.uid}-helper">
                ${errors.map((error) => html`<p class="pf-v6-c-helper-text__item pf-m-error ak-field-error">${error}</p>`)}
              </div>`
            : nothing
        }
      </div>
    </div>`;
  }
}
customElements.define('ak-flow-picker', AkFlowPicker);
