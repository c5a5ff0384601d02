import { Type } from '@sinclair/typebox';
import { sql, type SQL } from 'drizzle-orm';
import { query, type Db } from '../db/client.js';
import { countRows, fetchPage, orderTerm, type ListSql } from '../db/list-query.js';
import { Messages } from '../api/errors.js';
import { parseUuid } from '../api/filters.js';
import { defineList, filter, sameNamedColumns } from '../api/list-spec.js';
import { MODEL_CHOICES } from './model-enum.js';
import { OBJECT_MODELS, objectPkMatches } from './object-registry.js';

export interface PermissionRow {
  id: number;
  name: string;
  codename: string;
  model: string;
  app_label: string;
}

export interface GrantRow {
  id: number;
  codename: string;
  model: string;
  app_label: string;
  object_pk: string | null;
  name: string;
}

const GRANT_JSON = (objectLevel: boolean) =>
  sql.raw(`coalesce((SELECT json_agg(json_build_object(
    'id', g.id, 'codename', p.codename, 'model', p.model, 'app_label', p.app_label,
    ${objectLevel ? "'object_pk', g.object_pk, " : ''}'name', p.name) ORDER BY g.id)
  FROM permission_grants g JOIN permissions p ON p.id = g.permission_id
  WHERE g.role_uuid = r.uuid AND g.object_pk IS ${objectLevel ? 'NOT NULL' : 'NULL'}), '[]')`);

async function roleExists(db: Db, uuid: string): Promise<boolean> {
  return (await query(db, sql`SELECT 1 FROM roles WHERE uuid = ${uuid}`)).length > 0;
}

/**
 * RBACPermissionViewSet's list (authentik/rbac/api/rbac.py): authentik's own permissions,
 * PermissionFilter (`role`: the permissions a role holds globally), DRF's search and ordering
 * over the serializer's fields. Its `filter_backends` put the search after the filters.
 */
export const permissionList = defineList({
  select: sql`p.id, p.name, p.codename, p.model, p.app_label`,
  from: sql`permissions p`,
  where: [sql`p.app_label LIKE 'authentik%'`],
  pk: sql`p.id`,
  filters: {
    codename: filter.text(sql`p.codename`),
    content_type__app_label: filter.text(sql`p.app_label`),
    content_type__model: filter.text(sql`p.model`),
    role: filter.checkedModelChoice({
      schema: Type.String(),
      parse: parseUuid,
      exists: roleExists,
      where: (role) => sql`EXISTS (SELECT 1 FROM permission_grants g WHERE g.permission_id = p.id
        AND g.role_uuid = ${role} AND g.object_pk IS NULL)`,
    }),
  },
  search: [sql`p.name`, sql`p.codename`, sql`p.model`, sql`p.app_label`],
  searchAfterFilters: true,
  ordering: {
    content_type__model: sql`p.model`,
    content_type__app_label: sql`p.app_label`,
    ...sameNamedColumns('p', 'id name codename'),
  },
  defaultOrdering: ['name'],
  parameterOrder: [
    'codename',
    'content_type__app_label',
    'content_type__model',
    'ordering',
    'page',
    'page_size',
    'search',
    'role',
  ],
});

/** The grants of the role on the list's row `r`, with their permissions. */
const ROLE_GRANTS = sql`FROM permission_grants g JOIN permissions p ON p.id = g.permission_id
  WHERE g.role_uuid = r.uuid`;

/**
 * RoleAssignedPermissionViewSet's list (authentik/rbac/api/rbac_assigned_by_roles.py): the
 * roles holding a permission of `model` globally, or on `object_pk`, each with every grant.
 */
export const assignedRolesList = defineList({
  select: sql`r.uuid AS role_pk, r.name, ${GRANT_JSON(true)} AS object_permissions,
    ${GRANT_JSON(false)} AS model_permissions`,
  from: sql`roles r`,
  pk: sql`r.uuid`,
  filters: {
    model: filter.custom<string>({
      schema: Type.String(),
      required: true,
      read: (r, key) => {
        const model = r.value(key);
        if (model === undefined || model === '') r.fail(key, Messages.required);
        else if (!(MODEL_CHOICES as readonly string[]).includes(model)) {
          r.fail(key, Messages.invalidMultipleChoice(model));
        } else return model;
        return undefined;
      },
      where: (model, filters) => {
        const [appLabel, modelName] = model.split('.');
        const objectGrant =
          filters.object_pk !== undefined
            ? sql` OR EXISTS (SELECT 1 ${ROLE_GRANTS} AND p.app_label = ${appLabel} AND p.model = ${modelName}
                AND g.object_pk = ${filters.object_pk})`
            : sql``;
        return sql`(EXISTS (SELECT 1 ${ROLE_GRANTS} AND p.app_label = ${appLabel} AND p.model = ${modelName}
            AND g.object_pk IS NULL)${objectGrant})`;
      },
    }),
    // Part of `model`'s condition.
    object_pk: filter.custom<string>({ schema: Type.String(), read: (r, key) => r.text(key) }),
  },
  search: [sql`r.name`],
  ordering: { name: sql`r.name` },
  defaultOrdering: ['name'],
});

function roleObjectPermissionsSql(roleUuid: string | undefined, descending: boolean): ListSql {
  const where: SQL[] = [sql`g.role_uuid IS NOT NULL`, sql`g.object_pk IS NOT NULL`];
  if (roleUuid !== undefined) where.push(sql`g.role_uuid = ${roleUuid}`);
  return {
    select: sql`g.id, p.codename, p.model, p.app_label, g.object_pk, p.name, g.role_uuid`,
    from: sql`permission_grants g JOIN permissions p ON p.id = g.permission_id JOIN roles r ON r.uuid = g.role_uuid`,
    where,
    orderBy: [orderTerm(sql`r.name`, descending), sql`g.id ASC`],
  };
}

export function createRbacPermissionRepository(db: Db) {
  return {
    async permissionsByCodename(codenames: string[]): Promise<PermissionRow[]> {
      if (codenames.length === 0) return [];
      return query<PermissionRow>(
        db,
        sql`SELECT id, name, codename, model, app_label FROM permissions
            WHERE codename IN (SELECT jsonb_array_elements_text(${JSON.stringify(codenames)}::jsonb))`,
      );
    },
    async objectExists(modelKey: string, pk: string): Promise<boolean> {
      const model = OBJECT_MODELS[modelKey];
      if (!model) return false;
      return (
        (await query(db, sql`SELECT 1 FROM ${model.from} WHERE ${objectPkMatches(model, pk)}`)).length > 0
      );
    },
    async objectDescription(modelKey: string, pk: string): Promise<string | null> {
      const model = OBJECT_MODELS[modelKey];
      if (!model) return null;
      const rows = await query<{ d: string }>(
        db,
        sql`SELECT ${model.describe} AS d FROM ${model.from} WHERE ${objectPkMatches(model, pk)}`,
      );
      return rows[0]?.d ?? null;
    },
    /** Grants the permission to the role (idempotent, as guardian's assign_perm); returns the grant id. */
    async grantToRole(roleUuid: string, permissionId: number, objectPk: string | null) {
      const existing = await query<{ id: number }>(
        db,
        sql`SELECT id FROM permission_grants WHERE role_uuid = ${roleUuid} AND permission_id = ${permissionId}
            AND object_pk IS NOT DISTINCT FROM ${objectPk}::text`,
      );
      if (existing[0]) return { id: Number(existing[0].id), created: false };
      const rows = await query<{ id: number }>(
        db,
        sql`INSERT INTO permission_grants (permission_id, role_uuid, object_pk)
            VALUES (${permissionId}, ${roleUuid}, ${objectPk}) RETURNING id`,
      );
      return { id: Number(rows[0].id), created: true };
    },
    /** Removes the grant; returns the removed grant ids. */
    async revokeFromRole(roleUuid: string, permissionId: number, objectPk: string | null): Promise<number[]> {
      const rows = await query<{ id: number }>(
        db,
        sql`DELETE FROM permission_grants WHERE role_uuid = ${roleUuid} AND permission_id = ${permissionId}
            AND object_pk IS NOT DISTINCT FROM ${objectPk}::text RETURNING id`,
      );
      return rows.map((r) => Number(r.id));
    },
    listRoleObjectPermissions(
      roleUuid: string | undefined,
      descending: boolean,
      limit: number,
      offset: number,
    ) {
      return fetchPage<GrantRow & { object_pk: string; role_uuid: string }>(
        db,
        roleObjectPermissionsSql(roleUuid, descending),
        limit,
        offset,
      );
    },
    countRoleObjectPermissions(roleUuid: string | undefined) {
      return countRows(db, roleObjectPermissionsSql(roleUuid, false));
    },
    /** Whether the role holds `<app>.view_<model>` globally or on this object. */
    async roleCanView(roleUuid: string, appLabel: string, model: string, objectPk: string): Promise<boolean> {
      const rows = await query(
        db,
        sql`SELECT 1 FROM permission_grants g JOIN permissions p ON p.id = g.permission_id
            WHERE g.role_uuid = ${roleUuid} AND p.app_label = ${appLabel} AND p.codename = ${`view_${model}`}
              AND (g.object_pk IS NULL OR g.object_pk = ${objectPk})`,
      );
      return rows.length > 0;
    },
  };
}
