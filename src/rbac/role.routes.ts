/** `/api/v3/rbac/roles/`: authentik's RoleViewSet. */
import { Type } from '@sinclair/typebox';
import { defineRoute, type RouteSpec } from '../api/routes.js';
import { UsedBy, ref } from '../api/schemas.js';
import type { RoleService } from './role.service.js';
import {
  PaginatedRoleList,
  PatchedRoleRequest,
  Role,
  RoleListQuery,
  RoleRequest,
  RoleUuidParams,
  UserAccountSerializerForRoleRequest,
} from './role.schema.js';

const base = '/rbac/roles/';
const detail = `${base}:uuid/`;
const common = { description: 'Role viewset', tags: ['rbac'] };

export function roleRoutes(service: RoleService): RouteSpec[] {
  return [
    defineRoute({
      ...common,
      method: 'GET',
      url: base,
      operationId: 'rbac_roles_list',
      querystring: RoleListQuery,
      success: { status: 200, schema: ref(PaginatedRoleList) },
      handler: ({ ctx, query }) => service.list(ctx, query),
    }),
    defineRoute({
      ...common,
      method: 'POST',
      url: base,
      operationId: 'rbac_roles_create',
      requires: 'authentik_rbac.add_role',
      body: ref(RoleRequest),
      success: { status: 201, schema: ref(Role) },
      handler: ({ ctx, body }) => service.create(ctx, body),
    }),
    defineRoute({
      ...common,
      method: 'GET',
      url: detail,
      operationId: 'rbac_roles_retrieve',
      params: RoleUuidParams,
      success: { status: 200, schema: ref(Role) },
      handler: ({ ctx, params }) => service.retrieve(ctx, params.uuid),
    }),
    defineRoute({
      ...common,
      method: 'PUT',
      url: detail,
      operationId: 'rbac_roles_update',
      params: RoleUuidParams,
      body: ref(RoleRequest),
      success: { status: 200, schema: ref(Role) },
      handler: ({ ctx, params, body }) => service.update(ctx, params.uuid, body),
    }),
    defineRoute({
      ...common,
      method: 'PATCH',
      url: detail,
      operationId: 'rbac_roles_partial_update',
      params: RoleUuidParams,
      body: ref(PatchedRoleRequest),
      bodyRequired: false,
      success: { status: 200, schema: ref(Role) },
      handler: ({ ctx, params, body }) => service.update(ctx, params.uuid, body),
    }),
    defineRoute({
      ...common,
      method: 'DELETE',
      url: detail,
      operationId: 'rbac_roles_destroy',
      params: RoleUuidParams,
      success: { status: 204, schema: null },
      handler: ({ ctx, params }) => service.destroy(ctx, params.uuid),
    }),
    defineRoute({
      method: 'POST',
      url: `${detail}add_user/`,
      operationId: 'rbac_roles_add_user_create',
      description: 'Add user to role',
      tags: ['rbac'],
      params: RoleUuidParams,
      body: ref(UserAccountSerializerForRoleRequest),
      success: { status: 204, schema: null },
      handler: ({ ctx, params, body }) => service.membership(ctx, params.uuid, body.pk, true),
    }),
    defineRoute({
      method: 'POST',
      url: `${detail}remove_user/`,
      operationId: 'rbac_roles_remove_user_create',
      description: 'Remove user from role',
      tags: ['rbac'],
      params: RoleUuidParams,
      body: ref(UserAccountSerializerForRoleRequest),
      success: { status: 204, schema: null },
      handler: ({ ctx, params, body }) => service.membership(ctx, params.uuid, body.pk, false),
    }),
    defineRoute({
      method: 'GET',
      url: `${detail}used_by/`,
      operationId: 'rbac_roles_used_by_list',
      description: 'Get a list of all objects that use this object',
      tags: ['rbac'],
      params: RoleUuidParams,
      success: { status: 200, schema: Type.Array(ref(UsedBy)) },
      handler: ({ ctx, params }) => service.usedBy(ctx, params.uuid),
    }),
  ];
}

export const roleViews = {
  [base]: { name: 'Role List', description: 'Role viewset' },
  [detail]: { name: 'Role Instance', description: 'Role viewset' },
};
