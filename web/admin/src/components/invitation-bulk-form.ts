/**
 * The "Bulk create" form's body and its reading: Tessera's `bulk/` action (docs/compatibility.md)
 * takes one template (flow, name prefix, expiry, single use, max uses, fixed data) and either a
 * count or a list of addresses, one a line.
 */
import { html } from 'lit';
import { InputRefusal } from '../api.js';
import type { BulkRequest } from '../invitations.js';
import { checkbox, describedBy, formGroup, formValue, textInput } from './form.js';
import { NAME_PATTERN } from './invitation-form.js';
import type { AkKeyValueEditor } from './key-value-editor.js';
import './flow-picker.js';
import './key-value-editor.js';

/** The most invitations one call creates (the server refuses more). */
export const MAX_BULK = 10_000;

export function bulkFormBody(errors: Record<string, string[]>) {
  const emailErrors = Object.entries(errors)
    .filter(([key]) => key === 'emails' || key.startsWith('emails.'))
    .map(([key, messages]) =>
      key === 'emails' ? messages.join(' ') : `Line ${Number(key.slice(7)) + 1}: ${messages.join(' ')}`,
    );
  const emailOptions = {
    id: 'bulk-emails',
    label: 'Email addresses',
    help: 'One a line: one invitation per address. Leave empty to create a number of them instead.',
    errors: emailErrors,
  };
  return html`<ak-flow-picker
      label="Enrollment flow"
      name="flow"
      designation="enrollment"
      .value=${''}
      .errors=${errors.flow ?? []}
    ></ak-flow-picker>
    ${textInput({
      id: 'bulk-name-prefix',
      name: 'name_prefix',
      label: 'Name prefix',
      pattern: NAME_PATTERN,
      help: 'Names are <prefix>-1, <prefix>-2, …; empty: the flow’s slug.',
      errors: errors.name_prefix ?? errors.name,
    })}
    ${textInput({
      id: 'bulk-count',
      name: 'count',
      label: 'How many',
      type: 'number',
      min: 1,
      help: `Up to ${MAX_BULK}, when no addresses are given.`,
      errors: errors.count,
    })}
    ${formGroup(
      emailOptions,
      html`<span class="pf-v6-c-form-control pf-m-textarea ${emailErrors.length ? 'pf-m-error' : ''}">
        <textarea
          id="bulk-emails"
          name="emails"
          rows="5"
          aria-describedby=${describedBy(emailOptions)}
          aria-invalid=${emailErrors.length ? 'true' : 'false'}
        ></textarea>
      </span>`,
    )}
    ${checkbox({
      id: 'bulk-send-email',
      name: 'send_email',
      label: 'Email each address its link',
      checked: false,
      help: 'Queued with the invitations; each is bound to its address, so only that person can enroll with it.',
    })}
    ${textInput({
      id: 'bulk-expires',
      name: 'expires',
      label: 'Expires',
      type: 'datetime-local',
      help: 'Empty: the default token duration from now.',
      errors: errors.expires,
    })}
    ${checkbox({
      id: 'bulk-single-use',
      name: 'single_use',
      label: 'Single use',
      checked: false,
      help: 'Each invitation allows one enrollment.',
    })}
    ${textInput({
      id: 'bulk-max-uses',
      name: 'max_uses',
      label: 'Max uses',
      type: 'number',
      min: 1,
      help: 'Empty: unlimited (or one, when single use).',
      errors: errors.max_uses,
    })}
    <ak-key-value-editor label="Fixed data" .value=${{}}></ak-key-value-editor>
    ${errors.fixed_data ? html`<p class="ak-field-error pf-v6-c-helper-text">${errors.fixed_data.join(' ')}</p>` : ''}`;
}

export function readBulkForm(form: HTMLFormElement): BulkRequest {
  const editor = form.querySelector<AkKeyValueEditor>('ak-key-value-editor');
  if (editor?.error) throw new InputRefusal(`Fixed data: ${editor.error}`);
  const flow = formValue(form, 'flow');
  if (!flow) throw new InputRefusal('Choose the enrollment flow the links open.');
  const emails = formValue(form, 'emails')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const countText = formValue(form, 'count').trim();
  if (emails.length > 0 && countText !== '') {
    throw new InputRefusal('Give either a number or addresses, not both.');
  }
  if (emails.length === 0 && countText === '') {
    throw new InputRefusal('Give how many invitations to create, or their addresses.');
  }
  const singleUse = form.querySelector<HTMLInputElement>('[name=single_use]')?.checked ?? false;
  const sendEmail = form.querySelector<HTMLInputElement>('[name=send_email]')?.checked ?? false;
  if (sendEmail && emails.length === 0) {
    throw new InputRefusal('Sending needs the addresses: list them, one a line.');
  }
  const maxText = formValue(form, 'max_uses').trim();
  const maxUses = maxText === '' ? null : Number(maxText);
  if (maxUses !== null && (!Number.isInteger(maxUses) || maxUses < 1)) {
    throw new InputRefusal('Max uses must be a whole number of at least 1, or empty for unlimited.');
  }
  const expires = formValue(form, 'expires');
  const prefix = formValue(form, 'name_prefix').trim();
  return {
    flow,
    ...(prefix ? { name_prefix: prefix } : {}),
    expires: expires ? new Date(expires).toISOString() : null,
    single_use: singleUse,
    max_uses: maxUses,
    fixed_data: editor?.value ?? {},
    ...(emails.length > 0 ? { emails } : { count: Number(countText) }),
    ...(sendEmail ? { send_email: true } : {}),
  };
}
