/** API tokens (/api/v3/core/tokens/). */
import type { Feature } from '../../lib/feature.js';
import { mountRoutes } from '../../api/routes.js';
import { coreServiceDeps } from '../users/core-service-deps.js';
import { TokenService } from './token.service.js';
import { tokenRoutes, tokenViews } from './token.routes.js';

export const tokenFeature: Feature = {
  name: 'core/tokens',
  register(app) {
    const tokens = new TokenService(coreServiceDeps(app), {
      defaultTokenDurationSeconds: app.config.defaultTokenDurationSeconds,
    });
    mountRoutes(app, tokenRoutes(tokens), tokenViews);
  },
};
