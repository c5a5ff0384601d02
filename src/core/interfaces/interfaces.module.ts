/** The landing pages: `/` and the user interface. */
import type { FeatureModule, ModuleDeps } from '../../module.js';
import { InterfaceAccess } from './interface-access.js';
import { interfaceRoutes } from './interface.routes.js';

export function interfacesModule(deps: ModuleDeps): FeatureModule {
  const access = new InterfaceAccess(deps.db, deps.shared.permissions);
  return { plugin: interfaceRoutes(deps.db, access), provides: { interfaceAccess: access } };
}
