/**
 * `<ak-invitation-send-email>`: sends an invitation's link to addresses, one message per
 * address. The server queues the messages and answers 204 before they are sent (its outbox
 * worker sends them); the outcome per address is read from the invitation's `deliveries/` log,
 * again on "Check again".
 */
import { html, nothing } from 'lit';
import { InputRefusal, stagesApi } from '../api.js';
import { LightElement, emit } from '../components/light-element.js';
import { formGroup, formValue } from '../components/form.js';
import { listInvitationDeliveries, type TesseraInvitation } from '../invitations.js';
import '../components/modal-form.js';

interface Outcome {
  address: string;
  status: 'queued' | 'retrying' | 'delivered' | 'failed';
  error?: string;
}

const STATUS_TEXT: Record<Outcome['status'], string> = {
  queued: 'queued',
  retrying: 'waiting to retry',
  delivered: 'sent',
  failed: 'refused',
};

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
    await stagesApi.stagesInvitationInvitationsSendEmailCreate({
      inviteUuid: invitation.pk,
      invitationSendEmailRequest: { emailAddresses: addresses },
    });
    this.sent = addresses;
    await this.check();
    // The result per address stays on screen.
    return false;
  }

  /** The addresses of the last send, each with its newest delivery's state. */
  private sent: string[] = [];

  private async check(): Promise<void> {
    const invitation = this.invitation;
    if (!invitation) return;
    const deliveries = await listInvitationDeliveries(invitation.pk);
    this.outcomes = this.sent.map((address) => {
      const newest = deliveries.find((delivery) => delivery.to === address);
      return {
        address,
        status: newest?.status ?? 'queued',
        error: newest?.last_error ?? undefined,
      };
    });
  }

  private summary(outcomes: Outcome[]): string {
    if (outcomes.some((o) => o.status === 'failed'))
      return 'Some addresses were refused; the others were sent or are queued.';
    if (outcomes.every((o) => o.status === 'delivered')) return 'Sent to every address.';
    return 'Queued: the messages are being sent.';
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
            ? html`<p role="status">${this.summary(this.outcomes)}</p>
                <ul class="pf-v6-c-list ak-send-results">
                  ${this.outcomes.map(
                    (outcome) =>
                      html`<li>
                        ${outcome.address}:
                        ${
                          outcome.status === 'failed'
                            ? html`<strong>refused</strong>`
                            : STATUS_TEXT[outcome.status]
                        }${outcome.error ? ` (${outcome.error})` : ''}
                      </li>`,
                  )}
                </ul>
                <button
                  class="pf-v6-c-button pf-m-secondary"
                  type="button"
                  @click=${() => void this.check().catch(() => undefined)}
                >
                  <span class="pf-v6-c-button__text">Check again</span>
                </button>`
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
