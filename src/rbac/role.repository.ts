import { sql, type SQL } from 'drizzle-orm';
import { groupTreeSql } from '../db/group-tree.sql.js';
import { query, type Db } from '../db/client.js';
import { countRows, fetchPage, icontains, orderTerm, uuidArray, type ListSql } from '../db/list-query.js';
import { likeContains } from '../api/search.js';
import type { OrderTerm } from '../api/ordering.js';

export interface RoleRow {
  pk: string;
  name: string;
}

export const ROLE_ORDER_FIELDS = ['pk', 'name'] as const;
export type RoleOrderField = (typeof ROLE_ORDER_FIELDS)[number];

export interface RoleFilter {
  name?: string;
  group?: string;
  user?: number;
  /** With `group` or `user`: the roles reached through groups and their ancestors too. */
  inherited?: boolean;
  /** A `managed` value was asked for: no Tessera role is managed, so nothing matches. */
  managedOnly?: boolean;
  managedIsNull?: boolean;
  searchTerms: string[];
  visiblePks?: string[];
  ordering: OrderTerm<RoleOrderField>[];
}

function listSql(filter: RoleFilter): ListSql {
  const where: SQL[] = [];
  if (filter.name !== undefined) where.push(sql`r.name = ${filter.name}`);
  if (filter.group !== undefined) {
    where.push(
      filter.inherited
        ? sql`r.uuid IN (SELECT role_uuid FROM group_roles WHERE group_uuid IN (${groupTreeSql(
            sql`SELECT ${filter.group}::uuid AS group_uuid`,
          )}))`
        : sql`r.uuid IN (SELECT role_uuid FROM group_roles WHERE group_uuid = ${filter.group})`,
    );
  }
  if (filter.user !== undefined) {
    where.push(
      filter.inherited
        ? sql`(r.uuid IN (SELECT role_uuid FROM user_roles WHERE user_id = ${filter.user})
            OR r.uuid IN (SELECT role_uuid FROM group_roles WHERE group_uuid IN (${groupTreeSql(
              sql`SELECT group_uuid FROM user_groups WHERE user_id = ${filter.user}`,
            )})))`
        : sql`r.uuid IN (SELECT role_uuid FROM user_roles WHERE user_id = ${filter.user})`,
    );
  }
  if (filter.managedOnly || filter.managedIsNull === false) where.push(sql`false`);
  for (const term of filter.searchTerms) where.push(icontains(sql`r.name`, likeContains(term)));
  if (filter.visiblePks) where.push(sql`r.uuid = ANY(${uuidArray(filter.visiblePks)})`);
  const columns: Record<RoleOrderField, SQL> = { pk: sql`r.uuid`, name: sql`r.name` };
  return {
    select: sql`r.uuid AS pk, r.name`,
    from: sql`roles r`,
    where,
    orderBy: filter.ordering.map((t) => orderTerm(columns[t.field], t.descending)),
  };
}

export function createRoleRepository(db: Db) {
  return {
    listPage(filter: RoleFilter, limit: number, offset: number) {
      return fetchPage<RoleRow>(db, listSql(filter), limit, offset);
    },
    count(filter: RoleFilter) {
      return countRows(db, listSql(filter));
    },
    async findByPk(pk: string): Promise<RoleRow | undefined> {
      const rows = await query<RoleRow>(db, sql`SELECT uuid AS pk, name FROM roles WHERE uuid = ${pk}`);
      return rows[0];
    },
    async nameTaken(name: string, exceptPk?: string): Promise<boolean> {
      const rows = await query(
        db,
        sql`SELECT 1 FROM roles WHERE name = ${name} AND uuid IS DISTINCT FROM ${exceptPk ?? null}::uuid`,
      );
      return rows.length > 0;
    },
    async groupExists(pk: string): Promise<boolean> {
      return (await query(db, sql`SELECT 1 FROM groups WHERE group_uuid = ${pk}`)).length > 0;
    },
    async userExists(pk: number): Promise<boolean> {
      return (await query(db, sql`SELECT 1 FROM users WHERE id = ${pk}`)).length > 0;
    },
    async insert(name: string): Promise<string> {
      const rows = await query<{ uuid: string }>(
        db,
        sql`INSERT INTO roles (name) VALUES (${name}) RETURNING uuid`,
      );
      return rows[0].uuid;
    },
    async rename(pk: string, name: string): Promise<void> {
      await db.execute(sql`UPDATE roles SET name = ${name} WHERE uuid = ${pk}`);
    },
    /** Deletes the row; false when it was already gone (a concurrent delete won). */
    async delete(pk: string): Promise<boolean> {
      const rows = await query(db, sql`DELETE FROM roles WHERE uuid = ${pk} RETURNING uuid`);
      return rows.length > 0;
    },
    async addUser(pk: string, userId: number): Promise<void> {
      await db.execute(
        sql`INSERT INTO user_roles (user_id, role_uuid) VALUES (${userId}, ${pk}) ON CONFLICT DO NOTHING`,
      );
    },
    async removeUser(pk: string, userId: number): Promise<void> {
      await db.execute(sql`DELETE FROM user_roles WHERE user_id = ${userId} AND role_uuid = ${pk}`);
    },
    /** The groups and users holding the role (both many-to-many), for used_by. */
    async usages(pk: string) {
      return query<{ kind: 'group' | 'user'; pk: string; name: string }>(
        db,
        sql`SELECT 'group' AS kind, g.group_uuid::text AS pk, g.name FROM group_roles gr
              JOIN groups g ON g.group_uuid = gr.group_uuid WHERE gr.role_uuid = ${pk}
            UNION ALL
            SELECT 'user', u.id::text, u.username FROM user_roles ur
              JOIN users u ON u.id = ur.user_id WHERE ur.role_uuid = ${pk}
            ORDER BY 1, 3`,
      );
    },
  };
}
