/**
 * The prompt stage's challenge and its answer (authentik/stages/prompt/stage.py
 * PromptChallenge, PromptChallengeResponse), added to the executor's unions.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Nullable, component, ref } from '../../api/schemas.js';
import { addChallenge, addChallengeResponse, challenge } from '../../flows/executor/challenge.schema.js';
import { PromptTypeEnum } from './prompt.schema.js';

export const PromptChoice = component(
  'PromptChoice',
  Type.Object(
    { value: Type.String(), label: Type.String() },
    { description: 'Serializer for a single Choice field' },
  ),
);

export const StagePrompt = component(
  'StagePrompt',
  Type.Object(
    {
      field_key: Type.String(),
      label: Type.String(),
      type: ref(PromptTypeEnum),
      required: Type.Boolean(),
      placeholder: Type.String(),
      initial_value: Type.String(),
      order: Type.Integer(),
      sub_text: Type.String(),
      choices: Nullable(Type.Array(ref(PromptChoice))),
    },
    { description: 'Serializer for a single Prompt field' },
  ),
);
export type StagePromptBody = Static<typeof StagePrompt>;

export const PromptChallenge = challenge(
  'PromptChallenge',
  'ak-stage-prompt',
  { fields: Type.Array(ref(StagePrompt)) },
  'Initial challenge being sent, define fields',
);

export const PromptChallengeResponseRequest = component(
  'PromptChallengeResponseRequest',
  Type.Unsafe<Record<string, unknown>>({
    type: 'object',
    description: 'Validate response, fields are dynamically created based\non the stage',
    properties: { component: { type: 'string', minLength: 1, default: 'ak-stage-prompt' } },
    additionalProperties: {},
  }),
);

addChallenge('ak-stage-prompt', PromptChallenge);
addChallengeResponse('ak-stage-prompt', PromptChallengeResponseRequest);
