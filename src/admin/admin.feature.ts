/** The admin interface (`/if/admin/`). */
import type { Feature } from '../lib/feature.js';
import { adminRoutes } from './admin.routes.js';
import { InterfaceAccess } from '../core/interfaces/interface-access.js';

export const adminFeature: Feature = {
  name: 'admin',
  async register(app) {
    await app.register(adminRoutes(new InterfaceAccess(app.database.db, app.permissions).requireAdmin()));
  },
};
