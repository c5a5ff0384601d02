/**
 * The prompt stage at runtime (authentik/stages/prompt/stage.py PromptStageView): shows the
 * stage's prompts, pre-filled from the plan's prompt data (an invitation's fixed_data), and
 * merges a valid answer into that data.
 */
import type { Db } from '../../db/client.js';
import { NotifiedCache, type ChangeFeed } from '../../db/change-feed.js';
import type { StageHandler } from '../../flows/executor/stage-registry.js';
import { PLAN_CONTEXT_PENDING_USER, PLAN_CONTEXT_PROMPT } from '../../flows/executor/context-keys.js';
import { createPromptRepository } from './prompt.repository.js';
import { challengeField, validateAnswer, type PromptField } from './prompt-fields.js';

function promptData(context: Record<string, unknown>): Record<string, unknown> {
  const data = context[PLAN_CONTEXT_PROMPT];
  return data && typeof data === 'object' ? (data as Record<string, unknown>) : {};
}

/**
 * authentik reads a prompt stage's fields on every request (stage.py, `fields.all()`). Here
 * they are kept per stage until a change to prompts or to a stage's fields is notified (topic
 * `flows`, migration 0008), as the executor keeps flows: both requests of a prompt (show,
 * answer) then cost no read.
 */
export function createPromptStageHandler(changes: ChangeFeed): StageHandler {
  const cache = new NotifiedCache<readonly PromptField[]>(changes, 'flows', 1000);
  const fieldsOf = async (db: Db, stagePk: string): Promise<readonly PromptField[]> => {
    const cached = cache.get(stagePk);
    if (cached) return cached;
    const mark = cache.mark();
    const fields = await createPromptRepository(db).forStage(stagePk);
    // Shared by every request that shows this stage: nothing may change them.
    const frozen = Object.freeze(fields.map((field) => Object.freeze(field)));
    cache.set(mark, stagePk, frozen);
    return frozen;
  };
  return {
    type: 'prompt',
    challenge: async (run) => {
      const fields = await fieldsOf(run.db, run.binding.stage);
      const data = promptData(run.plan.context);
      return { component: 'ak-stage-prompt', fields: fields.map((field) => challengeField(field, data)) };
    },
    submit: async (run, answer) => {
      const fields = await fieldsOf(run.db, run.binding.stage);
      const pending = run.plan.context[PLAN_CONTEXT_PENDING_USER];
      // username_field_validator_factory: taken by anyone but the pending user.
      const usernameTaken = (username: string) =>
        createPromptRepository(run.db).usernameTaken(
          username,
          typeof pending === 'number' ? pending : undefined,
        );
      const current = promptData(run.plan.context);
      const result = await validateAnswer(fields, answer ?? {}, current, usernameTaken);
      if (Object.keys(result.errors).length > 0) return { result: 'invalid', errors: result.errors };
      run.plan.context[PLAN_CONTEXT_PROMPT] = { ...current, ...result.data };
      return { result: 'ok' };
    },
  };
}
