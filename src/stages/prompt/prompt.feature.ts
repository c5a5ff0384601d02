/** The prompt stage: its handler, prompts and prompt stages (/api/v3/stages/prompt/). */
import type { Feature } from '../../lib/feature.js';
import { mountRoutes } from '../../api/routes.js';
import { subtypeStageService } from '../../flows/flow.feature.js';
import { PromptService } from './prompt.service.js';
import { promptRoutes, promptViews } from './prompt.routes.js';
import { promptStageOptions } from './prompt-stage.service.js';
import { createPromptStageHandler } from './prompt.stage.js';

export const promptFeature: Feature = {
  name: 'stages/prompt',
  register(app) {
    const { db, changes } = app.database;
    app.stageRegistry.register(createPromptStageHandler(changes));
    const prompts = new PromptService(db, app.permissions, app.events, app.config.pagination);
    mountRoutes(app, promptRoutes(prompts, subtypeStageService(app, promptStageOptions)), promptViews);
  },
};
