/** The email stage: its handler, its viewset (/api/v3/stages/email/) and the cleanup of dead links. */
import type { Feature } from '../../lib/feature.js';
import { mountRoutes } from '../../api/routes.js';
import { subtypeStageService } from '../../flows/flow.feature.js';
import { emailStageOptions } from './email-stage.service.js';
import { emailStageRoutes, emailStageViews } from './email-stage.routes.js';
import { createEmailStageHandler } from './email.stage.js';
import { createEmailRepository } from './email.repository.js';
import './email-challenge.schema.js';

export const emailFeature: Feature = {
  name: 'stages/email',
  register(app) {
    const { config } = app;
    const { db } = app.database;
    app.stageRegistry.register(
      createEmailStageHandler({ email: config.email, externalUrl: config.externalUrl }),
    );
    mountRoutes(app, emailStageRoutes(subtypeStageService(app, emailStageOptions)), emailStageViews);
    app.tasks.add({
      // authentik/core/tasks.py clean_expired_models ("Remove expired objects"), for FlowTokens.
      name: 'clean_expired_flow_tokens',
      intervalSeconds: config.cleanupIntervalSeconds,
      run: async () => {
        await createEmailRepository(db).deleteExpired();
      },
    });
  },
};
