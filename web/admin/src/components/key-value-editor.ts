/**
 * `<ak-key-value-editor>`: edits a flat JSON object (an invitation's fixed data) as rows of
 * key and value, or as raw JSON for nested values. Values typed in the rows are strings; the
 * raw view keeps any JSON. `value` always holds the current object; `error` says why the raw
 * text is not an object (the form refuses to submit while it is set).
 */
import { html, nothing } from 'lit';
import { LightElement, emit } from './light-element.js';

let counter = 0;

interface Row {
  key: string;
  value: string;
}

function toRows(value: Record<string, unknown>): Row[] {
  return Object.entries(value).map(([key, item]) => ({
    key,
    value: typeof item === 'string' ? item : JSON.stringify(item),
  }));
}

/** A row's text: JSON when it parses as a non-string JSON value the rows cannot show, else the text. */
function fromRows(rows: Row[]): Record<string, unknown> {
  const result: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const row of rows) {
    if (row.key === '') continue;
    let value: unknown = row.value;
    if (/^[[{]/.test(row.value.trim())) {
      try {
        value = JSON.parse(row.value);
      } catch {
        value = row.value;
      }
    }
    result[row.key] = value;
  }
  return { ...result };
}

export class AkKeyValueEditor extends LightElement {
  static override properties = {
    label: { type: String },
    value: { attribute: false },
    raw: { state: true },
    rows: { state: true },
    text: { state: true },
    error: { state: true },
  };
  label = 'Data';
  value: Record<string, unknown> = {};
  raw = false;
  rows: Row[] = [];
  text = '{}';
  error = '';
  private readonly uid = `ak-kv-${++counter}`;
  private loaded: Record<string, unknown> | undefined;

  override willUpdate(changed: Map<string, unknown>) {
    if (changed.has('value') && this.value !== this.loaded) {
      this.rows = toRows(this.value);
      this.text = JSON.stringify(this.value, null, 2);
      this.loaded = this.value;
    }
  }

  private set(value: Record<string, unknown>) {
    this.loaded = value;
    this.value = value;
    emit(this, 'ak-change', value);
  }

  private updateRow(index: number, change: Partial<Row>) {
    this.rows = this.rows.map((row, i) => (i === index ? { ...row, ...change } : row));
    this.set(fromRows(this.rows));
  }

  private switchView(raw: boolean) {
    if (raw) this.text = JSON.stringify(this.value, null, 2);
    else if (!this.error) this.rows = toRows(this.value);
    this.raw = raw;
  }

  private onText(text: string) {
    this.text = text;
    try {
      const parsed: unknown = JSON.parse(text || '{}');
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        this.error = 'Enter a JSON object, such as {"email": "jane@example.com"}.';
        return;
      }
      this.error = '';
      this.set(parsed as Record<string, unknown>);
    } catch (error) {
      this.error = `Not valid JSON: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  override render() {
    return html`<fieldset class="pf-v6-c-form__fieldset">
      <legend class="pf-v6-c-form__label"><span class="pf-v6-c-form__label-text">${this.label}</span></legend>
      <div
        class="pf-v6-c-toggle-group pf-m-compact pf-v6-u-mb-sm"
        role="group"
        aria-label="${this.label} view"
      >
        <div class="pf-v6-c-toggle-group__item">
          <button
            type="button"
            class="pf-v6-c-toggle-group__button ${this.raw ? '' : 'pf-m-selected'}"
            aria-pressed=${this.raw ? 'false' : 'true'}
            ?disabled=${this.raw && this.error !== ''}
            @click=${() => this.switchView(false)}
          >
            <span class="pf-v6-c-toggle-group__text">Key/value</span>
          </button>
        </div>
        <div class="pf-v6-c-toggle-group__item">
          <button
            type="button"
            class="pf-v6-c-toggle-group__button ${this.raw ? 'pf-m-selected' : ''}"
            aria-pressed=${this.raw ? 'true' : 'false'}
            @click=${() => this.switchView(true)}
          >
            <span class="pf-v6-c-toggle-group__text">Raw JSON</span>
          </button>
        </div>
      </div>
      ${this.raw ? this.renderRaw() : this.renderRows()}
    </fieldset>`;
  }

  private renderRaw() {
    const id = `${this.uid}-raw`;
    return html`<label class="pf-v6-c-form__label" for=${id}
        ><span class="pf-v6-c-form__label-text">${this.label} (JSON)</span></label
      >
      <span class="pf-v6-c-form-control pf-m-textarea ${this.error ? 'pf-m-error' : ''}">
        <textarea
          id=${id}
          class="ak-json"
          .value=${this.text}
          aria-invalid=${this.error ? 'true' : 'false'}
          aria-describedby="${id}-error"
          @input=${(event: Event) => this.onText((event.target as HTMLTextAreaElement).value)}
        ></textarea>
      </span>
      <p class="pf-v6-c-helper-text ak-field-error" id="${id}-error" aria-live="polite">
        ${this.error || nothing}
      </p>`;
  }

  private renderRows() {
    return html`<div class="pf-v6-l-stack pf-m-gutter">
      ${this.rows.map(
        (row, index) =>
          html`<div class="pf-v6-l-flex pf-m-nowrap">
            <label class="pf-v6-screen-reader" for="${this.uid}-key-${index}">Key ${index + 1}</label>
            <span class="pf-v6-c-form-control"
              ><input
                id="${this.uid}-key-${index}"
                .value=${row.key}
                placeholder="key"
                @input=${(event: Event) => this.updateRow(index, { key: (event.target as HTMLInputElement).value })}
            /></span>
            <label class="pf-v6-screen-reader" for="${this.uid}-value-${index}">Value ${index + 1}</label>
            <span class="pf-v6-c-form-control"
              ><input
                id="${this.uid}-value-${index}"
                .value=${row.value}
                placeholder="value"
                @input=${(event: Event) => this.updateRow(index, { value: (event.target as HTMLInputElement).value })}
            /></span>
            <button
              class="pf-v6-c-button pf-m-plain"
              type="button"
              aria-label="Remove key ${row.key || index + 1}"
              @click=${() => {
                this.rows = this.rows.filter((_, i) => i !== index);
                this.set(fromRows(this.rows));
              }}
            >
              ✕
            </button>
          </div>`,
      )}
      <div>
        <button
          class="pf-v6-c-button pf-m-link pf-m-inline"
          type="button"
          @click=${() => (this.rows = [...this.rows, { key: '', value: '' }])}
        >
          Add key
        </button>
      </div>
    </div>`;
  }
}
customElements.define('ak-key-value-editor', AkKeyValueEditor);
