import { sql, type SQL } from 'drizzle-orm';
import { query, type Db } from '../db/client.js';
import { countRows, fetchPage, icontains, orderTerm, uuidArray, type ListSql } from '../db/list-query.js';
import { likeContains } from '../api/search.js';
import type { OrderTerm } from '../api/ordering.js';
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

/** DRF's ordering fields of PermissionSerializer (`model` and `app_label` come from content_type). */
export const PERMISSION_ORDER_FIELDS = [
  'id',
  'name',
  'codename',
  'content_type__model',
  'content_type__app_label',
] as const;
export type PermissionOrderField = (typeof PERMISSION_ORDER_FIELDS)[number];

const PERMISSION_ORDER: Record<PermissionOrderField, SQL> = {
  id: sql`p.id`,
  name: sql`p.name`,
  codename: sql`p.codename`,
  content_type__model: sql`p.model`,
  content_type__app_label: sql`p.app_label`,
};

export interface PermissionFilter {
  codename?: string;
  appLabel?: string;
  model?: string;
  /** Only the permissions this role holds globally (PermissionFilter.filter_role). */
  role?: string;
  searchTerms: string[];
  ordering: OrderTerm<PermissionOrderField>[];
}

function permissionListSql(filter: PermissionFilter): ListSql {
  const where: SQL[] = [sql`p.app_label LIKE 'authentik%'`];
  if (filter.codename !== undefined) where.push(sql`p.codename = ${filter.codename}`);
  if (filter.appLabel !== undefined) where.push(sql`p.app_label = ${filter.appLabel}`);
  if (filter.model !== undefined) where.push(sql`p.model = ${filter.model}`);
  if (filter.role !== undefined) {
    where.push(sql`EXISTS (SELECT 1 FROM permission_grants g WHERE g.permission_id = p.id
      AND g.role_uuid = ${filter.role} AND g.object_pk IS NULL)`);
  }
  for (const term of filter.searchTerms) {
    const pattern = likeContains(term);
    where.push(sql`(${icontains(sql`p.name`, pattern)} OR ${icontains(sql`p.codename`, pattern)}
      OR ${icontains(sql`p.model`, pattern)} OR ${icontains(sql`p.app_label`, pattern)})`);
  }
  return {
    select: sql`p.id, p.name, p.codename, p.model, p.app_label`,
    from: sql`permissions p`,
    where,
    orderBy: filter.ordering.map((t) => orderTerm(PERMISSION_ORDER[t.field], t.descending)),
  };
}

export interface AssignedRolesFilter {
  appLabel: string;
  model: string;
  objectPk?: string;
  searchTerms: string[];
  visiblePks?: string[];
  descending: boolean;
}

const GRANT_JSON = (objectLevel: boolean) =>
  sql.raw(`coalesce((SELECT json_agg(json_build_object(
    'id', g.id, 'codename', p.codename, 'model', p.model, 'app_label', p.app_label,
    ${objectLevel ? "'object_pk', g.object_pk, " : ''}'name', p.name) ORDER BY g.id)
  FROM permission_grants g JOIN permissions p ON p.id = g.permission_id
  WHERE g.role_uuid = r.uuid AND g.object_pk IS ${objectLevel ? 'NOT NULL' : 'NULL'}), '[]')`);

function assignedRolesSql(filter: AssignedRolesFilter): ListSql {
  const objectGrant =
    filter.objectPk !== undefined
      ? sql` OR EXISTS (SELECT 1 FROM permission_grants g JOIN permissions p ON p.id = g.permission_id
          WHERE g.role_uuid = r.uuid AND p.app_label = ${filter.appLabel} AND p.model = ${filter.model}
            AND g.object_pk = ${filter.objectPk})`
      : sql``;
  const where: SQL[] = [
    sql`(EXISTS (SELECT 1 FROM permission_grants g JOIN permissions p ON p.id = g.permission_id
          WHERE g.role_uuid = r.uuid AND p.app_label = ${filter.appLabel} AND p.model = ${filter.model}
            AND g.object_pk IS NULL)${objectGrant})`,
  ];
  for (const term of filter.searchTerms) where.push(icontains(sql`r.name`, likeContains(term)));
  if (filter.visiblePks) where.push(sql`r.uuid = ANY(${uuidArray(filter.visiblePks)})`);
  return {
    select: sql`r.uuid AS role_pk, r.name, ${GRANT_JSON(true)} AS object_permissions,
      ${GRANT_JSON(false)} AS model_permissions`,
    from: sql`roles r`,
    where,
    orderBy: [orderTerm(sql`r.name`, filter.descending)],
  };
}

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
    listPermissions(filter: PermissionFilter, limit: number, offset: number) {
      return fetchPage<PermissionRow>(db, permissionListSql(filter), limit, offset);
    },
    countPermissions(filter: PermissionFilter) {
      return countRows(db, permissionListSql(filter));
    },
    async findPermission(id: number): Promise<PermissionRow | undefined> {
      const rows = await query<PermissionRow>(
        db,
        sql`SELECT id, name, codename, model, app_label FROM permissions
            WHERE id = ${id} AND app_label LIKE 'authentik%'`,
      );
      return rows[0];
    },
    async permissionsByCodename(codenames: string[]): Promise<PermissionRow[]> {
      if (codenames.length === 0) return [];
      return query<PermissionRow>(
        db,
        sql`SELECT id, name, codename, model, app_label FROM permissions
            WHERE codename IN (SELECT jsonb_array_elements_text(${JSON.stringify(codenames)}::jsonb))`,
      );
    },
    async roleExists(uuid: string): Promise<boolean> {
      return (await query(db, sql`SELECT 1 FROM roles WHERE uuid = ${uuid}`)).length > 0;
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
    listAssignedRoles(filter: AssignedRolesFilter, limit: number, offset: number) {
      return fetchPage<{
        role_pk: string;
        name: string;
        object_permissions: GrantRow[];
        model_permissions: Omit<GrantRow, 'object_pk'>[];
      }>(db, assignedRolesSql(filter), limit, offset);
    },
    countAssignedRoles(filter: AssignedRolesFilter) {
      return countRows(db, assignedRolesSql(filter));
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
