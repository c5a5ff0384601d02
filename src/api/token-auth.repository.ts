import { sql } from 'drizzle-orm';
import { query, type Db } from '../db/client.js';
import type { AuthUser } from './context.js';
import { isSuperuserSql } from '../db/user-identity.sql.js';

/**
 * The user behind an API token: the key must match exactly, the intent must be `api`, and the
 * token must not be expired (an expiring token with a NULL expiry never expires). Expired rows
 * are excluded, not deleted (authentik 2026.5, commit #18274).
 */
export async function findApiTokenUser(
  db: Db,
  key: string,
): Promise<{ user: AuthUser; expires: Date | null } | undefined> {
  const rows = await query<AuthUser & { token_expires: Date | null }>(
    db,
    sql`SELECT u.id, u.uuid, u.username, u.name, u.email, u.is_active,
          ${isSuperuserSql(sql`u.id`)} AS is_superuser,
          CASE WHEN t.expiring THEN t.expires END AS token_expires
        FROM tokens t JOIN users u ON u.id = t.user_id
        WHERE t.key = ${key} AND t.intent = 'api'
          AND (NOT t.expiring OR t.expires IS NULL OR t.expires > now())
        LIMIT 1`,
  );
  const row = rows[0];
  if (!row) return undefined;
  const { token_expires: expires, ...user } = row;
  return { user, expires: expires === null ? null : new Date(expires) };
}
