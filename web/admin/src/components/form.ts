/**
 * Form rows in PatternFly's markup: a `<label for>` on every control and the API's errors for
 * the field under it, tied to it with aria-describedby.
 */
import { html, nothing, type TemplateResult } from 'lit';

export interface FieldOptions {
  id: string;
  label: string;
  errors?: string[];
  help?: string;
  required?: boolean;
}

function helper(id: string, errors: string[] | undefined, help: string | undefined) {
  if (errors && errors.length > 0) {
    return html`<div class="pf-v6-c-form__helper-text" id="${id}-helper" aria-live="polite">
      <div class="pf-v6-c-helper-text">
        ${errors.map(
          (error) =>
            html`<div class="pf-v6-c-helper-text__item pf-m-error">
              <span class="pf-v6-c-helper-text__item-text ak-field-error">${error}</span>
            </div>`,
        )}
      </div>
    </div>`;
  }
  if (help) {
    return html`<div class="pf-v6-c-form__helper-text" id="${id}-helper">
      <div class="pf-v6-c-helper-text">
        <div class="pf-v6-c-helper-text__item">
          <span class="pf-v6-c-helper-text__item-text">${help}</span>
        </div>
      </div>
    </div>`;
  }
  return nothing;
}

/** A labelled form group around `control`, which must carry `id` = options.id. */
export function formGroup(options: FieldOptions, control: TemplateResult): TemplateResult {
  return html`<div class="pf-v6-c-form__group">
    <div class="pf-v6-c-form__group-label">
      <label class="pf-v6-c-form__label" for=${options.id}
        ><span class="pf-v6-c-form__label-text">${options.label}</span>${
          options.required
            ? html`<span class="pf-v6-c-form__label-required" aria-hidden="true"> *</span>`
            : nothing
        }</label
      >
    </div>
    <div class="pf-v6-c-form__group-control">
      ${control} ${helper(options.id, options.errors, options.help)}
    </div>
  </div>`;
}

export function describedBy(options: FieldOptions): string {
  return options.errors?.length || options.help ? `${options.id}-helper` : '';
}

export interface InputOptions extends FieldOptions {
  name: string;
  value?: string;
  type?: string;
  pattern?: string;
  min?: number;
  placeholder?: string;
}

export function textInput(options: InputOptions): TemplateResult {
  const invalid = (options.errors?.length ?? 0) > 0;
  return formGroup(
    options,
    html`<span class="pf-v6-c-form-control ${invalid ? 'pf-m-error' : ''}"
      ><input
        id=${options.id}
        name=${options.name}
        type=${options.type ?? 'text'}
        .value=${options.value ?? ''}
        ?required=${options.required}
        pattern=${options.pattern ?? nothing}
        min=${options.min ?? nothing}
        placeholder=${options.placeholder ?? nothing}
        aria-invalid=${invalid ? 'true' : 'false'}
        aria-describedby=${describedBy(options) || nothing}
    /></span>`,
  );
}

export interface CheckOptions {
  id: string;
  name: string;
  label: string;
  checked: boolean;
  help?: string;
  onChange?: (checked: boolean) => void;
}

export function checkbox(options: CheckOptions): TemplateResult {
  return html`<div class="pf-v6-c-form__group">
    <div class="pf-v6-c-form__group-control">
      <div class="pf-v6-c-check">
        <input
          class="pf-v6-c-check__input"
          type="checkbox"
          id=${options.id}
          name=${options.name}
          .checked=${options.checked}
          @change=${(event: Event) => options.onChange?.((event.target as HTMLInputElement).checked)}
        />
        <label class="pf-v6-c-check__label" for=${options.id}>${options.label}</label>
        ${options.help ? html`<span class="pf-v6-c-check__description">${options.help}</span>` : nothing}
      </div>
    </div>
  </div>`;
}

/** Value of a named form control, '' when absent. */
export function formValue(form: HTMLFormElement, name: string): string {
  const value = new FormData(form).get(name);
  return typeof value === 'string' ? value : '';
}
