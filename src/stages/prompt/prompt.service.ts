/** Prompts (authentik/stages/prompt/api.py PromptViewSet): list, CRUD, used_by and preview. */
import { randomBytes } from 'node:crypto';
import type { Db } from '../../db/client.js';
import type { Actor, RequestContext } from '../../api/context.js';
import { ApiError, Messages } from '../../api/errors.js';
import type { UsedByItem } from '../../api/schemas.js';
import { ModelViewSet, type ViewSetDeps } from '../../api/viewset.js';
import { stageDisplayName } from '../../flows/stage-types.js';
import {
  createPromptRepository,
  promptList,
  type PromptRow,
  type PromptValues,
} from './prompt.repository.js';
import type { PromptBody, PromptInput } from './prompt.schema.js';
import { challengeField } from './prompt-fields.js';

/** Model defaults (authentik/stages/prompt/models.py). */
const DEFAULTS = {
  required: true,
  placeholder: '',
  initial_value: '',
  order: 0,
  sub_text: '',
  placeholder_expression: false,
  initial_value_expression: false,
};

async function assertNameFree(db: Db, name: string | undefined, exceptPk?: string): Promise<void> {
  if (name !== undefined && (await createPromptRepository(db).nameTaken(name, exceptPk))) {
    throw ApiError.field('name', Messages.uniqueName('Prompt'));
  }
}

export class PromptService extends ModelViewSet<PromptRow, PromptBody, PromptInput> {
  static readonly permissions = {
    view: 'authentik_stages_prompt.view_prompt',
    add: 'authentik_stages_prompt.add_prompt',
    change: 'authentik_stages_prompt.change_prompt',
    delete: 'authentik_stages_prompt.delete_prompt',
  } as const;

  constructor(deps: ViewSetDeps) {
    super(deps, {
      model: 'authentik_stages_prompt.prompt',
      objectName: 'Prompt',
      list: promptList(),
      async insert(tx, input) {
        await assertNameFree(tx, input.name);
        return createPromptRepository(tx).insert({ ...DEFAULTS, ...input } as PromptValues);
      },
      async update(tx, current, input) {
        await assertNameFree(tx, input.name, current.pk);
        await createPromptRepository(tx).update(current.pk, input as Partial<PromptValues>);
      },
      delete: (tx, current) => createPromptRepository(tx).delete(current.pk),
      usedBy: (actor, current) => this.stagesUsing(actor, current),
    });
  }

  /** The prompt stages holding the prompt (a many-to-many: removing the prompt leaves them). */
  private async stagesUsing(actor: Actor, current: PromptRow): Promise<UsedByItem[]> {
    const { db, permissions } = this.deps;
    const stages = await createPromptRepository(db).stages(current.pk);
    const view = 'authentik_stages_prompt.view_promptstage';
    const all = await permissions.hasGlobal(actor, view);
    const items: UsedByItem[] = [];
    for (const stage of stages) {
      if (!all && !(await permissions.hasOnObject(actor, view, stage.pk))) continue;
      items.push({
        app: 'authentik_stages_prompt',
        model_name: 'promptstage',
        pk: stage.pk,
        name: stageDisplayName(stage.name),
        action: 'cascade_many',
      });
    }
    return items;
  }

  /** `preview`: the prompt as a flow would receive it, without saving it. */
  async preview(_ctx: RequestContext, input: PromptInput): Promise<Record<string, unknown>> {
    const values = { ...DEFAULTS, ...input, name: randomBytes(20).toString('hex') };
    return { component: 'ak-stage-prompt', fields: [challengeField(values, {})] };
  }
}
