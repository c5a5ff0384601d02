/**
 * API tokens (authentik's Directory → Tokens and App passwords): list and search, create with
 * an expiry, the new key shown once with a copy button, and revoke (delete). The list never
 * shows keys, and once its dialog closes this screen does not show a key again.
 */
import { html } from 'lit';
import { IntentEnum, type Token, type TokenRequest } from '@goauthentik/api';
import { coreApi } from '../api.js';
import { checkbox, describedBy, formGroup, formValue, textInput } from '../components/form.js';
import type { TableQuery } from '../components/table.js';
import { ListScreen, needing, rowButton, toolbarButton, when } from './page-kit.js';
import '../components/copy-button.js';

export class TokensPage extends ListScreen<Token> {
  static override properties = {
    ...ListScreen.properties,
    formOpen: { state: true },
    expiring: { state: true },
    created: { state: true },
  };

  readonly heading = 'Tokens';
  readonly viewPermission = 'authentik_core.view_token';
  formOpen = false;
  /** Whether the form's "Expires" box is ticked (its date field follows it). */
  expiring = true;
  /** The identifier and key of the token just created, until its dialog closes. */
  created: { identifier: string; key: string } | undefined = undefined;
  private pendingKey: { identifier: string; key: string } | undefined = undefined;

  protected fetch(query: TableQuery) {
    return coreApi.coreTokensList({
      search: query.search || undefined,
      ordering: query.ordering || 'identifier',
      page: query.page,
      pageSize: this.pageSize,
    });
  }

  protected columns() {
    return [
      { label: 'Identifier', sortKey: 'identifier', render: (t: Token) => t.identifier },
      { label: 'User', render: (t: Token) => t.userObj.username },
      {
        label: 'Intent',
        sortKey: 'intent',
        render: (t: Token) => (t.intent === IntentEnum.AppPassword ? 'App password' : (t.intent ?? '')),
      },
      {
        label: 'Expires',
        sortKey: 'expires',
        render: (t: Token) => (t.expiring ? when(t.expires) : 'Never'),
      },
      { label: 'Description', render: (t: Token) => t.description || '—' },
      {
        label: 'Actions',
        render: (t: Token) =>
          t.managed ? 'Managed by Tessera' : rowButton('Revoke', t.identifier, () => this.revoke(t)),
      },
    ];
  }

  protected override toolbar() {
    return toolbarButton('New token', () => {
      this.expiring = true;
      this.formOpen = true;
    });
  }

  private async create(form: HTMLFormElement): Promise<void> {
    const identifier = formValue(form, 'identifier').trim();
    const expires = formValue(form, 'expires');
    const tokenRequest: TokenRequest = {
      identifier,
      description: formValue(form, 'description').trim(),
      intent: formValue(form, 'intent') === IntentEnum.AppPassword ? IntentEnum.AppPassword : IntentEnum.Api,
      expiring: this.expiring,
      // Empty: the server's default lifetime (API tokens always get it).
      expires: this.expiring ? (expires ? new Date(expires) : undefined) : null,
    };
    await needing('authentik_core.add_token', () => coreApi.coreTokensCreate({ tokenRequest }));
    const { key } = await needing('authentik_core.view_token_key', () =>
      coreApi.coreTokensViewKeyRetrieve({ identifier }),
    );
    // Shown once the form has closed, so the key's dialog returns focus to "New token".
    this.pendingKey = { identifier, key };
    await this.done(`Token ${identifier} created.`);
  }

  private revoke(token: Token): void {
    if (!window.confirm(`Revoke the token ${token.identifier}? Whatever uses it is refused from now on.`))
      return;
    void this.act('authentik_core.delete_token', `Token ${token.identifier} revoked.`, () =>
      coreApi.coreTokensDestroy({ identifier: token.identifier }),
    );
  }

  private tokenForm(errors: Record<string, string[]>) {
    const intent = { id: 'token-intent', label: 'Intent', errors: errors.intent };
    return html`${textInput({ id: 'token-identifier', name: 'identifier', label: 'Identifier', required: true, errors: errors.identifier })}
    ${textInput({ id: 'token-description', name: 'description', label: 'Description', errors: errors.description })}
    ${formGroup(
      intent,
      html`<span class="pf-v6-c-form-control"
        ><select id="token-intent" name="intent" aria-describedby=${describedBy(intent)}>
          <option value=${IntentEnum.Api}>API token</option>
          <option value=${IntentEnum.AppPassword}>App password</option>
        </select></span
      >`,
    )}
    ${checkbox({ id: 'token-expiring', name: 'expiring', label: 'Expires', checked: this.expiring, onChange: (on) => (this.expiring = on) })}
    ${
      this.expiring
        ? textInput({
            id: 'token-expires',
            name: 'expires',
            label: 'Expires on',
            type: 'datetime-local',
            errors: errors.expires,
            help: 'App passwords only; API tokens, and an empty field, get the default lifetime.',
          })
        : ''
    }`;
  }

  protected override modals() {
    const created = this.created;
    return html`<ak-modal-form
        .open=${this.formOpen}
        .heading=${'New token'}
        .submitLabel=${'Create'}
        .body=${(errors: Record<string, string[]>) => this.tokenForm(errors)}
        .submit=${(form: HTMLFormElement) => this.create(form)}
        @ak-close=${() => {
          this.formOpen = false;
          this.created = this.pendingKey;
          this.pendingKey = undefined;
        }}
      ></ak-modal-form>
      <ak-modal-form
        .open=${created !== undefined}
        .heading=${`Key of ${created?.identifier ?? ''}`}
        .submitLabel=${'Done'}
        .body=${() =>
          html`<div class="pf-v6-c-alert pf-m-warning pf-m-inline pf-v6-u-mb-md">
              <p class="pf-v6-c-alert__title">
                <span class="pf-v6-screen-reader">Warning:</span>This is the only time this screen shows the
                key. Copy it now.
              </p>
            </div>
            <ak-copy-button .label=${'Token key'} .value=${created?.key ?? ''}></ak-copy-button>`}
        .submit=${async () => undefined}
        @ak-close=${() => (this.created = undefined)}
      ></ak-modal-form>`;
  }
}

customElements.define('ak-tokens-page', TokensPage);
