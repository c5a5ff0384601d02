/**
 * The outbox's delivery worker, one per instance. authentik hands its emails and webhooks to
 * its task workers (authentik/stages/email/tasks.py send_mail, authentik/events/models.py
 * NotificationTransport); Tessera keeps them in the `outbox` table, written in the transaction
 * of the change that causes them, and every instance delivers what is due:
 * - on its timer (the periodic task `deliver_outbox`), and at once when a message commits
 *   (the `outbox` notification, src/db/change-feed.ts), so a send does not wait for the tick;
 * - claims with FOR UPDATE SKIP LOCKED (src/outbox/outbox.repository.ts), so instances never
 *   deliver the same message at once; a claim is a lease, so a message whose worker died is
 *   due again once the lease has run out;
 * - a failed attempt is retried after TESSERA_OUTBOX_RETRY_SECONDS, doubled on each further
 *   one, up to TESSERA_OUTBOX_MAX_ATTEMPTS attempts; a permanent refusal fails at once.
 * Each kind of message has its handler (`handle`), which the features that enqueue it register.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../db/client.js';
import type { OutboxConfig } from '../config.js';
import {
  createOutboxRepository,
  type ClaimedMessage,
  type OutboxKind,
  type OutboxStatus,
} from './outbox.repository.js';

/** What one attempt came to. */
export interface DeliveryOutcome {
  /** `retry`: a temporary failure, tried again later (failed once out of attempts). */
  status: 'delivered' | 'retry' | 'failed';
  error?: string | null;
  /** The HTTP status a webhook receiver answered. */
  responseCode?: number | null;
  /** Kept with the message for the next attempt and the delivery log (per-recipient outcomes). */
  result?: unknown;
}

export interface OutboxHandler {
  /** One attempt; a thrown error counts as a temporary failure. */
  deliver(message: ClaimedMessage): Promise<DeliveryOutcome>;
  /**
   * Runs in the transaction that records the outcome (the audit event of a delivered email),
   * so the record and what it causes commit together.
   */
  recorded?(tx: Db, message: ClaimedMessage, status: OutboxStatus, outcome: DeliveryOutcome): Promise<void>;
  /**
   * Around the deliveries of one claim: lets a handler keep one connection for all of them
   * (one SMTP session for a claim of messages instead of one per message).
   */
  batch?<T>(run: () => Promise<T>): Promise<T>;
}

/** Messages one claim takes: a worker does not hold more leases than it can soon finish. */
const CLAIM_BATCH = 10;
/** The longest wait between two attempts. */
const MAX_RETRY_SECONDS = 6 * 3600;

export class OutboxService {
  private readonly handlers = new Map<OutboxKind, OutboxHandler>();
  private tail: Promise<void> = Promise.resolve();
  private queued = false;
  private closed = false;

  constructor(
    private readonly db: Db,
    private readonly config: OutboxConfig,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** Registers the handler of one kind of message. */
  handle(kind: OutboxKind, handler: OutboxHandler): void {
    if (this.handlers.has(kind)) throw new Error(`outbox kind ${kind} has a handler already`);
    this.handlers.set(kind, handler);
  }

  /**
   * Delivers what is due now, after any delivery this instance already has under way
   * (the periodic task, tests, operators). Settles when done.
   */
  run(): Promise<void> {
    const next = this.tail.then(() => {
      this.queued = false;
      return this.closed ? undefined : this.drain();
    });
    this.tail = next.catch((error: unknown) => this.log.error({ err: error }, 'outbox delivery failed'));
    return next;
  }

  /** A prompt delivery in the background; wake-ups while one is waiting to start add nothing. */
  wake(): void {
    if (this.queued || this.closed) return;
    this.queued = true;
    void this.run().catch(() => undefined);
  }

  /** Stops taking work and waits for the delivery under way. */
  async close(): Promise<void> {
    this.closed = true;
    await this.tail;
  }

  /** The wait before attempt `attempts + 1`: the base delay doubled per failed attempt. */
  retryDelay(attempts: number): number {
    return Math.min(this.config.retrySeconds * 2 ** Math.max(attempts - 1, 0), MAX_RETRY_SECONDS);
  }

  private async drain(): Promise<void> {
    const { leaseSeconds, maxAttempts } = this.config;
    const repository = createOutboxRepository(this.db);
    await repository.failAbandoned(maxAttempts);
    for (;;) {
      if (this.closed) return;
      const claimed = await repository.claim(CLAIM_BATCH, leaseSeconds, maxAttempts);
      if (claimed.length === 0) return;
      for (const kind of new Set(claimed.map((message) => message.kind))) {
        const ofKind = claimed.filter((message) => message.kind === kind);
        const deliverAll = async () => {
          for (const message of ofKind) await this.deliverOne(message);
        };
        const handler = this.handlers.get(kind);
        await (handler?.batch ? handler.batch(deliverAll) : deliverAll());
      }
    }
  }

  private async deliverOne(message: ClaimedMessage): Promise<void> {
    const handler = this.handlers.get(message.kind);
    let outcome: DeliveryOutcome;
    if (!handler) outcome = { status: 'failed', error: `No handler for ${message.kind} messages.` };
    else {
      try {
        outcome = await handler.deliver(message);
      } catch (error) {
        outcome = { status: 'retry', error: error instanceof Error ? error.message : String(error) };
      }
    }
    let status: OutboxStatus = outcome.status === 'retry' ? 'retrying' : outcome.status;
    if (status === 'retrying' && message.attempts >= this.config.maxAttempts) status = 'failed';
    await this.db.transaction(async (tx) => {
      const recorded = await createOutboxRepository(tx).complete(message.id, message.attempts, {
        status,
        lastError: outcome.error ?? null,
        responseCode: outcome.responseCode ?? null,
        result: outcome.result ?? message.result,
        retryInSeconds: this.retryDelay(message.attempts),
      });
      if (recorded && handler?.recorded) await handler.recorded(tx, message, status, outcome);
    });
    if (status !== 'delivered') {
      this.log.warn(
        { outbox: message.id, kind: message.kind, attempt: message.attempts, status, error: outcome.error },
        'outbox message not delivered',
      );
    }
  }
}
