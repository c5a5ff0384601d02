/** Users, groups, roles, permissions and API tokens (/api/v3/core/, /api/v3/rbac/). */
import type { FeatureModule, ModuleDeps } from '../module.js';
import type { RouteSpec, ViewMetadata } from '../api/routes.js';
import { UserService } from './users/user.service.js';
import { userRoutes, userViews } from './users/user.routes.js';
import { GroupService } from './groups/group.service.js';
import { groupRoutes, groupViews } from './groups/group.routes.js';
import { TokenService } from './tokens/token.service.js';
import { tokenRoutes, tokenViews } from './tokens/token.routes.js';
import { RoleService } from '../rbac/role.service.js';
import { roleRoutes, roleViews } from '../rbac/role.routes.js';
import { RbacPermissionService } from '../rbac/rbac-permission.service.js';
import { rbacPermissionRoutes, rbacPermissionViews } from '../rbac/rbac-permission.routes.js';

export function coreModule(deps: ModuleDeps): FeatureModule {
  const { config, db, install, shared } = deps;
  const users = new UserService(db, shared.permissions, shared.events, install, config.pagination);
  const groups = new GroupService(db, shared.permissions, shared.events, install, config.pagination);
  const tokens = new TokenService(db, shared.permissions, shared.events, install, {
    defaultTokenDurationSeconds: config.defaultTokenDurationSeconds,
    pageDefaults: config.pagination,
  });
  const roles = new RoleService(db, shared.permissions, shared.events, config.pagination);
  const rbacPermissions = new RbacPermissionService(
    db,
    shared.permissions,
    shared.events,
    roles,
    config.pagination,
  );
  const routes: RouteSpec[] = [
    ...userRoutes(users),
    ...groupRoutes(groups),
    ...tokenRoutes(tokens),
    ...roleRoutes(roles),
    ...rbacPermissionRoutes(rbacPermissions),
  ];
  const views: Record<string, ViewMetadata> = {
    ...userViews,
    ...groupViews,
    ...tokenViews,
    ...roleViews,
    ...rbacPermissionViews,
  };
  const tasks = [
    {
      // Ended windows of the failure counters (src/api/rate-limit.ts), with the other expired objects.
      name: 'clean_expired_rate_limits',
      intervalSeconds: config.cleanupIntervalSeconds,
      run: () => shared.limiter.cleanExpired(),
    },
  ];
  return { routes, views, tasks, provides: { users, groups, tokens, roles, rbacPermissions } };
}
