/** The admin interface (`/if/admin/`). */
import type { Feature } from '../lib/feature.js';
import { adminRoutes } from './admin.routes.js';

export const adminFeature: Feature = {
  name: 'admin',
  async register(app) {
    await app.register(adminRoutes);
  },
};
