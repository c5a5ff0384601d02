import { Type } from '@sinclair/typebox';
import { sql, type SQL } from 'drizzle-orm';
import { query, type Db } from '../../db/client.js';
import { valueTaken } from '../../db/unique-column.js';
import { defineList, filter, sameNamedColumns } from '../../api/list-spec.js';
import { ref } from '../../api/schemas.js';
import { parseDatetime } from '../../api/validation.js';
import { userSelectSql, type UserRow } from '../users/user.repository.js';
import { IntentEnum, TOKEN_INTENTS, type TokenIntent } from './token.schema.js';

export interface TokenRow {
  pk: string;
  managed: string | null;
  identifier: string;
  intent: TokenIntent;
  user: number;
  user_obj: UserRow;
  description: string;
  expires: string | null;
  expiring: boolean;
}

function tokenSelectSql(): SQL {
  return sql`t.token_uuid AS pk, t.managed, t.identifier, t.intent, t.user_id AS "user",
    (SELECT row_to_json(x) FROM (SELECT ${userSelectSql()} FROM users u WHERE u.id = t.user_id) x) AS user_obj,
    t.description, drf_datetime(t.expires) AS expires, t.expiring`;
}

/**
 * TokenViewSet's list: its `filterset_fields` (read in the order authentik's FilterSet reports
 * them), `search_fields` and TokenSerializer's ordering fields (`user_obj` has source `user`),
 * limited to the caller's own tokens without the global view permission (`owner_field`).
 */
export const tokenList = defineList({
  select: tokenSelectSql(),
  from: sql`tokens t JOIN users tu ON tu.id = t.user_id`,
  pk: sql`t.token_uuid`,
  owner: sql`t.user_id`,
  filters: {
    intent: filter.choice(sql`t.intent`, TOKEN_INTENTS, ref(IntentEnum)),
    identifier: filter.text(sql`t.identifier`),
    user__username: filter.text(sql`tu.username`),
    description: filter.text(sql`t.description`),
    expires: filter.custom<string>({
      schema: Type.String({ format: 'date-time' }),
      read: (r, key) => r.datetime(key, parseDatetime),
      where: (value) => sql`t.expires = ${value}::timestamptz`,
    }),
    expiring: filter.drfBoolean(sql`t.expiring`),
    managed: filter.text(sql`t.managed`),
  },
  search: [sql`t.identifier`, sql`t.intent`, sql`tu.username`, sql`t.description`],
  ordering: {
    pk: sql`t.token_uuid`,
    ...sameNamedColumns('t', 'managed identifier intent'),
    user: sql`t.user_id`,
    ...sameNamedColumns('t', 'description expires expiring'),
  },
  defaultOrdering: ['identifier', 'expires'],
});

export interface TokenWrite {
  identifier?: string;
  managed?: string | null;
  intent?: string;
  userId?: number;
  description?: string;
  expires?: string | null;
  expiring?: boolean;
}

export function createTokenRepository(db: Db) {
  return {
    async findByIdentifier(identifier: string): Promise<TokenRow | undefined> {
      const rows = await query<TokenRow>(
        db,
        sql`SELECT ${tokenSelectSql()} FROM tokens t WHERE t.identifier = ${identifier}`,
      );
      return rows[0];
    },
    async findByPk(pk: string): Promise<TokenRow | undefined> {
      const rows = await query<TokenRow>(
        db,
        sql`SELECT ${tokenSelectSql()} FROM tokens t WHERE t.token_uuid = ${pk}`,
      );
      return rows[0];
    },
    async readKey(pk: string): Promise<string> {
      const rows = await query<{ key: string }>(db, sql`SELECT key FROM tokens WHERE token_uuid = ${pk}`);
      return rows[0].key;
    },
    taken(column: 'identifier' | 'managed', value: string, exceptPk?: string): Promise<boolean> {
      return valueTaken(db, { table: 'tokens', column, pk: 'token_uuid' }, value, exceptPk);
    },
    async userExists(pk: number): Promise<boolean> {
      return (await query(db, sql`SELECT 1 FROM users WHERE id = ${pk}`)).length > 0;
    },
    async insert(values: Required<Omit<TokenWrite, 'managed'>> & { managed: string | null; key: string }) {
      const rows = await query<{ token_uuid: string }>(
        db,
        sql`INSERT INTO tokens (identifier, key, intent, user_id, description, expiring, expires, managed)
            VALUES (${values.identifier}, ${values.key}, ${values.intent}, ${values.userId}, ${values.description},
                    ${values.expiring}, ${values.expires}::timestamptz, ${values.managed})
            RETURNING token_uuid`,
      );
      return rows[0].token_uuid;
    },
    async update(pk: string, values: TokenWrite): Promise<void> {
      const sets: SQL[] = [];
      if (values.identifier !== undefined) sets.push(sql`identifier = ${values.identifier}`);
      if (values.managed !== undefined) sets.push(sql`managed = ${values.managed}`);
      if (values.intent !== undefined) sets.push(sql`intent = ${values.intent}`);
      if (values.userId !== undefined) sets.push(sql`user_id = ${values.userId}`);
      if (values.description !== undefined) sets.push(sql`description = ${values.description}`);
      if (values.expires !== undefined) sets.push(sql`expires = ${values.expires}::timestamptz`);
      if (values.expiring !== undefined) sets.push(sql`expiring = ${values.expiring}`);
      if (sets.length > 0)
        await db.execute(sql`UPDATE tokens SET ${sql.join(sets, sql`, `)} WHERE token_uuid = ${pk}`);
    },
    async setKey(pk: string, key: string): Promise<void> {
      await db.execute(sql`UPDATE tokens SET key = ${key} WHERE token_uuid = ${pk}`);
    },
    /** Deletes the row; false when it was already gone (a concurrent delete won). */
    async delete(pk: string): Promise<boolean> {
      const rows = await query(db, sql`DELETE FROM tokens WHERE token_uuid = ${pk} RETURNING token_uuid`);
      return rows.length > 0;
    },
    /** Grants `app_label.codename` on one token to a user directly (the creator's view_token_key). */
    async grantToUser(userId: number, appLabel: string, codename: string, objectPk: string): Promise<void> {
      await db.execute(
        sql`INSERT INTO permission_grants (permission_id, user_id, object_pk)
            SELECT id, ${userId}, ${objectPk} FROM permissions WHERE app_label = ${appLabel} AND codename = ${codename}
            ON CONFLICT DO NOTHING`,
      );
    },
  };
}
