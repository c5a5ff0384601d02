/** `/api/v3/rbac/permissions/`: the catalogue and role permission assignment. */
import { Type, type TSchema } from '@sinclair/typebox';
import { defineRoute, type RouteSpec } from '../api/routes.js';
import { ref } from '../api/schemas.js';
import { listQuery } from '../api/viewset.js';
import { assignedRolesList, permissionList } from './rbac-permission.repository.js';
import type {
  AssignedRolesRequest,
  PermissionListRequest,
  RbacPermissionService,
} from './rbac-permission.service.js';
import { RoleUuidParams } from './role.schema.js';
import {
  PaginatedExtraRoleObjectPermissionList,
  PaginatedPermissionList,
  PaginatedRoleAssignedObjectPermissionList,
  PatchedPermissionAssignRequest,
  Permission,
  PermissionAssignRequest,
  PermissionAssignResult,
  PermissionIdParams,
  RolePermissionsQuery,
  type PermissionAssignInput,
} from './rbac-permission.schema.js';

const base = '/rbac/permissions/';
const byRoles = `${base}assigned_by_roles/`;
const catalogue = 'Read-only list of all permissions, filterable by model and app';

/** assign (POST, 200 with the grant ids) and unassign (PATCH, 204) share their URL shape and docstring. */
function assignment(
  service: RbacPermissionService,
  action: 'assign' | 'unassign',
  o: { method: 'POST' | 'PATCH'; operation: string; body: TSchema; success: RouteSpec['success'] },
): RouteSpec {
  const verb = action === 'assign' ? 'Assign' : 'Unassign';
  return defineRoute({
    method: o.method,
    url: `${byRoles}:uuid/${action}/`,
    operationId: `rbac_permissions_assigned_by_roles_${o.operation}`,
    description: `${verb} permission(s) to role. When \`object_pk\` is set, the permissions\nare only assigned to the specific object, otherwise they are assigned globally.`,
    tags: ['rbac'],
    params: RoleUuidParams,
    body: ref(o.body),
    success: o.success,
    handler: ({ ctx, params, body }) => service[action](ctx, params.uuid, body as PermissionAssignInput),
  });
}

export function rbacPermissionRoutes(service: RbacPermissionService): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: base,
      operationId: 'rbac_permissions_list',
      description: catalogue,
      tags: ['rbac'],
      query: listQuery(permissionList, service.pageSizes),
      success: { status: 200, schema: ref(PaginatedPermissionList) },
      handler: ({ ctx, parsedQuery }) => service.list(ctx, parsedQuery as PermissionListRequest),
    }),
    defineRoute({
      method: 'GET',
      url: `${base}:id/`,
      operationId: 'rbac_permissions_retrieve',
      description: catalogue,
      tags: ['rbac'],
      params: PermissionIdParams,
      success: { status: 200, schema: ref(Permission) },
      handler: ({ ctx, params }) => service.retrieve(ctx, params.id),
    }),
    defineRoute({
      method: 'GET',
      url: byRoles,
      operationId: 'rbac_permissions_assigned_by_roles_list',
      description: 'Get assigned object permissions for a single object',
      tags: ['rbac'],
      query: listQuery(assignedRolesList, service.pageSizes),
      success: { status: 200, schema: ref(PaginatedRoleAssignedObjectPermissionList) },
      handler: ({ ctx, parsedQuery }) => service.assignedByRoles(ctx, parsedQuery as AssignedRolesRequest),
    }),
    assignment(service, 'assign', {
      method: 'POST',
      operation: 'assign',
      body: PermissionAssignRequest,
      success: { status: 200, schema: Type.Array(ref(PermissionAssignResult)) },
    }),
    assignment(service, 'unassign', {
      method: 'PATCH',
      operation: 'unassign_partial_update',
      body: PatchedPermissionAssignRequest,
      success: { status: 204, schema: null },
    }),
    defineRoute({
      method: 'GET',
      url: `${base}roles/`,
      operationId: 'rbac_permissions_roles_list',
      description: "Get a role's assigned object permissions",
      tags: ['rbac'],
      querystring: RolePermissionsQuery,
      success: { status: 200, schema: ref(PaginatedExtraRoleObjectPermissionList) },
      handler: ({ ctx, query }) => service.roleObjectPermissions(ctx, query),
    }),
  ];
}

export const rbacPermissionViews = {
  [base]: { name: 'Permission List', description: catalogue },
  [byRoles]: {
    name: 'Role Assigned Permission List',
    description: 'Get assigned object permissions for a single object',
  },
  [`${base}roles/`]: {
    name: 'Role Permission List',
    description: "Get a role's assigned object permissions",
  },
};
