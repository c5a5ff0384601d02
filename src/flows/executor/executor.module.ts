/** The flow executor, the enrollment stages and the flow pages. */
import type { FeatureModule, ModuleDeps } from '../../module.js';

export function executorModule(_deps: ModuleDeps): FeatureModule {
  return {};
}
