import { Type } from '@sinclair/typebox';
import { sql, type SQL } from 'drizzle-orm';
import { groupTreeSql } from '../db/group-tree.sql.js';
import { query, type Db } from '../db/client.js';
import { valueTaken } from '../db/unique-column.js';
import { Messages } from '../api/errors.js';
import { parseUuid } from '../api/filters.js';
import { defineList, filter } from '../api/list-spec.js';
import { pythonInt } from '../api/python-numbers.js';

export interface RoleRow {
  pk: string;
  name: string;
}

async function groupExists(db: Db, pk: string): Promise<boolean> {
  return (await query(db, sql`SELECT 1 FROM groups WHERE group_uuid = ${pk}`)).length > 0;
}

async function userExists(db: Db, pk: number): Promise<boolean> {
  return (await query(db, sql`SELECT 1 FROM users WHERE id = ${pk}`)).length > 0;
}

/** A user pk as the IntegerField reads it: Python's int() within the column's range. */
function userPk(raw: string): number | undefined {
  const pk = pythonInt(raw);
  return pk === undefined || Math.abs(pk) > 2147483647 ? undefined : pk;
}

/** The role `r` is given to one of these groups (`SELECT group_uuid ...`) or to an ancestor of one. */
function heldThroughGroups(groups: SQL): SQL {
  return sql`r.uuid IN (SELECT role_uuid FROM group_roles WHERE group_uuid IN (${groupTreeSql(groups)}))`;
}

/**
 * RoleViewSet's filterset (authentik/rbac/api/roles.py RoleFilterSet): `groups` and `users`
 * are ModelChoiceFilters, with `inherited` widening them to the roles reached through groups
 * and their ancestors; `managed` is an AllValuesMultipleFilter whose choices are the values in
 * use, and no Tessera role is managed, so any value is an invalid choice and
 * `managed__isnull=false` matches nothing.
 */
export const roleList = defineList({
  select: sql`r.uuid AS pk, r.name`,
  from: sql`roles r`,
  pk: sql`r.uuid`,
  filters: {
    name: filter.text(sql`r.name`),
    groups: filter.checkedModelChoice({
      schema: Type.String({ format: 'uuid' }),
      parse: parseUuid,
      exists: groupExists,
      where: (group, filters) =>
        filters.inherited
          ? heldThroughGroups(sql`SELECT ${group}::uuid AS group_uuid`)
          : sql`r.uuid IN (SELECT role_uuid FROM group_roles WHERE group_uuid = ${group})`,
    }),
    users: filter.checkedModelChoice({
      schema: Type.Integer(),
      parse: userPk,
      exists: userExists,
      where: (user, filters) => {
        const direct = sql`r.uuid IN (SELECT role_uuid FROM user_roles WHERE user_id = ${user})`;
        if (!filters.inherited) return direct;
        return sql`(${direct} OR ${heldThroughGroups(sql`SELECT group_uuid FROM user_groups WHERE user_id = ${user}`)})`;
      },
    }),
    managed__isnull: filter.custom<boolean>({
      schema: Type.Boolean(),
      read: (r, key) => r.boolean(key),
      where: (isNull) => (isNull ? undefined : sql`false`),
    }),
    inherited: filter.custom<boolean>({
      schema: Type.Boolean({ description: 'Include inherited roles (requires users or groups filter)' }),
      read: (r, key) => r.boolean(key),
    }),
    managed: filter.custom<string[]>({
      schema: Type.Array(Type.String()),
      read: (r, key) => r.values(key),
      check: async (_db, values) => Messages.invalidMultipleChoice(values[0]),
    }),
  },
  search: [sql`r.name`],
  ordering: { pk: sql`r.uuid`, name: sql`r.name` },
  defaultOrdering: ['name'],
});

export function createRoleRepository(db: Db) {
  return {
    nameTaken: (name: string, exceptPk?: string) =>
      valueTaken(db, { table: 'roles', column: 'name', pk: 'uuid' }, name, exceptPk),
    userExists: (pk: number) => userExists(db, pk),
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
