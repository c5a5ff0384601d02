/** The audit log API (/api/v3/events/events/). */
import type { FeatureModule, ModuleDeps } from '../module.js';

export function eventModule(_deps: ModuleDeps): FeatureModule {
  return {};
}
