/** The `/-/` endpoints: health, and the benchmark's debug routes when TESSERA_DEBUG_STATS is set. */
import type { Feature } from '../lib/feature.js';
import { healthRoutes } from './health.routes.js';
import { debugPlugin } from './debug.plugin.js';

export const rootFeature: Feature = {
  name: 'root',
  async register(app) {
    await app.register(healthRoutes);
    if (app.config.debugStats) await app.register(debugPlugin);
  },
};
