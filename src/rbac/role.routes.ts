/** `/api/v3/rbac/roles/`: authentik's RoleViewSet. */
import { defineRoute, type RouteSpec } from '../api/routes.js';
import { ref } from '../api/schemas.js';
import { viewSetRoutes, viewSetViews, type ViewSetRoutes } from '../api/viewset.js';
import type { RoleService } from './role.service.js';
import {
  PaginatedRoleList,
  PatchedRoleRequest,
  Role,
  RoleRequest,
  RoleUuidParams,
  UserAccountSerializerForRoleRequest,
} from './role.schema.js';

const options: ViewSetRoutes = {
  base: '/rbac/roles/',
  lookup: 'uuid',
  params: RoleUuidParams,
  operationPrefix: 'rbac_roles',
  description: 'Role viewset',
  tags: ['rbac'],
  verboseName: 'Role',
  item: Role,
  paginated: PaginatedRoleList,
  request: RoleRequest,
  patched: PatchedRoleRequest,
};

export function roleRoutes(service: RoleService): RouteSpec[] {
  const routes = viewSetRoutes(service, options);
  const membership = (action: 'add' | 'remove', description: string) =>
    defineRoute({
      method: 'POST',
      url: `${options.base}:uuid/${action}_user/`,
      operationId: `rbac_roles_${action}_user_create`,
      description,
      tags: options.tags,
      params: RoleUuidParams,
      body: ref(UserAccountSerializerForRoleRequest),
      success: { status: 204, schema: null },
      handler: ({ ctx, params, body }) => service.membership(ctx, params.uuid, body.pk, action === 'add'),
    });
  // Before used_by, as authentik's router lists the viewset's extra actions by name.
  routes.splice(
    routes.length - 1,
    0,
    membership('add', 'Add user to role'),
    membership('remove', 'Remove user from role'),
  );
  return routes;
}

export const roleViews = viewSetViews(options);
