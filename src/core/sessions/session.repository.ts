/**
 * Server-side sessions (Django's database session backend as authentik configures it): one row
 * per `authentik_session` cookie, so every Tessera instance sees the same flow plan.
 */
import { sql, type SQL } from 'drizzle-orm';
import { query, type Db } from '../../db/client.js';
import { insertEventsSql, type NewEvent } from '../../events/event.repository.js';
import type { SessionRow } from '../../api/session-auth.repository.js';

export type { SessionRow };

/** The row of a stored session as the request read it: its key and version. */
export interface StoredSession {
  key: string;
  version: number;
}

/**
 * A statement part that bumps the version of the session row the request read, returning a
 * row only if nobody wrote it since: the claim that lets exactly one of concurrent requests of
 * one session go on. PostgreSQL makes a second claimant wait for the first one's commit and
 * then finds the version moved.
 */
export function claimSessionSql(stored: StoredSession): SQL {
  return sql`UPDATE sessions SET version = version + 1
             WHERE session_key = ${stored.key} AND version = ${stored.version} RETURNING version`;
}

/** The part of a session statement that writes the request's audit events (none: a no-op). */
const auditSql = (events: NewEvent[], when?: SQL): SQL =>
  events.length > 0 ? insertEventsSql(events, when) : sql`SELECT 1`;

export function createSessionRepository(db: Db) {
  return {
    /** A live session (not past its expiry). */
    async find(sessionKey: string): Promise<SessionRow | undefined> {
      const rows = await query<SessionRow>(
        db,
        sql`SELECT session_key, data, user_id, version FROM sessions WHERE session_key = ${sessionKey} AND expires > now()`,
      );
      return rows[0];
    },

    /**
     * Writes the session as one statement with what commits alongside it (the request's audit
     * events), pushing its expiry `ageSeconds` ahead. A session read from the database is
     * written only if its row still has the version the request read (`stored`); a login that
     * cycled the key replaces that row under the same condition. A new key is inserted.
     * Returns false, writing nothing, when another request wrote the session first.
     */
    async save(
      row: Omit<SessionRow, 'version'> & { ageSeconds: number; lastIp: string | null; lastUserAgent: string },
      stored: StoredSession | undefined,
      events: NewEvent[],
    ): Promise<boolean> {
      const values = sql`${JSON.stringify(row.data)}::jsonb, ${row.user_id},
        now() + make_interval(secs => ${row.ageSeconds}), ${row.lastIp}, ${row.lastUserAgent}`;
      let statement: SQL;
      if (stored === undefined) {
        statement = sql`WITH saved AS (
              INSERT INTO sessions (session_key, data, user_id, expires, last_ip, last_user_agent)
              VALUES (${row.session_key}, ${values}) RETURNING 1
            ), audit AS (${auditSql(events)})
            SELECT count(*)::int AS saved FROM saved`;
      } else if (stored.key !== row.session_key) {
        statement = sql`WITH replaced AS (
              DELETE FROM sessions WHERE session_key = ${stored.key} AND version = ${stored.version}
              RETURNING 1
            ), saved AS (
              INSERT INTO sessions (session_key, data, user_id, expires, last_ip, last_user_agent)
              SELECT ${row.session_key}, ${values} WHERE EXISTS (SELECT 1 FROM replaced) RETURNING 1
            ), audit AS (${auditSql(events, sql`EXISTS (SELECT 1 FROM replaced)`)})
            SELECT count(*)::int AS saved FROM saved`;
      } else {
        statement = sql`WITH saved AS (
              UPDATE sessions SET data = ${JSON.stringify(row.data)}::jsonb, user_id = ${row.user_id},
                expires = now() + make_interval(secs => ${row.ageSeconds}), last_ip = ${row.lastIp},
                last_user_agent = ${row.lastUserAgent}, version = version + 1
              WHERE session_key = ${stored.key} AND version = ${stored.version} RETURNING 1
            ), audit AS (${auditSql(events, sql`EXISTS (SELECT 1 FROM saved)`)})
            SELECT count(*)::int AS saved FROM saved`;
      }
      const rows = await query<{ saved: number }>(db, statement);
      return rows[0]?.saved === 1;
    },

    /**
     * Stores `data` as the session's new state if the row still has the version the request
     * read, and returns the new version (undefined, writing nothing, when another request wrote
     * the session first). Run in the transaction of a stage's work, so that the work and the
     * plan that moved past it commit together; `events` (the work's audit entries) are written
     * by the same statement when it succeeds, which saves the transaction a round trip.
     */
    async advance(
      stored: StoredSession,
      data: Record<string, unknown>,
      events: NewEvent[],
    ): Promise<number | undefined> {
      const rows = await query<{ version: number }>(
        db,
        sql`WITH advanced AS (
              UPDATE sessions SET data = ${JSON.stringify(data)}::jsonb, version = version + 1
              WHERE session_key = ${stored.key} AND version = ${stored.version} RETURNING version
            ), audit AS (${auditSql(events, sql`EXISTS (SELECT 1 FROM advanced)`)})
            SELECT version FROM advanced`,
      );
      return rows[0]?.version;
    },

    /** Deletes the session row, writing the request's audit events in the same statement. */
    async delete(sessionKey: string, events: NewEvent[] = []): Promise<void> {
      await query(
        db,
        sql`WITH audit AS (${auditSql(events)}) DELETE FROM sessions WHERE session_key = ${sessionKey}`,
      );
    },

    /** Removes expired rows (Django's clearsessions). */
    async deleteExpired(): Promise<number> {
      const rows = await query<{ session_key: string }>(
        db,
        sql`DELETE FROM sessions WHERE expires <= now() RETURNING session_key`,
      );
      return rows.length;
    },
  };
}
