/** Groups (/api/v3/core/groups/). */
import type { Feature } from '../../lib/feature.js';
import { mountRoutes } from '../../api/routes.js';
import { GroupService } from './group.service.js';
import { groupRoutes, groupViews } from './group.routes.js';

export const groupFeature: Feature = {
  name: 'core/groups',
  register(app) {
    const { config } = app;
    const groups = new GroupService(
      app.database.db,
      app.permissions,
      app.events,
      app.install,
      config.pagination,
    );
    mountRoutes(app, groupRoutes(groups), groupViews);
  },
};
