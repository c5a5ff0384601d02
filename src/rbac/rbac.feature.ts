/** Permission checks (`app.permissions`), roles and permission assignment (/api/v3/rbac/). */
import type { Feature } from '../lib/feature.js';
import { mountRoutes } from '../api/routes.js';
import { PermissionService } from './permission.service.js';
import { RoleService } from './role.service.js';
import { roleRoutes, roleViews } from './role.routes.js';
import { RbacPermissionService } from './rbac-permission.service.js';
import { rbacPermissionRoutes, rbacPermissionViews } from './rbac-permission.routes.js';

declare module 'fastify' {
  interface FastifyInstance {
    permissions: PermissionService;
  }
}

export const rbacFeature: Feature = {
  name: 'rbac',
  provide(app) {
    app.decorate('permissions', new PermissionService(app.database.db));
  },
  register(app) {
    const { db } = app.database;
    const { pagination } = app.config;
    const roles = new RoleService({
      db,
      permissions: app.permissions,
      events: app.events,
      pageSizes: pagination,
    });
    mountRoutes(app, roleRoutes(roles), roleViews);
    const rbacPermissions = new RbacPermissionService(db, app.permissions, app.events, roles, pagination);
    mountRoutes(app, rbacPermissionRoutes(rbacPermissions), rbacPermissionViews);
  },
};
