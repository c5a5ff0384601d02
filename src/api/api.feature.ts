/**
 * The OpenAPI document and its endpoint (/api/v3/schema/). First in the feature list: the
 * document collects the routes registered after it.
 */
import type { Feature } from '../lib/feature.js';
import { mountRoutes } from './routes.js';
import { registerOpenApi, schemaRoutes } from './schema.routes.js';

export const apiFeature: Feature = {
  name: 'api',
  async register(app) {
    await registerOpenApi(app);
    mountRoutes(app, schemaRoutes(app));
  },
};
