/** `/api/v3/rbac/permissions/`: the catalogue and role permission assignment. */
import { Type } from '@sinclair/typebox';
import { defineRoute, type RouteSpec } from '../api/routes.js';
import { ref } from '../api/schemas.js';
import type { RbacPermissionService } from './rbac-permission.service.js';
import { RoleUuidParams } from './role.schema.js';
import {
  AssignedByRolesQuery,
  PaginatedExtraRoleObjectPermissionList,
  PaginatedPermissionList,
  PaginatedRoleAssignedObjectPermissionList,
  PatchedPermissionAssignRequest,
  Permission,
  PermissionAssignRequest,
  PermissionAssignResult,
  PermissionIdParams,
  PermissionListQuery,
  RolePermissionsQuery,
} from './rbac-permission.schema.js';

const base = '/rbac/permissions/';
const byRoles = `${base}assigned_by_roles/`;
const catalogue = 'Read-only list of all permissions, filterable by model and app';
const assignNote = 'are only assigned to the specific object, otherwise they are assigned globally.';

export function rbacPermissionRoutes(service: RbacPermissionService): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: base,
      operationId: 'rbac_permissions_list',
      description: catalogue,
      tags: ['rbac'],
      querystring: PermissionListQuery,
      success: { status: 200, schema: ref(PaginatedPermissionList) },
      handler: ({ ctx, query }) => service.list(ctx, query),
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
      querystring: AssignedByRolesQuery,
      success: { status: 200, schema: ref(PaginatedRoleAssignedObjectPermissionList) },
      handler: ({ ctx, query }) => service.assignedByRoles(ctx, query),
    }),
    defineRoute({
      method: 'POST',
      url: `${byRoles}:uuid/assign/`,
      operationId: 'rbac_permissions_assigned_by_roles_assign',
      description: `Assign permission(s) to role. When \`object_pk\` is set, the permissions\n${assignNote}`,
      tags: ['rbac'],
      params: RoleUuidParams,
      body: ref(PermissionAssignRequest),
      success: { status: 200, schema: Type.Array(ref(PermissionAssignResult)) },
      handler: ({ ctx, params, body }) => service.assign(ctx, params.uuid, body),
    }),
    defineRoute({
      method: 'PATCH',
      url: `${byRoles}:uuid/unassign/`,
      operationId: 'rbac_permissions_assigned_by_roles_unassign_partial_update',
      description: `Unassign permission(s) to role. When \`object_pk\` is set, the permissions\n${assignNote}`,
      tags: ['rbac'],
      params: RoleUuidParams,
      body: ref(PatchedPermissionAssignRequest),
      bodyRequired: false,
      success: { status: 204, schema: null },
      handler: ({ ctx, params, body }) => service.unassign(ctx, params.uuid, body),
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
