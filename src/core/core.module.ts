/** Users, groups, roles, permissions and API tokens (/api/v3/core/, /api/v3/rbac/). */
import type { FeatureModule, ModuleDeps } from '../module.js';
import type { RouteSpec, ViewMetadata } from '../api/routes.js';
import { UserService } from './users/user.service.js';
import { userRoutes, userViews } from './users/user.routes.js';

export function coreModule(deps: ModuleDeps): FeatureModule {
  const { config, db, installId, shared } = deps;
  const users = new UserService(db, shared.permissions, shared.events, installId, config.pagination);
  const routes: RouteSpec[] = [...userRoutes(users)];
  const views: Record<string, ViewMetadata> = { ...userViews };
  return { routes, views, provides: { users } };
}
