/**
 * Server-side sessions (Django's database session backend as authentik configures it): one row
 * per `authentik_session` cookie, so every Tessera instance sees the same flow plan.
 */
import { sql, type SQL } from 'drizzle-orm';
import { query, type Db } from '../../db/client.js';
import { insertEventsSql, type NewEvent } from '../../events/event.repository.js';

export interface SessionRow {
  session_key: string;
  data: Record<string, unknown>;
  user_id: number | null;
}

/** The part of a session statement that writes the request's audit events (none: a no-op). */
const auditSql = (events: NewEvent[]): SQL => (events.length > 0 ? insertEventsSql(events) : sql`SELECT 1`);

export function createSessionRepository(db: Db) {
  return {
    /** A live session (not past its expiry). */
    async find(sessionKey: string): Promise<SessionRow | undefined> {
      const rows = await query<SessionRow>(
        db,
        sql`SELECT session_key, data, user_id FROM sessions WHERE session_key = ${sessionKey} AND expires > now()`,
      );
      return rows[0];
    },

    /**
     * Inserts or replaces the session row, pushing its expiry `ageSeconds` ahead, as one
     * statement with what commits alongside it: the row of the key it replaces (a login cycles
     * the key) is deleted and the request's audit events are written, all or nothing.
     */
    async save(
      row: SessionRow & { ageSeconds: number; lastIp: string | null; lastUserAgent: string },
      replacedKey: string | undefined,
      events: NewEvent[],
    ): Promise<void> {
      await query(
        db,
        sql`WITH replaced AS (
              ${replacedKey === undefined ? sql`SELECT 1` : sql`DELETE FROM sessions WHERE session_key = ${replacedKey}`}
            ), audit AS (${auditSql(events)})
            INSERT INTO sessions (session_key, data, user_id, expires, last_ip, last_user_agent)
            VALUES (${row.session_key}, ${JSON.stringify(row.data)}::jsonb, ${row.user_id},
                    now() + make_interval(secs => ${row.ageSeconds}), ${row.lastIp}, ${row.lastUserAgent})
            ON CONFLICT (session_key) DO UPDATE SET data = EXCLUDED.data, user_id = EXCLUDED.user_id,
              expires = EXCLUDED.expires, last_ip = EXCLUDED.last_ip, last_user_agent = EXCLUDED.last_user_agent`,
      );
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
