/**
 * `<ak-invitation-send-email>`: sends an invitation's link to addresses, one message per
 * address, and shows the outcome per address: the server answers 204 when all were accepted,
 * or a 400 naming the refused ones by index (`email_addresses: {"1": [...]}`); the others were
 * sent all the same.
 */
import { html, nothing } from 'lit';
import { ResponseError } from '@goauthentik/api';
import { InputRefusal, describeError, stagesApi } from '../api.js';
import { LightElement, emit } from '../components/light-element.js';
import { formGroup, formValue } from '../components/form.js';
import type { TesseraInvitation } from '../invitations.js';
import '../components/modal-form.js';

interface Outcome {
  address: string;
  error?: string;
}

export class AkInvitationSendEmail extends LightElement {
  static override properties = {
    invitation: { attribute: false },
    outcomes: { state: true },
  };
  invitation: TesseraInvitation | undefined = undefined;
  outcomes: Outcome[] | undefined = undefined;

  private async send(form: HTMLFormElement): Promise<boolean> {
    const invitation = this.invitation;
    if (!invitation) return true;
    const addresses = formValue(form, 'addresses')
      .split(/[\s,;]+/)
      .filter(Boolean);
    if (addresses.length === 0) throw new InputRefusal('Enter at least one email address.');
    this.outcomes = undefined;
    try {
      await stagesApi.stagesInvitationInvitationsSendEmailCreate({
        inviteUuid: invitation.pk,
        invitationSendEmailRequest: { emailAddresses: addresses },
      });
      this.outcomes = addresses.map((address) => ({ address }));
    } catch (error) {
      const readable = await describeError(error);
      const refused = Object.entries(readable.fields).filter(([path]) => path.startsWith('email_addresses.'));
      if (!(error instanceof ResponseError) || error.response.status !== 400 || refused.length === 0)
        throw error;
      const byIndex = new Map(
        refused.map(([path, messages]) => [Number(path.split('.')[1]), messages.join(' ')]),
      );
      this.outcomes = addresses.map((address, index) => ({ address, error: byIndex.get(index) }));
    }
    // The result per address stays on screen.
    return false;
  }

  override render() {
    const invitation = this.invitation;
    if (!invitation) return nothing;
    return html`<ak-modal-form
      heading="Send ${invitation.name} by email"
      submitLabel="Send"
      open
      .body=${() =>
        html`${formGroup(
          {
            id: 'send-addresses',
            label: 'Email addresses',
            help: 'One or more, separated by spaces, commas or new lines.',
          },
          html`<span class="pf-v6-c-form-control pf-m-textarea">
            <textarea
              id="send-addresses"
              name="addresses"
              required
              aria-describedby="send-addresses-helper"
            ></textarea>
          </span>`,
        )}
        ${
          this.outcomes
            ? html`<p role="status">
                  ${this.outcomes.some((o) => o.error) ? 'Some addresses were refused; the others were sent.' : 'Sent to every address.'}
                </p>
                <ul class="pf-v6-c-list ak-send-results">
                  ${this.outcomes.map(
                    (outcome) =>
                      html`<li>
                        ${outcome.address}:
                        ${outcome.error ? html`<strong>refused</strong> (${outcome.error})` : 'sent'}
                      </li>`,
                  )}
                </ul>`
            : nothing
        }`}
      .submit=${(form: HTMLFormElement) => this.send(form)}
      @ak-close=${(event: Event) => {
        event.stopPropagation();
        emit(this, 'ak-close');
      }}
    ></ak-modal-form>`;
  }
}
customElements.define('ak-invitation-send-email', AkInvitationSendEmail);
