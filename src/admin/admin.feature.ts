/**
 * The admin interface (`/if/admin/`), the admin API's version view and the public
 * configuration the interfaces read (`/api/v3/root/config/`).
 */
import type { Feature } from '../lib/feature.js';
import { mountRoutes } from '../api/routes.js';
import { adminRoutes } from './admin.routes.js';
import { versionRoutes, versionViews } from './version.routes.js';
import { configRoutes, configViews } from '../root/config.routes.js';
import { InterfaceAccess } from '../core/interfaces/interface-access.js';

export const adminFeature: Feature = {
  name: 'admin',
  async register(app) {
    await app.register(adminRoutes(new InterfaceAccess(app.database.db, app.permissions).requireAdmin()));
    mountRoutes(app, [...versionRoutes(app.config.operations?.buildHash ?? '')], versionViews);
    mountRoutes(app, configRoutes(), configViews);
  },
};
