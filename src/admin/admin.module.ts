/** The admin interface (`/if/admin/`). */
import type { FeatureModule, ModuleDeps } from '../module.js';
import { adminRoutes } from './admin.routes.js';

export function adminModule(_deps: ModuleDeps): FeatureModule {
  return { plugin: adminRoutes };
}
