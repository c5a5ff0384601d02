/**
 * The prompt stage (authentik/stages/prompt): the prompts (/api/v3/stages/prompt/prompts/,
 * PromptViewSet), the prompt stages' viewset (/api/v3/stages/prompt/stages/, PromptStageViewSet)
 * and the handler.
 */
import { mountRoutes } from '../../api/routes.js';
import { ApiError, Messages } from '../../api/errors.js';
import { noChoices, type FilterDef } from '../../api/list-spec.js';
import { defineStage } from '../../flows/stage-definition.js';
import { PromptService } from './prompt.service.js';
import { promptRoutes, promptViews } from './prompt.routes.js';
import { promptStageSchemas } from './prompt.schema.js';
import { createPromptStageHandler } from './prompt.stage.js';

export const promptFeature = defineStage({
  type: 'prompt',
  app: 'authentik_stages_prompt',
  appVerboseName: 'authentik Stages.Prompt',
  model: 'promptstage',
  component: 'ak-stage-prompt-form',
  verboseName: 'Prompt Stage',
  path: '/stages/prompt/stages/',
  table: 'prompt_stages',
  columns: [],
  relation: {
    name: 'fields',
    table: 'prompt_stage_fields',
    column: 'prompt_uuid',
    target: 'prompts',
    targetColumn: 'prompt_uuid',
  },
  // Tessera has no policies: any policy id names an object that does not exist.
  filters: { validation_policies: noChoices('parsed') as FilterDef<never> },
  defaults: {},
  async validate(_db, _values, input) {
    const policies = input.validation_policies as string[] | undefined;
    if (policies?.length) throw ApiError.field('validation_policies', Messages.pkDoesNotExist(policies[0]));
  },
  constants: { validation_policies: [] },
  schemas: promptStageSchemas,
  handler: (app) => createPromptStageHandler(app.database.changes),
  registerBefore(app) {
    const prompts = new PromptService({
      db: app.database.db,
      permissions: app.permissions,
      events: app.events,
      pageSizes: app.config.pagination,
    });
    mountRoutes(app, promptRoutes(prompts), promptViews);
  },
});
