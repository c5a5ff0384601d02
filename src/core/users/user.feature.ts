/** Users (/api/v3/core/users/). */
import type { Feature } from '../../lib/feature.js';
import { mountRoutes } from '../../api/routes.js';
import { coreServiceDeps } from './core-service-deps.js';
import { UserService } from './user.service.js';
import { userRoutes, userViews } from './user.routes.js';

export const userFeature: Feature = {
  name: 'core/users',
  register(app) {
    mountRoutes(app, userRoutes(new UserService(coreServiceDeps(app))), userViews);
  },
};
