/** The prompt stage's viewset (authentik/stages/prompt/api.py PromptStageViewSet). */
import { ApiError, Messages } from '../../api/errors.js';
import type { SubtypeDefinition } from '../../flows/stage-subtype.repository.js';
import type { SubtypeOptions } from '../../flows/stage-subtype.service.js';
import { defineStageType } from '../../flows/stage-types.js';

export const PROMPT_STAGE_TYPE = defineStageType('prompt', {
  app: 'authentik_stages_prompt',
  model: 'promptstage',
  component: 'ak-stage-prompt-form',
  verboseName: 'Prompt Stage',
});

export const PROMPT_STAGE: SubtypeDefinition = {
  type: 'prompt',
  table: 'prompt_stages',
  columns: [],
  relation: {
    name: 'fields',
    table: 'prompt_stage_fields',
    column: 'prompt_uuid',
    target: 'prompts',
    targetColumn: 'prompt_uuid',
  },
};

export const promptStageOptions: SubtypeOptions = {
  definition: PROMPT_STAGE,
  modelName: 'PromptStage',
  defaults: {},
  filters: (reader) => {
    // Tessera has no policies: any policy id names an object that does not exist.
    const policies = reader.uuidList('validation_policies');
    if (policies?.length) {
      reader.fail(
        'validation_policies',
        `Select a valid choice. ${policies[0]} is not one of the available choices.`,
      );
    }
    return {};
  },
  async validate(_db, _values, input) {
    const policies = input.validation_policies as string[] | undefined;
    if (policies?.length) throw ApiError.field('validation_policies', Messages.pkDoesNotExist(policies[0]));
  },
  constants: { validation_policies: [] },
};
