/** Users, groups, roles, permissions and API tokens (/api/v3/core/, /api/v3/rbac/). */
import type { FeatureModule, ModuleDeps } from '../module.js';

export function coreModule(_deps: ModuleDeps): FeatureModule {
  return {};
}
