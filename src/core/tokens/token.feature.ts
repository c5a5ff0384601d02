/** API tokens (/api/v3/core/tokens/). */
import type { Feature } from '../../lib/feature.js';
import { mountRoutes } from '../../api/routes.js';
import { TokenService } from './token.service.js';
import { tokenRoutes, tokenViews } from './token.routes.js';

export const tokenFeature: Feature = {
  name: 'core/tokens',
  register(app) {
    const { config } = app;
    const tokens = new TokenService(app.database.db, app.permissions, app.events, app.install, {
      defaultTokenDurationSeconds: config.defaultTokenDurationSeconds,
      pageDefaults: config.pagination,
    });
    mountRoutes(app, tokenRoutes(tokens), tokenViews);
  },
};
