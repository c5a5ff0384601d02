/** Groups (/api/v3/core/groups/). */
import type { Feature } from '../../lib/feature.js';
import { mountRoutes } from '../../api/routes.js';
import { coreServiceDeps } from '../users/core-service-deps.js';
import { GroupService } from './group.service.js';
import { groupRoutes, groupViews } from './group.routes.js';

export const groupFeature: Feature = {
  name: 'core/groups',
  register(app) {
    mountRoutes(app, groupRoutes(new GroupService(coreServiceDeps(app))), groupViews);
  },
};
