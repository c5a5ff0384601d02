/** The admin interface (`/if/admin/`). */
import type { FeatureModule, ModuleDeps } from '../module.js';
import type { InterfaceAccess } from '../core/interfaces/interface-access.js';
import { adminRoutes } from './admin.routes.js';

export function adminModule(deps: ModuleDeps): FeatureModule {
  const access = deps.registry.get('interfaceAccess') as InterfaceAccess;
  return { plugin: adminRoutes(access.requireAdmin()) };
}
