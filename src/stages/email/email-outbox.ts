/**
 * Emails through the outbox: what send_email enqueues (one message per To address) and the
 * handler the worker delivers them with. authentik sends from its worker too
 * (authentik/stages/email/tasks.py send_mail) and writes `email_sent` once a message is sent;
 * so does this handler, in the transaction that records the delivery.
 *
 * Each recipient's outcome is kept with the message (`result.recipients`): accepted is
 * `delivered`; refused with a permanent SMTP reply (5xx) is `failed`; refused for the moment
 * (4xx) or not tried because the server could not be reached is `pending`, and the message is
 * retried for its pending recipients only, so nobody gets a copy twice.
 */
import type { Db } from '../../db/client.js';
import type { EventService } from '../../events/event.service.js';
import { insertEvents } from '../../events/event.repository.js';
import type { Metrics } from '../../lib/metrics.js';
import type { ClaimedMessage, NewOutboxMessage, OutboxStatus } from '../../outbox/outbox.repository.js';
import type { DeliveryOutcome, OutboxHandler } from '../../outbox/outbox.service.js';
import type { MailSession, Mailer } from './mailer.js';

export type RecipientStatus = 'delivered' | 'failed' | 'pending';

export interface RecipientOutcome {
  status: RecipientStatus;
  error: string | null;
}

export interface EmailResult {
  recipients: Record<string, RecipientOutcome>;
}

/** The `email` message: the mail, and what its `email_sent` event will say. */
export interface EmailPayload {
  to: string;
  cc: string[];
  bcc: string[];
  subject: string;
  html: string;
  text: string;
  /** The invitation, as audit events name it (masked token, name). */
  invitation: { pk: string; name: string };
  /** The event's parts from the request that queued it: who, from where, which request. */
  audit: {
    user: Record<string, unknown>;
    http_request: Record<string, unknown>;
    client_ip: string | null;
    /** The body as the event stores it (the token masked). */
    body: string;
  };
}

export function emailMessage(invitationUuid: string, payload: EmailPayload): NewOutboxMessage {
  return { kind: 'email', target: invitationUuid, payload: payload as unknown as Record<string, unknown> };
}

/** The message's recipients, each once, To first. */
export function recipientsOf(payload: Pick<EmailPayload, 'to' | 'cc' | 'bcc'>): string[] {
  return [...new Set([payload.to, ...payload.cc, ...payload.bcc])];
}

/** A 4xx SMTP reply: the server asks to try again later. */
const TEMPORARY = /^4\d\d[\s-]/;

function emailResult(value: unknown): EmailResult {
  const recipients = (value as EmailResult | null)?.recipients;
  return { recipients: recipients && typeof recipients === 'object' ? { ...recipients } : {} };
}

export class EmailOutboxHandler implements OutboxHandler {
  constructor(
    private readonly mailer: Mailer,
    private readonly events: EventService,
    private readonly metrics: Metrics,
  ) {}

  /** The SMTP session of the claim being delivered (`batch`), if any. */
  private session: MailSession | undefined;

  /** One SMTP session for every message of a claim; a message sent outside one opens its own. */
  async batch<T>(run: () => Promise<T>): Promise<T> {
    this.session = await this.mailer.open();
    try {
      return await run();
    } finally {
      this.session.close();
      this.session = undefined;
    }
  }

  async deliver(message: ClaimedMessage): Promise<DeliveryOutcome> {
    const payload = message.payload as unknown as EmailPayload;
    const result = emailResult(message.result);
    const all = recipientsOf(payload);
    const pending = all.filter((address) => {
      const status = result.recipients[address]?.status;
      return status === undefined || status === 'pending';
    });
    if (pending.length > 0) {
      const shared = this.session;
      const session = shared ?? (await this.mailer.open());
      try {
        const sent = await session.send({
          to: [payload.to],
          cc: payload.cc,
          bcc: payload.bcc,
          subject: payload.subject,
          html: payload.html,
          text: payload.text,
          envelope: pending.length < all.length ? pending : undefined,
        });
        for (const address of pending) {
          if (sent.accepted.includes(address)) {
            result.recipients[address] = { status: 'delivered', error: null };
            continue;
          }
          const error = sent.failed.get(address) ?? 'Not sent';
          const temporary = sent.unreachable !== undefined || TEMPORARY.test(error);
          result.recipients[address] = { status: temporary ? 'pending' : 'failed', error };
        }
        if (sent.accepted.length > 0) this.metrics.emailSent();
        else this.metrics.emailFailed();
        if (sent.unreachable !== undefined) {
          const error = `The mail server at ${this.mailer.server} could not be reached: ${sent.unreachable}`;
          return { status: 'retry', error, result };
        }
      } finally {
        if (!shared) session.close();
      }
    }
    const outcomes = all.map((address) => result.recipients[address]);
    const waiting = outcomes.find((outcome) => outcome?.status === 'pending');
    const firstError = outcomes.find((outcome) => outcome?.error)?.error ?? null;
    if (waiting) return { status: 'retry', error: waiting.error, result };
    // The message is the To address's: delivered when it got it, whatever became of a cc.
    const toStatus = result.recipients[payload.to]?.status;
    return { status: toStatus === 'delivered' ? 'delivered' : 'failed', error: firstError, result };
  }

  /**
   * authentik's send_mail writes `email_sent` once the server took the message: here when this
   * attempt reached anyone, in the transaction that records it. The event also names the
   * invitation (a Tessera addition), which makes it the webhook `invitation.sent`.
   */
  async recorded(tx: Db, message: ClaimedMessage, _status: OutboxStatus, outcome: DeliveryOutcome) {
    const before = emailResult(message.result).recipients;
    const after = emailResult(outcome.result).recipients;
    const newly = Object.keys(after).filter(
      (address) => after[address].status === 'delivered' && before[address]?.status !== 'delivered',
    );
    if (newly.length === 0) return;
    const payload = message.payload as unknown as EmailPayload;
    const entry = this.events.entry(
      null,
      'email_sent',
      {
        message: `Email to ${payload.to} sent`,
        subject: payload.subject,
        body: payload.audit.body,
        from_email: this.mailer.fromAddress,
        to_email: [payload.to],
        invitation: payload.invitation,
        http_request: payload.audit.http_request,
      },
      { app: 'authentik.stages.email.tasks', user: payload.audit.user },
    );
    await insertEvents(tx, [{ ...entry, clientIp: payload.audit.client_ip }]);
  }
}
