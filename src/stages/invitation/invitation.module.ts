/** Invitations (/api/v3/stages/invitation/invitations/) and their email. */
import type { FeatureModule, ModuleDeps } from '../../module.js';

export function invitationModule(_deps: ModuleDeps): FeatureModule {
  return {};
}
