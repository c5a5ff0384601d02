import { sql, type SQL } from 'drizzle-orm';
import { query, type Db } from '../../db/client.js';
import { countRows, fetchPage, icontains, orderTerm, type ListSql } from '../../db/list-query.js';
import { likeContains } from '../../api/search.js';
import type { OrderTerm } from '../../api/ordering.js';
import { userSelectSql, type UserRow } from '../users/user.repository.js';
import type { TokenIntent } from './token.schema.js';

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

/** DRF's ordering fields of TokenSerializer (`user_obj` has source `user`). */
export const TOKEN_ORDER_FIELDS = [
  'pk',
  'managed',
  'identifier',
  'intent',
  'user',
  'description',
  'expires',
  'expiring',
] as const;
export type TokenOrderField = (typeof TOKEN_ORDER_FIELDS)[number];

const ORDER: Record<TokenOrderField, SQL> = {
  pk: sql`t.token_uuid`,
  managed: sql`t.managed`,
  identifier: sql`t.identifier`,
  intent: sql`t.intent`,
  user: sql`t.user_id`,
  description: sql`t.description`,
  expires: sql`t.expires`,
  expiring: sql`t.expiring`,
};

export interface TokenFilter {
  identifier?: string;
  intent?: string;
  username?: string;
  description?: string;
  expires?: string;
  expiring?: boolean;
  managed?: string;
  searchTerms: string[];
  /** Only the caller's own tokens (authentik's `owner_field`); undefined means all. */
  ownerId?: number;
  ordering: OrderTerm<TokenOrderField>[];
}

function tokenSelectSql(): SQL {
  return sql`t.token_uuid AS pk, t.managed, t.identifier, t.intent, t.user_id AS "user",
    (SELECT row_to_json(x) FROM (SELECT ${userSelectSql()} FROM users u WHERE u.id = t.user_id) x) AS user_obj,
    t.description, drf_datetime(t.expires) AS expires, t.expiring`;
}

function listSql(filter: TokenFilter): ListSql {
  const where: SQL[] = [];
  if (filter.identifier !== undefined) where.push(sql`t.identifier = ${filter.identifier}`);
  if (filter.intent !== undefined) where.push(sql`t.intent = ${filter.intent}`);
  if (filter.username !== undefined) where.push(sql`tu.username = ${filter.username}`);
  if (filter.description !== undefined) where.push(sql`t.description = ${filter.description}`);
  if (filter.expires !== undefined) where.push(sql`t.expires = ${filter.expires}::timestamptz`);
  if (filter.expiring !== undefined) where.push(sql`t.expiring = ${filter.expiring}`);
  if (filter.managed !== undefined) where.push(sql`t.managed = ${filter.managed}`);
  for (const term of filter.searchTerms) {
    const pattern = likeContains(term);
    where.push(sql`(${icontains(sql`t.identifier`, pattern)} OR ${icontains(sql`t.intent`, pattern)}
      OR ${icontains(sql`tu.username`, pattern)} OR ${icontains(sql`t.description`, pattern)})`);
  }
  if (filter.ownerId !== undefined) where.push(sql`t.user_id = ${filter.ownerId}`);
  return {
    select: tokenSelectSql(),
    from: sql`tokens t JOIN users tu ON tu.id = t.user_id`,
    where,
    orderBy: filter.ordering.map((term) => orderTerm(ORDER[term.field], term.descending)),
  };
}

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
    listPage(filter: TokenFilter, limit: number, offset: number) {
      return fetchPage<TokenRow>(db, listSql(filter), limit, offset);
    },
    count(filter: TokenFilter) {
      return countRows(db, listSql(filter));
    },
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
    async taken(column: 'identifier' | 'managed', value: string, exceptPk?: string): Promise<boolean> {
      const rows = await query(
        db,
        sql`SELECT 1 FROM tokens WHERE ${sql.identifier(column)} = ${value}
            AND token_uuid IS DISTINCT FROM ${exceptPk ?? null}::uuid`,
      );
      return rows.length > 0;
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
