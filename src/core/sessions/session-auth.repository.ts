import { sql } from 'drizzle-orm';
import { query, type Db } from '../../db/client.js';
import type { AuthUser } from '../../api/context.js';
import { isSuperuserSql } from '../users/user-identity.sql.js';

/** The signed-in user of a live browser session, if any. */
export async function findSessionUser(db: Db, sessionKey: string): Promise<AuthUser | undefined> {
  const rows = await query<AuthUser>(
    db,
    sql`SELECT u.id, u.uuid, u.username, u.name, u.email, u.is_active,
          ${isSuperuserSql(sql`u.id`)} AS is_superuser
        FROM sessions s JOIN users u ON u.id = s.user_id
        WHERE s.session_key = ${sessionKey} AND s.expires > now()
        LIMIT 1`,
  );
  return rows[0];
}
