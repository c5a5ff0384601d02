/**
 * The outbox's SQL (table `outbox`, src/db/schema.ts): enqueueing in the caller's transaction,
 * the workers' claim and completion, and the delivery logs.
 */
import { sql } from 'drizzle-orm';
import { query, type Db } from '../db/client.js';

export type OutboxKind = 'email' | 'webhook';
export type OutboxStatus = 'queued' | 'retrying' | 'delivered' | 'failed';
export const OUTBOX_STATUSES: readonly OutboxStatus[] = ['queued', 'retrying', 'delivered', 'failed'];

export interface NewOutboxMessage {
  kind: OutboxKind;
  /** What the message is about: the invitation of an email, the endpoint of a webhook. */
  target: string | null;
  payload: Record<string, unknown>;
}

/** A message a worker holds: its lease runs until it records the outcome or the lease ends. */
export interface ClaimedMessage {
  id: string;
  kind: OutboxKind;
  target: string | null;
  payload: Record<string, unknown>;
  /** This attempt's number, from 1; also the lease's fencing token. */
  attempts: number;
  /** What earlier attempts recorded (an email's per-recipient outcomes). */
  result: unknown;
}

export interface RecordedOutcome {
  status: OutboxStatus;
  lastError: string | null;
  responseCode: number | null;
  result: unknown;
  /** When a retrying message is due again, in seconds from now. */
  retryInSeconds: number;
}

export interface DeliveryRow {
  id: string;
  kind: OutboxKind;
  target: string | null;
  payload: Record<string, unknown>;
  status: OutboxStatus;
  attempts: number;
  last_error: string | null;
  response_code: number | null;
  result: unknown;
  next_attempt_at: string | null;
  delivered_at: string | null;
  created: string;
  updated: string;
}

const PENDING = sql`('queued', 'retrying')`;

/** Only messages whose payload `type` is one of these (undefined: all). */
function typeFilter(types: readonly string[] | undefined) {
  if (types === undefined) return sql``;
  return sql`AND payload ->> 'type' IN (SELECT jsonb_array_elements_text(${JSON.stringify(types)}::jsonb))`;
}

/** Writes messages in the caller's transaction: they exist exactly when its change commits. */
export async function enqueue(db: Db, messages: NewOutboxMessage[]): Promise<void> {
  if (messages.length === 0) return;
  const rows = messages.map((m) => ({ kind: m.kind, target: m.target, payload: m.payload }));
  await query(
    db,
    sql`INSERT INTO outbox (kind, target, payload)
        SELECT m.kind, m.target, m.payload
        FROM ROWS FROM (jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
          AS (kind text, target uuid, payload jsonb)) WITH ORDINALITY AS m(kind, target, payload, n)
        ORDER BY m.n`,
  );
}

export function createOutboxRepository(db: Db) {
  return {
    /**
     * Claims up to `limit` due messages: each gets its attempt counted and its due time moved
     * past the lease, and commits at once, so another worker (SKIP LOCKED skips rows being
     * claimed) leaves it alone until the lease has run out.
     */
    async claim(limit: number, leaseSeconds: number, maxAttempts: number): Promise<ClaimedMessage[]> {
      return query<ClaimedMessage>(
        db,
        sql`WITH claimed AS (
            UPDATE outbox o
            SET attempts = o.attempts + 1,
                next_attempt_at = now() + make_interval(secs => ${leaseSeconds}),
                updated = now()
            WHERE o.id IN (
              SELECT id FROM outbox
              WHERE status IN ${PENDING} AND next_attempt_at <= now() AND attempts < ${maxAttempts}
              ORDER BY next_attempt_at, seq
              LIMIT ${limit}
              FOR UPDATE SKIP LOCKED)
            RETURNING o.id, o.seq, o.kind, o.target, o.payload, o.attempts, o.result)
            SELECT id, kind, target, payload, attempts, result FROM claimed ORDER BY seq`,
      );
    },

    /**
     * Messages whose last allowed attempt was claimed by a worker that never recorded its
     * outcome (it died): failed once their lease has run out.
     */
    async failAbandoned(maxAttempts: number): Promise<number> {
      const rows = await query<{ id: string }>(
        db,
        sql`UPDATE outbox
            SET status = 'failed', updated = now(),
                last_error = coalesce(last_error, 'The worker delivering it stopped before it finished.')
            WHERE status IN ${PENDING} AND next_attempt_at <= now() AND attempts >= ${maxAttempts}
            RETURNING id`,
      );
      return rows.length;
    },

    /**
     * Records the outcome of the attempt `attempts`; false when that attempt's lease ran out
     * and another worker claimed the message since (that worker's outcome counts).
     */
    async complete(id: string, attempts: number, outcome: RecordedOutcome): Promise<boolean> {
      const rows = await query<{ id: string }>(
        db,
        sql`UPDATE outbox
            SET status = ${outcome.status},
                last_error = ${outcome.lastError},
                response_code = ${outcome.responseCode},
                result = ${outcome.result === undefined ? null : JSON.stringify(outcome.result)}::jsonb,
                delivered_at = CASE WHEN ${outcome.status} = 'delivered' THEN now() END,
                next_attempt_at = CASE WHEN ${outcome.status} = 'retrying'
                  THEN now() + make_interval(secs => ${outcome.retryInSeconds}) ELSE next_attempt_at END,
                updated = now()
            WHERE id = ${id} AND attempts = ${attempts} AND status IN ${PENDING}
            RETURNING id`,
      );
      return rows.length > 0;
    },

    /** Deletes delivered and failed messages settled more than `seconds` ago; returns how many. */
    async deleteSettled(seconds: number): Promise<number> {
      const rows = await query<{ id: string }>(
        db,
        sql`DELETE FROM outbox
            WHERE status IN ('delivered', 'failed') AND updated < now() - make_interval(secs => ${seconds})
            RETURNING id`,
      );
      return rows.length;
    },

    /** One page of a target's messages, newest first, with the total. */
    async listForTarget(
      kind: OutboxKind,
      target: string,
      limit: number,
      offset: number,
      types?: readonly string[],
    ): Promise<{ rows: DeliveryRow[]; total: number | undefined }> {
      const rows = await query<DeliveryRow & { total: string }>(
        db,
        sql`SELECT id, kind, target, payload, status, attempts, last_error, response_code, result,
                   CASE WHEN status IN ${PENDING} THEN drf_datetime(next_attempt_at) END AS next_attempt_at,
                   drf_datetime(delivered_at) AS delivered_at,
                   drf_datetime(created) AS created, drf_datetime(updated) AS updated,
                   count(*) OVER () AS total
            FROM outbox WHERE kind = ${kind} AND target = ${target} ${typeFilter(types)}
            ORDER BY seq DESC
            LIMIT ${limit} OFFSET ${offset}`,
      );
      // A page past the end has no row to carry the total: the pager counts then.
      return { rows, total: rows.length > 0 ? Number(rows[0].total) : undefined };
    },

    async countForTarget(kind: OutboxKind, target: string, types?: readonly string[]): Promise<number> {
      const rows = await query<{ n: string }>(
        db,
        sql`SELECT count(*) AS n FROM outbox WHERE kind = ${kind} AND target = ${target} ${typeFilter(types)}`,
      );
      return Number(rows[0].n);
    },
  };
}
