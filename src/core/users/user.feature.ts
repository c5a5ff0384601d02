/** Users (/api/v3/core/users/). */
import type { Feature } from '../../lib/feature.js';
import { mountRoutes } from '../../api/routes.js';
import { UserService } from './user.service.js';
import { userRoutes, userViews } from './user.routes.js';

export const userFeature: Feature = {
  name: 'core/users',
  register(app) {
    const { config } = app;
    const users = new UserService(
      app.database.db,
      app.permissions,
      app.events,
      app.install,
      config.pagination,
    );
    mountRoutes(app, userRoutes(users), userViews);
  },
};
