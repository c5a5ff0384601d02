import { sql } from 'drizzle-orm';
import { query, type Db } from '../db/client.js';
import type { AuthUser } from './context.js';
import { isSuperuserSql } from '../db/user-identity.sql.js';

export interface SessionRow {
  session_key: string;
  data: Record<string, unknown>;
  user_id: number | null;
  /** The row's write count when it was read (see `sessions.version`). */
  version: number;
}

/**
 * A live browser session and its signed-in user, if any, in one statement: authentication
 * needs the user, and the flow executor then continues with the same row
 * (rememberLoadedSession) instead of reading the session a second time.
 */
export async function findSessionWithUser(
  db: Db,
  sessionKey: string,
): Promise<{ session: SessionRow; user: AuthUser | undefined } | undefined> {
  const rows = await query<SessionRow & { user: AuthUser | null }>(
    db,
    sql`SELECT s.session_key, s.data, s.user_id, s.version,
          CASE WHEN u.id IS NULL THEN NULL ELSE json_build_object(
            'id', u.id, 'uuid', u.uuid, 'username', u.username, 'name', u.name, 'email', u.email,
            'is_active', u.is_active, 'is_superuser', ${isSuperuserSql(sql`u.id`)}) END AS user
        FROM sessions s LEFT JOIN users u ON u.id = s.user_id
        WHERE s.session_key = ${sessionKey} AND s.expires > now()
        LIMIT 1`,
  );
  const row = rows[0];
  if (!row) return undefined;
  const { user, ...session } = row;
  return { session, user: user ?? undefined };
}

/** Session rows read during this request's authentication, for SessionStore.load. */
const loadedSessions = new WeakMap<object, SessionRow | null>();

export function rememberLoadedSession(request: object, row: SessionRow | null): void {
  loadedSessions.set(request, row);
}

/** The row authentication read for this request: a row, null (no live session), or undefined (not read). */
export function loadedSession(request: object): SessionRow | null | undefined {
  return loadedSessions.get(request);
}
