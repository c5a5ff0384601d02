/**
 * authentik's default flows (its `blueprints/default/` folder): created at start when missing
 * (default-flows.service.ts), before the start-up blueprints folder is applied, with the
 * initial-setup flow's policy bound.
 */
import type { Feature } from '../../lib/feature.js';
import { installDefaultFlows } from './default-flows.service.js';
import { initialSetupPolicy } from './initial-setup.policy.js';

export const defaultFlowsFeature: Feature = {
  name: 'blueprints/default',
  register(app) {
    app.stageRegistry.bindPolicy(initialSetupPolicy);
  },
  async start(app) {
    await app.database.db.transaction(async (tx) => installDefaultFlows(tx));
  },
};
