/**
 * The admin interface (`/if/admin/`), the admin API's version view and the public
 * configuration the interfaces read (`/api/v3/root/config/`).
 */
import type { FeatureModule, ModuleDeps } from '../module.js';
import { adminRoutes } from './admin.routes.js';
import { versionRoutes, versionViews } from './version.routes.js';
import { configRoutes, configViews } from '../root/config.routes.js';

export function adminModule(deps: ModuleDeps): FeatureModule {
  return {
    plugin: adminRoutes,
    routes: [...versionRoutes(deps.config.operations?.buildHash ?? ''), ...configRoutes()],
    views: { ...versionViews, ...configViews },
  };
}
