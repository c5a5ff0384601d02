/** The landing pages: `/` and the user interface `/if/user/`. */
import type { Feature } from '../../lib/feature.js';
import { InterfaceAccess } from './interface-access.js';
import { interfaceRoutes } from './interface.routes.js';

export const interfacesFeature: Feature = {
  name: 'core/interfaces',
  async register(app) {
    const { db } = app.database;
    await app.register(interfaceRoutes(db, new InterfaceAccess(db, app.permissions)));
  },
};
