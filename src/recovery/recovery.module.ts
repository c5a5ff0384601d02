/** Recovery links (authentik/recovery): the route that signs a locked-out user in. */
import type { FeatureModule, ModuleDeps } from '../module.js';
import type { SessionStore } from '../core/sessions/session.store.js';
import { RecoveryService } from './recovery.service.js';
import { recoveryRoutes } from './recovery.routes.js';

export function recoveryModule(deps: ModuleDeps): FeatureModule {
  const sessions = deps.registry.get('sessions') as SessionStore;
  return { plugin: recoveryRoutes(new RecoveryService(deps.db, deps.shared.events), sessions) };
}
