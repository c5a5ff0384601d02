import { Type } from '@sinclair/typebox';
import { sql, type SQL } from 'drizzle-orm';
import { ApiError, Messages } from '../../api/errors.js';
import { defineList, filter, sameNamedColumns, type FilterDef } from '../../api/list-spec.js';
import { pythonInt } from '../../api/python-numbers.js';
import { ref } from '../../api/schemas.js';
import { parseDatetime } from '../../api/validation.js';
import { query, type Db } from '../../db/client.js';
import { valueTaken } from '../../db/unique-column.js';
import { uuidArray } from '../../db/list-query.js';
import { isSuperuserSql } from '../../db/user-identity.sql.js';
import { existingValues, replaceLinks, textArray } from './related-rows.repository.js';
import { USER_TYPES, UserTypeEnum, type UserType } from './user.schema.js';
import type { AuthUser } from '../../api/context.js';

/** A user as SQL returns it: everything but the values computed in code (uid, avatar, num_pk). */
export interface UserRow {
  pk: number;
  username: string;
  name: string;
  is_active: boolean;
  last_login: string | null;
  date_joined: string;
  is_superuser: boolean;
  groups: string[];
  groups_obj: { pk: string; name: string; is_superuser: boolean; attributes: Record<string, unknown> }[];
  roles: string[];
  roles_obj: { pk: string; name: string }[];
  email: string;
  attributes: Record<string, unknown>;
  path: string;
  type: UserType;
  uuid: string;
  password_change_date: string;
  last_updated: string;
}

/** The columns of a User, with its groups and roles as JSON. */
export function userSelectSql(): SQL {
  return sql`u.id AS pk, u.username, u.name, u.is_active, drf_datetime(u.last_login) AS last_login,
    drf_datetime(u.date_joined) AS date_joined, ${isSuperuserSql(sql`u.id`)} AS is_superuser,
    coalesce((SELECT json_agg(g.group_uuid ORDER BY g.name) FROM user_groups ug
      JOIN groups g ON g.group_uuid = ug.group_uuid WHERE ug.user_id = u.id), '[]') AS groups,
    coalesce((SELECT json_agg(json_build_object('pk', g.group_uuid, 'name', g.name,
      'is_superuser', g.is_superuser, 'attributes', g.attributes) ORDER BY g.name) FROM user_groups ug
      JOIN groups g ON g.group_uuid = ug.group_uuid WHERE ug.user_id = u.id), '[]') AS groups_obj,
    coalesce((SELECT json_agg(r.uuid ORDER BY r.name) FROM user_roles ur
      JOIN roles r ON r.uuid = ur.role_uuid WHERE ur.user_id = u.id), '[]') AS roles,
    coalesce((SELECT json_agg(json_build_object('pk', r.uuid, 'name', r.name) ORDER BY r.name)
      FROM user_roles ur JOIN roles r ON r.uuid = ur.role_uuid WHERE ur.user_id = u.id), '[]') AS roles_obj,
    u.email, u.attributes, u.path, u.type, u.uuid,
    drf_datetime(u.password_change_date) AS password_change_date, drf_datetime(u.last_updated) AS last_updated`;
}

function inTextList(column: SQL, values: string[]): SQL {
  return sql`${column} IN (SELECT jsonb_array_elements_text(${textArray(values)}))`;
}

/**
 * UsersFilter.filter_attributes: a JSON object of `attributes__<key>` lookups. authentik answers
 * bad JSON or a non-object with a bare list (a DRF ValidationError with a string detail), which
 * its own schema does not allow (ValidationError is an object); the message goes under the
 * parameter's name instead, as django-filter reports a bad filter value.
 */
export function parseAttributesFilter(raw: string): { path: string[]; value: unknown }[] {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw ApiError.field('attributes', 'filter: failed to parse JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw ApiError.field('attributes', 'filter: value must be key:value mapping');
  }
  return Object.entries(value as Record<string, unknown>).map(([key, v]) => ({
    path: key.split('__'),
    value: v,
  }));
}

/**
 * The `attributes` filter of users and groups over a JSON column: a NUL is reported with the
 * database checks, bad JSON only once every other filter is valid (authentik's filter method
 * runs after the form validated), and each lookup compares the value at its path.
 */
export function attributesFilter(column: SQL): FilterDef<string> {
  return {
    schema: Type.String({ description: 'Attributes' }),
    read: (r, key) => r.textWithNul(key),
    check: async (_db, raw) => (raw.includes('\0') ? Messages.nullCharacters : undefined),
    validate: (raw) => void parseAttributesFilter(raw),
    where: (raw) => {
      const terms = parseAttributesFilter(raw).map(
        ({ path, value }) =>
          sql`${column} #> ${`{${path.map((p) => `"${p.replace(/["\\]/g, (c) => `\\${c}`)}"`).join(',')}}`}::text[]
      = ${JSON.stringify(value)}::jsonb`,
      );
      return terms.length > 0 ? sql.join(terms, sql` AND `) : undefined;
    },
  };
}

/** A user id as Django's IntegerField reads it (the URL's id, a granted object's pk). */
export function parseUserPk(raw: string): string | undefined {
  const value = pythonInt(raw);
  if (value === undefined || value < -2147483648 || value > 2147483647) return undefined;
  return String(value);
}

/** A DateTimeFilter with a lookup (`exact`, `gt`, `lt`) on a timestamp column. */
function dateFilter(column: SQL, operator: '=' | '>' | '<'): FilterDef<string> {
  return filter.custom({
    schema: Type.String({ format: 'date-time' }),
    read: (r, key) => r.datetime(key, parseDatetime),
    where: (value) => sql`${column} ${sql.raw(operator)} ${value}::timestamptz`,
  });
}

/**
 * A ModelMultipleChoiceFilter over uuid keys: each value a UUID (checked while parsing), each
 * naming an existing object (checked with the database).
 */
function uuidModelChoices(
  existing: (db: Db, pks: string[]) => Promise<Set<string>>,
  where: (pks: string[]) => SQL,
): FilterDef<string[]> {
  return {
    schema: Type.Array(Type.String({ format: 'uuid' })),
    read: (r, key) => r.uuidList(key),
    where,
    check: async (db, pks) => {
      const found = await existing(db, pks);
      const missing = pks.find((pk) => !found.has(pk));
      return missing === undefined ? undefined : Messages.invalidMultipleChoice(missing);
    },
  };
}

/**
 * authentik filters on direct membership of a superuser group (groups__is_superuser), not on the
 * inherited flag the serializer shows.
 */
const directSuperuser = sql`EXISTS (SELECT 1 FROM user_groups sg JOIN groups sgg ON sgg.group_uuid = sg.group_uuid
    WHERE sg.user_id = u.id AND sgg.is_superuser)`;

/**
 * The `*_by_name` and `*_by_pk` filters of one of the user's many-to-many relations (groups,
 * roles): a link to a target with one of the names, or one of the keys.
 */
function linkFilters(link: { table: string; key: string; targets: string; targetKey: string }) {
  const [table, key, targets, targetKey] = [link.table, link.key, link.targets, link.targetKey].map(sql.raw);
  return {
    byName: (names: string[]) => sql`EXISTS (SELECT 1 FROM ${table} fl JOIN ${targets} ft
      ON ft.${targetKey} = fl.${key} WHERE fl.user_id = u.id AND ${inTextList(sql`ft.name`, names)})`,
    byPk: (pks: string[]) => sql`EXISTS (SELECT 1 FROM ${table} fl WHERE fl.user_id = u.id
      AND fl.${key} = ANY(${uuidArray(pks)}))`,
  };
}
const groupLinks = linkFilters({
  table: 'user_groups',
  key: 'group_uuid',
  targets: 'groups',
  targetKey: 'group_uuid',
});
const roleLinks = linkFilters({ table: 'user_roles', key: 'role_uuid', targets: 'roles', targetKey: 'uuid' });

/**
 * UserViewSet's list: UsersFilter (its syntax errors in the order of its fields, then the
 * database checks: attributes, the name choices, the pk choices), DRF's SearchFilter over
 * authentik's search_fields (email, name, uuid, username; every term must match one of them)
 * and UserSerializer's ordering fields: every model-backed serializer field. The relations
 * (`groups`, `roles`) and the derived `is_superuser` are left out: authentik passes them to the
 * ORM, which answers with duplicated rows or a 500 (docs/compatibility.md).
 */
export const userList = defineList({
  select: userSelectSql(),
  from: sql`users u`,
  pk: sql`u.id`,
  filters: {
    username: filter.text(sql`u.username`),
    email: filter.text(sql`u.email`),
    name: filter.text(sql`u.name`),
    is_active: filter.boolean(sql`u.is_active`),
    is_superuser: filter.custom<boolean>({
      schema: Type.Boolean(),
      read: (r, key) => r.boolean(key),
      where: (value) => (value ? directSuperuser : sql`NOT ${directSuperuser}`),
    }),
    uuid: filter.uuid(sql`u.uuid`),
    path: filter.text(sql`u.path`),
    path_startswith: filter.custom<string>({
      schema: Type.String(),
      read: (r, key) => r.text(key),
      where: (value) => sql`u.path LIKE ${`${value.replace(/[\\%_]/g, (c) => `\\${c}`)}%`}`,
    }),
    // MultipleChoiceFilter: every value must be a UserTypes choice.
    type: filter.custom<string[]>({
      schema: Type.Array(ref(UserTypeEnum)),
      read: (r, key) => {
        const values = r.values(key);
        const bad = values?.find((value) => !(USER_TYPES as readonly string[]).includes(value));
        if (bad === undefined) return values;
        r.fail(key, Messages.invalidMultipleChoice(bad));
        return undefined;
      },
      where: (values) => inTextList(sql`u.type`, values),
    }),
    groups_by_name: filter.namedModelChoices(
      (db, names) => createUserRepository(db).groupNamesExisting(names),
      groupLinks.byName,
    ),
    groups_by_pk: uuidModelChoices(
      (db, pks) => createUserRepository(db).existingGroups(pks),
      groupLinks.byPk,
    ),
    roles_by_name: filter.namedModelChoices(
      (db, names) => createUserRepository(db).roleNamesExisting(names),
      roleLinks.byName,
    ),
    roles_by_pk: uuidModelChoices((db, pks) => createUserRepository(db).existingRoles(pks), roleLinks.byPk),
    attributes: attributesFilter(sql`u.attributes`),
    date_joined: dateFilter(sql`u.date_joined`, '='),
    date_joined__gt: dateFilter(sql`u.date_joined`, '>'),
    date_joined__lt: dateFilter(sql`u.date_joined`, '<'),
    last_updated: dateFilter(sql`u.last_updated`, '='),
    last_updated__gt: dateFilter(sql`u.last_updated`, '>'),
    last_updated__lt: dateFilter(sql`u.last_updated`, '<'),
    last_login: dateFilter(sql`u.last_login`, '='),
    last_login__gt: dateFilter(sql`u.last_login`, '>'),
    last_login__lt: dateFilter(sql`u.last_login`, '<'),
    last_login__isnull: filter.custom<boolean>({
      schema: Type.Boolean(),
      read: (r, key) => r.boolean(key),
      where: (value) => (value ? sql`u.last_login IS NULL` : sql`u.last_login IS NOT NULL`),
    }),
  },
  checkOrder: ['attributes', 'groups_by_name', 'roles_by_name', 'groups_by_pk', 'roles_by_pk'],
  search: [sql`u.email`, sql`u.name`, sql`u.uuid::text`, sql`u.username`],
  ordering: {
    pk: sql`u.id`,
    ...sameNamedColumns(
      'u',
      'username name is_active last_login date_joined email attributes path type uuid password_change_date last_updated',
    ),
  },
  defaultOrdering: ['username'],
  parameters: {
    include_groups: Type.Boolean({ default: true }),
    include_roles: Type.Boolean({ default: true }),
  },
  // Grants name users by their integer id; one that is not an id names nobody.
  visibleWhere: (pks) => {
    const ids = pks.map((pk) => parseUserPk(pk)).filter((pk) => pk !== undefined);
    return sql`u.id = ANY(${`{${ids.map(Number).join(',')}}`}::int[])`;
  },
});

/** The user's own columns a write sets, under UserSerializer's field names. */
export interface UserWrite {
  username?: string;
  name?: string;
  is_active?: boolean;
  last_login?: string | null;
  email?: string;
  attributes?: Record<string, unknown>;
  path?: string;
  type?: string;
}

/** The acting user of an operator command, by username (active or not: the command says). */
export async function findAuthUserByUsername(db: Db, username: string): Promise<AuthUser | undefined> {
  const rows = await query<AuthUser>(
    db,
    sql`SELECT u.id, u.uuid, u.username, u.name, u.email, u.is_active,
          ${isSuperuserSql(sql`u.id`)} AS is_superuser
        FROM users u WHERE u.username = ${username}`,
  );
  return rows[0];
}

export function createUserRepository(db: Db) {
  return {
    async findByPk(pk: number): Promise<UserRow | undefined> {
      const rows = await query<UserRow>(db, sql`SELECT ${userSelectSql()} FROM users u WHERE u.id = ${pk}`);
      return rows[0];
    },

    usernameTaken(username: string, exceptPk?: number): Promise<boolean> {
      return valueTaken(
        db,
        { table: 'users', column: 'username', pk: 'id', pkType: 'int' },
        username,
        exceptPk,
      );
    },

    /** Which of these group UUIDs exist. */
    existingGroups(pks: string[]): Promise<Set<string>> {
      return existingValues(db, 'groups', 'group_uuid', 'uuid', pks);
    },

    existingRoles(pks: string[]): Promise<Set<string>> {
      return existingValues(db, 'roles', 'uuid', 'uuid', pks);
    },

    groupNamesExisting(names: string[]): Promise<Set<string>> {
      return existingValues(db, 'groups', 'name', 'text', names);
    },

    roleNamesExisting(names: string[]): Promise<Set<string>> {
      return existingValues(db, 'roles', 'name', 'text', names);
    },

    async insert(values: Required<Pick<UserWrite, 'username' | 'name'>> & UserWrite): Promise<number> {
      const rows = await query<{ id: number }>(
        db,
        sql`INSERT INTO users (username, name, is_active, last_login, email, attributes, path, type)
            VALUES (${values.username}, ${values.name}, ${values.is_active ?? true},
                    ${values.last_login ?? null}::timestamptz, ${values.email ?? ''},
                    ${JSON.stringify(values.attributes ?? {})}::jsonb, ${values.path ?? 'users'},
                    ${values.type ?? 'internal'})
            RETURNING id`,
      );
      return rows[0].id;
    },

    async update(pk: number, values: UserWrite): Promise<void> {
      const sets: SQL[] = [sql`last_updated = now()`];
      if (values.username !== undefined) sets.push(sql`username = ${values.username}`);
      if (values.name !== undefined) sets.push(sql`name = ${values.name}`);
      if (values.is_active !== undefined) sets.push(sql`is_active = ${values.is_active}`);
      if (values.last_login !== undefined) sets.push(sql`last_login = ${values.last_login}::timestamptz`);
      if (values.email !== undefined) sets.push(sql`email = ${values.email}`);
      if (values.attributes !== undefined)
        sets.push(sql`attributes = ${JSON.stringify(values.attributes)}::jsonb`);
      if (values.path !== undefined) sets.push(sql`path = ${values.path}`);
      if (values.type !== undefined) sets.push(sql`type = ${values.type}`);
      await db.execute(sql`UPDATE users SET ${sql.join(sets, sql`, `)} WHERE id = ${pk}`);
    },

    setGroups(pk: number, groups: string[]): Promise<void> {
      const link = { table: 'user_groups', owner: 'user_id', target: 'group_uuid' };
      return replaceLinks(db, link, pk, groups.length > 0 ? uuidArray(groups) : undefined);
    },

    setRoles(pk: number, roles: string[]): Promise<void> {
      const link = { table: 'user_roles', owner: 'user_id', target: 'role_uuid' };
      return replaceLinks(db, link, pk, roles.length > 0 ? uuidArray(roles) : undefined);
    },

    async setPassword(pk: number, hash: string): Promise<void> {
      await db.execute(
        sql`UPDATE users SET password = ${hash}, password_change_date = now(), last_updated = now()
            WHERE id = ${pk}`,
      );
    },

    async deleteSessions(pk: number): Promise<void> {
      await db.execute(sql`DELETE FROM sessions WHERE user_id = ${pk}`);
    },

    /** Deletes the row; false when it was already gone (a concurrent delete won). */
    async delete(pk: number): Promise<boolean> {
      const rows = await query(db, sql`DELETE FROM users WHERE id = ${pk} RETURNING id`);
      return rows.length > 0;
    },

    /**
     * Everything that refers to the user, for used_by: its groups and roles (many-to-many) and
     * the invitations it created (foreign key, cascade).
     */
    async usages(pk: number) {
      return query<{ kind: 'group' | 'invitation' | 'role'; pk: string; name: string }>(
        db,
        sql`SELECT 'group' AS kind, g.group_uuid::text AS pk, g.name FROM user_groups ug
              JOIN groups g ON g.group_uuid = ug.group_uuid WHERE ug.user_id = ${pk}
            UNION ALL
            SELECT 'invitation', i.invite_uuid::text, i.name FROM invitations i WHERE i.created_by = ${pk}
            UNION ALL
            SELECT 'role', r.uuid::text, r.name FROM user_roles ur
              JOIN roles r ON r.uuid = ur.role_uuid WHERE ur.user_id = ${pk}`,
      );
    },

    /** `all_groups()` ordered by name, for UserSelf.groups, and the merged group attributes. */
    async allGroups(pk: number) {
      return query<{ pk: string; name: string; attributes: Record<string, unknown> }>(
        db,
        sql`WITH RECURSIVE tree AS (
              SELECT group_uuid FROM user_groups WHERE user_id = ${pk}
              UNION
              SELECT gp.parent_uuid FROM group_parents gp JOIN tree t ON gp.group_uuid = t.group_uuid
            )
            SELECT g.group_uuid AS pk, g.name, g.attributes FROM groups g
            JOIN tree t ON t.group_uuid = g.group_uuid ORDER BY g.name`,
      );
    },

    /** `all_roles()`: roles given to the user and to any of its groups (with ancestors). */
    async allRoles(pk: number) {
      return query<{ pk: string; name: string }>(
        db,
        sql`WITH RECURSIVE tree AS (
              SELECT group_uuid FROM user_groups WHERE user_id = ${pk}
              UNION
              SELECT gp.parent_uuid FROM group_parents gp JOIN tree t ON gp.group_uuid = t.group_uuid
            )
            SELECT r.uuid AS pk, r.name FROM roles r
            WHERE r.uuid IN (SELECT role_uuid FROM user_roles WHERE user_id = ${pk})
               OR r.uuid IN (SELECT gr.role_uuid FROM group_roles gr JOIN tree t ON t.group_uuid = gr.group_uuid)
            ORDER BY r.name`,
      );
    },
  };
}
