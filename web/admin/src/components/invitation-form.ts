/**
 * The invitation form's body and its reading, shared by the list's create and the detail
 * screen's edit: name, enrollment flow, expiry, single use, max uses, fixed data, and Tessera's
 * grants (groups, roles) and email binding (one address or domains).
 */
import { html } from 'lit';
import type { InvitationRequest } from '@goauthentik/api';
import { InputRefusal } from '../api.js';
import { checkbox, formValue, textInput } from './form.js';
import type { AkKeyValueEditor } from './key-value-editor.js';
import type { InvitationExtensions, TesseraInvitation } from '../invitations.js';
import type { AkGrantPicker } from './grant-picker.js';
import './flow-picker.js';
import './grant-picker.js';
import './key-value-editor.js';

/**
 * A slug as the API accepts it (src/api/validation.ts SLUG_PATTERN). Browsers compile an
 * input's pattern with the `v` flag, where an unescaped `-` in a class is a syntax error (the
 * pattern is then ignored and Chrome logs it), so the hyphen is escaped and last.
 */
export const NAME_PATTERN = '[a-zA-Z0-9_\\-]+';

/** `datetime-local` text (local time, minutes) for a date. */
function localInput(date: Date | null | undefined): string {
  if (!date) return '';
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

export function invitationFormBody(
  invitation: TesseraInvitation | undefined,
  errors: Record<string, string[]>,
) {
  return html`${textInput({
      id: 'invitation-name',
      name: 'name',
      label: 'Name',
      required: true,
      value: invitation?.name,
      pattern: NAME_PATTERN,
      help: 'Letters, numbers, underscores and hyphens.',
      errors: errors.name,
    })}
    <ak-flow-picker
      label="Enrollment flow"
      name="flow"
      designation="enrollment"
      optional
      .value=${invitation?.flow ?? ''}
      .errors=${errors.flow ?? []}
    ></ak-flow-picker>
    ${textInput({
      id: 'invitation-expires',
      name: 'expires',
      label: 'Expires',
      type: 'datetime-local',
      value: localInput(invitation?.expires),
      help: 'Empty: the invitation does not expire.',
      errors: errors.expires,
    })}
    ${checkbox({
      id: 'invitation-single-use',
      name: 'single_use',
      label: 'Single use',
      checked: invitation?.singleUse ?? false,
      help: 'Allows one enrollment.',
    })}
    ${textInput({
      id: 'invitation-max-uses',
      name: 'max_uses',
      label: 'Max uses',
      type: 'number',
      min: 1,
      value: invitation?.maxUses != null ? String(invitation.maxUses) : '',
      help: 'Empty: unlimited (or one, when single use).',
      errors: errors.max_uses,
    })}
    <ak-key-value-editor label="Fixed data" .value=${invitation?.fixedData ?? {}}></ak-key-value-editor>
    ${errors.fixed_data ? html`<p class="ak-field-error pf-v6-c-helper-text">${errors.fixed_data.join(' ')}</p>` : ''}
    <ak-grant-picker
      kind="groups"
      .value=${invitation?.groups ?? []}
      .errors=${errors.groups ?? []}
    ></ak-grant-picker>
    <ak-grant-picker
      kind="roles"
      .value=${invitation?.roles ?? []}
      .errors=${errors.roles ?? []}
    ></ak-grant-picker>
    ${textInput({
      id: 'invitation-email',
      name: 'email',
      label: 'Only for this email address',
      type: 'email',
      value: invitation?.email ?? '',
      help: 'Empty: anyone with the link. Compared without regard to case; prefilled in the enrollment.',
      errors: errors.email ?? errors.non_field_errors,
    })}
    ${textInput({
      id: 'invitation-email-domains',
      name: 'email_domains',
      label: 'Only for email addresses in these domains',
      value: (invitation?.emailDomains ?? []).join(', '),
      help: 'Comma-separated, e.g. example.com, example.org. Subdomains are not included. Use this or the address, not both.',
      errors: errors.email_domains,
    })}`;
}

export function readInvitationForm(form: HTMLFormElement): {
  request: InvitationRequest;
  extensions: InvitationExtensions;
} {
  const editor = form.querySelector<AkKeyValueEditor>('ak-key-value-editor');
  if (editor?.error) throw new InputRefusal(`Fixed data: ${editor.error}`);
  const singleUse = form.querySelector<HTMLInputElement>('[name=single_use]')?.checked ?? false;
  const maxText = formValue(form, 'max_uses').trim();
  const maxUses = maxText === '' ? null : Number(maxText);
  if (maxUses !== null && (!Number.isInteger(maxUses) || maxUses < 1)) {
    throw new InputRefusal('Max uses must be a whole number of at least 1, or empty for unlimited.');
  }
  // A single-use invitation is used up at its first use, so more uses could never happen.
  if (singleUse && maxUses !== null && maxUses > 1) {
    throw new InputRefusal(
      `Single use and ${maxUses} max uses contradict each other: a single-use invitation is used up by its first use. Clear one of them.`,
    );
  }
  const expires = formValue(form, 'expires');
  const email = formValue(form, 'email').trim();
  const domains = formValue(form, 'email_domains')
    .split(',')
    .map((domain) => domain.trim())
    .filter((domain) => domain !== '');
  if (email !== '' && domains.length > 0) {
    throw new InputRefusal('Bind the invitation to one email address or to domains, not both.');
  }
  const picked = (kind: string) =>
    form.querySelector<AkGrantPicker>(`ak-grant-picker[kind=${kind}]`)?.selected;
  const extensions: InvitationExtensions = {
    max_uses: maxUses,
    email: email || null,
    email_domains: domains.length > 0 ? domains : null,
  };
  // A picker still loading sends nothing, which leaves the grants as they are.
  const groups = picked('groups');
  if (groups) extensions.groups = groups;
  const roles = picked('roles');
  if (roles) extensions.roles = roles;
  return {
    request: {
      name: formValue(form, 'name'),
      flow: formValue(form, 'flow') || null,
      expires: expires ? new Date(expires) : null,
      singleUse,
      fixedData: editor?.value ?? {},
    },
    extensions,
  };
}
