/** The SQL that renders a PartialUser (partial-user.schema.ts) from the `users` table. */
import { sql, type SQL } from 'drizzle-orm';

/** One JSON object per user row, in PartialUser's field order (without `uid`). */
export function partialUserSql(alias: string): SQL {
  const u = sql.raw(alias);
  return sql`json_build_object('pk', ${u}.id, 'username', ${u}.username, 'name', ${u}.name,
    'is_active', ${u}.is_active, 'last_login', drf_datetime(${u}.last_login), 'email', ${u}.email,
    'attributes', ${u}.attributes)`;
}
