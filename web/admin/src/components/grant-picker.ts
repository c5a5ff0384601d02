/**
 * `<ak-grant-picker>`: a labelled multiple select of the groups (`kind="groups"`) or roles
 * (`kind="roles"`) an invitation gives the user it enrolls (Tessera's invitation grants,
 * docs/compatibility.md). `selected` is undefined until the list has loaded, so that a form
 * sent before then leaves the invitation's grants as they are instead of clearing them.
 */
import { html } from 'lit';
import { coreApi, describeError, rbacApi } from '../api.js';
import { describedBy, formGroup } from './form.js';
import { LightElement } from './light-element.js';

let counter = 0;

interface Choice {
  pk: string;
  name: string;
  note: string;
}

export class AkGrantPicker extends LightElement {
  static override properties = {
    kind: { type: String },
    value: { attribute: false },
    errors: { attribute: false },
    choices: { state: true },
    loadError: { state: true },
  };
  kind: 'groups' | 'roles' = 'groups';
  /** The pks the invitation carries now. */
  value: string[] = [];
  errors: string[] = [];
  choices: Choice[] | undefined = undefined;
  loadError = '';
  private readonly uid = `ak-grant-picker-${++counter}`;

  override async connectedCallback() {
    super.connectedCallback();
    try {
      if (this.kind === 'groups') {
        const page = await coreApi.coreGroupsList({ pageSize: 100, ordering: 'name' });
        this.choices = page.results.map((group) => ({
          pk: group.pk,
          name: group.name,
          note: group.isSuperuser ? ' (superuser)' : '',
        }));
      } else {
        const page = await rbacApi.rbacRolesList({ pageSize: 100, ordering: 'name' });
        this.choices = page.results.map((role) => ({ pk: role.pk, name: role.name, note: '' }));
      }
    } catch (error) {
      this.loadError = (await describeError(error)).message;
    }
  }

  /** The chosen pks; undefined while the list is not loaded. */
  get selected(): string[] | undefined {
    if (!this.choices) return undefined;
    const select = this.querySelector<HTMLSelectElement>('select');
    return select ? [...select.selectedOptions].map((option) => option.value) : undefined;
  }

  override render() {
    const field = {
      id: this.uid,
      label: this.kind === 'groups' ? 'Groups given' : 'Roles given',
      errors: this.loadError ? [this.loadError, ...this.errors] : this.errors,
      help:
        this.kind === 'groups'
          ? 'The enrolled user joins these groups. Only what you hold yourself can be given. Ctrl or ⌘ selects several.'
          : 'The enrolled user gets these roles. Only permissions you hold can be given. Ctrl or ⌘ selects several.',
    };
    if (!this.choices) {
      return formGroup(
        field,
        html`<span class="pf-v6-c-form-control pf-m-disabled"
          ><select id=${this.uid} multiple size="1" disabled aria-describedby=${describedBy(field)}>
            <option>${this.loadError ? 'Not available' : 'Loading…'}</option>
          </select></span
        >`,
      );
    }
    const chosen = new Set(this.value);
    return formGroup(
      field,
      html`<span class="pf-v6-c-form-control ${field.errors.length ? 'pf-m-error' : ''}"
        ><select id=${this.uid} multiple size="4" aria-describedby=${describedBy(field)}>
          ${this.choices.map(
            (choice) =>
              html`<option value=${choice.pk} ?selected=${chosen.has(choice.pk)}>
                ${choice.name}${choice.note}
              </option>`,
          )}
        </select></span
      >`,
    );
  }
}
customElements.define('ak-grant-picker', AkGrantPicker);
