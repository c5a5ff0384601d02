import { Type } from '@sinclair/typebox';
import { sql, type SQL } from 'drizzle-orm';
import { query, type Db } from '../../db/client.js';
import { valueTaken } from '../../db/unique-column.js';
import { uuidArray } from '../../db/list-query.js';
import { Messages } from '../../api/errors.js';
import { defineList, filter, sameNamedColumns, type FilterDef } from '../../api/list-spec.js';
import { pythonInt } from '../../api/python-numbers.js';
import { partialUserSql } from '../users/partial-user.repository.js';
import type { PartialUserRow } from '../users/partial-user.schema.js';
import { attributesFilter } from '../users/user.repository.js';
import { existingValues, intArray, replaceLinks, textArray } from '../users/related-rows.repository.js';
import { GroupRetrieveQuery } from './group.schema.js';

interface RelatedGroupRow {
  pk: string;
  name: string;
  is_superuser: boolean;
  attributes: Record<string, unknown>;
  group_uuid: string;
}

export interface GroupRow {
  pk: string;
  name: string;
  is_superuser: boolean;
  parents: string[];
  parents_obj: RelatedGroupRow[];
  users: number[];
  users_obj: PartialUserRow[];
  attributes: Record<string, unknown>;
  roles: string[];
  roles_obj: { pk: string; name: string }[];
  inherited_roles_obj: { pk: string; name: string }[];
  children: string[];
  children_obj: RelatedGroupRow[];
}

const relatedJson = (alias: string) =>
  sql.raw(`json_build_object('pk', ${alias}.group_uuid, 'name', ${alias}.name, 'is_superuser', ${alias}.is_superuser,
    'attributes', ${alias}.attributes, 'group_uuid', ${alias}.group_uuid)`);

/** The group's ancestors (not itself), for inherited roles. */
const ancestors = sql`WITH RECURSIVE tree AS (
    SELECT parent_uuid AS group_uuid FROM group_parents WHERE group_uuid = g.group_uuid
    UNION
    SELECT gp.parent_uuid FROM group_parents gp JOIN tree t ON gp.group_uuid = t.group_uuid
  ) SELECT group_uuid FROM tree`;

export function groupSelectSql(): SQL {
  return sql`g.group_uuid AS pk, g.name, g.is_superuser,
    coalesce((SELECT json_agg(p.group_uuid ORDER BY p.name) FROM group_parents gp
      JOIN groups p ON p.group_uuid = gp.parent_uuid WHERE gp.group_uuid = g.group_uuid), '[]') AS parents,
    coalesce((SELECT json_agg(${relatedJson('p')} ORDER BY p.name) FROM group_parents gp
      JOIN groups p ON p.group_uuid = gp.parent_uuid WHERE gp.group_uuid = g.group_uuid), '[]') AS parents_obj,
    coalesce((SELECT json_agg(u.id ORDER BY u.id) FROM user_groups ug JOIN users u ON u.id = ug.user_id
      WHERE ug.group_uuid = g.group_uuid), '[]') AS users,
    coalesce((SELECT json_agg(${partialUserSql('u')} ORDER BY u.id) FROM user_groups ug
      JOIN users u ON u.id = ug.user_id WHERE ug.group_uuid = g.group_uuid), '[]') AS users_obj,
    g.attributes,
    coalesce((SELECT json_agg(r.uuid ORDER BY r.name) FROM group_roles gr JOIN roles r ON r.uuid = gr.role_uuid
      WHERE gr.group_uuid = g.group_uuid), '[]') AS roles,
    coalesce((SELECT json_agg(json_build_object('pk', r.uuid, 'name', r.name) ORDER BY r.name)
      FROM group_roles gr JOIN roles r ON r.uuid = gr.role_uuid WHERE gr.group_uuid = g.group_uuid), '[]') AS roles_obj,
    coalesce((SELECT json_agg(json_build_object('pk', r.uuid, 'name', r.name) ORDER BY r.name) FROM roles r
      WHERE r.uuid IN (SELECT role_uuid FROM group_roles WHERE group_uuid IN (${ancestors}))
        AND r.uuid NOT IN (SELECT role_uuid FROM group_roles WHERE group_uuid = g.group_uuid)), '[]')
      AS inherited_roles_obj,
    coalesce((SELECT json_agg(c.group_uuid ORDER BY c.name) FROM group_parents gp
      JOIN groups c ON c.group_uuid = gp.group_uuid WHERE gp.parent_uuid = g.group_uuid), '[]') AS children,
    coalesce((SELECT json_agg(${relatedJson('c')} ORDER BY c.name) FROM group_parents gp
      JOIN groups c ON c.group_uuid = gp.group_uuid WHERE gp.parent_uuid = g.group_uuid), '[]') AS children_obj`;
}

const PARENTS = { table: 'group_parents', owner: 'group_uuid', target: 'parent_uuid' };
const MEMBERS = { table: 'user_groups', owner: 'group_uuid', target: 'user_id' };
const ROLES = { table: 'group_roles', owner: 'group_uuid', target: 'role_uuid' };

/**
 * `members_by_pk`, a ModelMultipleChoiceFilter over users by integer pk: each value an integer
 * naming an existing user, both judged with the database checks (GroupFilter's fields are
 * validated in declaration order).
 */
const membersByPk: FilterDef<string[]> = {
  schema: Type.Array(Type.Integer()),
  read: (r, key) => r.values(key),
  check: async (db, values) => {
    const pks = values.map((value) => pythonInt(value));
    const bad = pks.findIndex((pk) => pk === undefined || Math.abs(pk) > 2147483647);
    if (bad !== -1) return `“${values[bad]}” is not a valid value.`;
    const found = await createGroupRepository(db).existingUsers(pks as number[]);
    const missing = values.find((_value, i) => !found.has(pks[i] as number));
    return missing === undefined ? undefined : Messages.invalidMultipleChoice(missing);
  },
  where: (values) => sql`EXISTS (SELECT 1 FROM user_groups m WHERE m.group_uuid = g.group_uuid
      AND m.user_id = ANY(${intArray(values.map((value) => pythonInt(value) as number))}))`,
};

/**
 * GroupViewSet's list: GroupFilter, DRF's SearchFilter over `name` and `is_superuser` (the
 * boolean as text, as Django's icontains casts it) and GroupSerializer's ordering fields
 * without the relations (see user.repository.ts).
 */
export const groupList = defineList({
  select: groupSelectSql(),
  from: sql`groups g`,
  pk: sql`g.group_uuid`,
  filters: {
    name: filter.text(sql`g.name`),
    is_superuser: filter.boolean(sql`g.is_superuser`),
    members_by_pk: membersByPk,
    members_by_username: filter.namedModelChoices(
      (db, names) => createGroupRepository(db).existingUsernames(names),
      (names) => sql`EXISTS (SELECT 1 FROM user_groups m JOIN users mu ON mu.id = m.user_id
      WHERE m.group_uuid = g.group_uuid
        AND mu.username IN (SELECT jsonb_array_elements_text(${textArray(names)})))`,
      Type.Array(Type.String(), {
        description: 'Required. 150 characters or fewer. Letters, digits and @/./+/-/_ only.',
      }),
    ),
    attributes: attributesFilter(sql`g.attributes`),
  },
  search: [sql`g.name`, sql`g.is_superuser::text`],
  ordering: { pk: sql`g.group_uuid`, ...sameNamedColumns('g', 'name is_superuser attributes') },
  defaultOrdering: ['name'],
  parameters: GroupRetrieveQuery.properties,
});

export function createGroupRepository(db: Db) {
  return {
    async findByPk(pk: string): Promise<GroupRow | undefined> {
      const rows = await query<GroupRow>(
        db,
        sql`SELECT ${groupSelectSql()} FROM groups g WHERE g.group_uuid = ${pk}`,
      );
      return rows[0];
    },
    nameTaken(name: string, exceptPk?: string): Promise<boolean> {
      return valueTaken(db, { table: 'groups', column: 'name', pk: 'group_uuid' }, name, exceptPk);
    },
    existingUsers(pks: number[]): Promise<Set<number>> {
      return existingValues(db, 'users', 'id', 'int', pks);
    },
    existingUsernames(names: string[]): Promise<Set<string>> {
      return existingValues(db, 'users', 'username', 'text', names);
    },
    async insert(values: { name: string; isSuperuser: boolean; attributes: Record<string, unknown> }) {
      const rows = await query<{ group_uuid: string }>(
        db,
        sql`INSERT INTO groups (name, is_superuser, attributes)
            VALUES (${values.name}, ${values.isSuperuser}, ${JSON.stringify(values.attributes)}::jsonb)
            RETURNING group_uuid`,
      );
      return rows[0].group_uuid;
    },
    async update(
      pk: string,
      values: { name?: string; isSuperuser?: boolean; attributes?: Record<string, unknown> },
    ) {
      const sets: SQL[] = [];
      if (values.name !== undefined) sets.push(sql`name = ${values.name}`);
      if (values.isSuperuser !== undefined) sets.push(sql`is_superuser = ${values.isSuperuser}`);
      if (values.attributes !== undefined)
        sets.push(sql`attributes = ${JSON.stringify(values.attributes)}::jsonb`);
      if (sets.length > 0)
        await db.execute(sql`UPDATE groups SET ${sql.join(sets, sql`, `)} WHERE group_uuid = ${pk}`);
    },
    setParents(pk: string, parents: string[]): Promise<void> {
      return replaceLinks(db, PARENTS, pk, parents.length > 0 ? uuidArray(parents) : undefined);
    },
    setUsers(pk: string, users: number[]): Promise<void> {
      return replaceLinks(db, MEMBERS, pk, users.length > 0 ? intArray(users) : undefined);
    },
    setRoles(pk: string, roles: string[]): Promise<void> {
      return replaceLinks(db, ROLES, pk, roles.length > 0 ? uuidArray(roles) : undefined);
    },
    async addUser(pk: string, userId: number): Promise<void> {
      await db.execute(
        sql`INSERT INTO user_groups (user_id, group_uuid) VALUES (${userId}, ${pk}) ON CONFLICT DO NOTHING`,
      );
    },
    async removeUser(pk: string, userId: number): Promise<void> {
      await db.execute(sql`DELETE FROM user_groups WHERE user_id = ${userId} AND group_uuid = ${pk}`);
    },
    /** Deletes the row; false when it was already gone (a concurrent delete won). */
    async delete(pk: string): Promise<boolean> {
      const rows = await query(db, sql`DELETE FROM groups WHERE group_uuid = ${pk} RETURNING group_uuid`);
      return rows.length > 0;
    },
    /** What refers to the group, by the relation name authentik's used_by walks (sorted). */
    async usages(pk: string) {
      return query<{ relation: string; pk: string; name: string }>(
        db,
        sql`SELECT 'children' AS relation, c.group_uuid::text AS pk, c.name FROM group_parents gp
              JOIN groups c ON c.group_uuid = gp.group_uuid WHERE gp.parent_uuid = ${pk}
            UNION ALL
            SELECT 'parents', p.group_uuid::text, p.name FROM group_parents gp
              JOIN groups p ON p.group_uuid = gp.parent_uuid WHERE gp.group_uuid = ${pk}
            UNION ALL
            SELECT 'roles', r.uuid::text, r.name FROM group_roles gr JOIN roles r ON r.uuid = gr.role_uuid
              WHERE gr.group_uuid = ${pk}
            UNION ALL
            SELECT 'users', u.id::text, u.username FROM user_groups ug JOIN users u ON u.id = ug.user_id
              WHERE ug.group_uuid = ${pk}
            UNION ALL
            SELECT 'userwritestage_set', s.stage_uuid::text, s.name FROM user_write_stages w
              JOIN stages s ON s.stage_uuid = w.stage_uuid WHERE w.create_users_group = ${pk}
            ORDER BY 1, 3`,
      );
    },
  };
}
