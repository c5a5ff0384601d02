/**
 * authentik's default flows: created by the bootstrap (default-flows.service.ts); this binds the
 * initial-setup flow's policy.
 */
import type { Feature } from '../../lib/feature.js';
import { initialSetupPolicy } from './initial-setup.policy.js';

export const blueprintsFeature: Feature = {
  name: 'flows/blueprints',
  register(app) {
    app.stageRegistry.bindPolicy(initialSetupPolicy);
  },
};
