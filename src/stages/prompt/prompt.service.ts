/** Prompts (authentik/stages/prompt/api.py PromptViewSet): list, CRUD, used_by and preview. */
import { listScope, pageOf } from '../../api/list.js';
import { randomBytes } from 'node:crypto';
import type { Db } from '../../db/client.js';
import type { Actor, RequestContext } from '../../api/context.js';
import { requireActor } from '../../api/context.js';
import { ApiError, Messages } from '../../api/errors.js';
import type { RawQuery } from '../../api/filters.js';
import { lookupVisible } from '../../api/lookup.js';
import { readOrdering } from '../../api/ordering.js';
import type { Page, PageSizeSettings } from '../../api/pagination.js';
import type { UsedByItem } from '../../api/schemas.js';
import type { EventService } from '../../events/event.service.js';
import type { PermissionService } from '../../rbac/permission.service.js';
import { stageDisplayName } from '../../flows/stage-types.js';
import {
  PROMPT_ORDER_FIELDS,
  createPromptRepository,
  type PromptFilter,
  type PromptRow,
  type PromptValues,
} from './prompt.repository.js';
import { PROMPT_TYPES, type PromptBody, type PromptInput } from './prompt.schema.js';
import { challengeField } from './prompt-fields.js';

const PERMISSION = {
  view: 'authentik_stages_prompt.view_prompt',
  add: 'authentik_stages_prompt.add_prompt',
  change: 'authentik_stages_prompt.change_prompt',
  delete: 'authentik_stages_prompt.delete_prompt',
} as const;

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

export class PromptService {
  static readonly permissions = PERMISSION;

  constructor(
    private readonly db: Db,
    private readonly permissions: PermissionService,
    private readonly events: EventService,
    private readonly pageDefaults: PageSizeSettings,
  ) {}

  async list(ctx: RequestContext, query: RawQuery): Promise<Page<PromptBody>> {
    const { searchTerms, visiblePks, filters } = await listScope(
      this.permissions,
      ctx,
      query,
      PERMISSION.view,
    );
    const filter: PromptFilter = {
      fieldKey: filters.text('field_key'),
      label: filters.text('label'),
      name: filters.text('name'),
      placeholder: filters.text('placeholder'),
      type: filters.choice('type', PROMPT_TYPES),
      searchTerms,
      visiblePks,
      ordering: readOrdering(query, PROMPT_ORDER_FIELDS, ['field_key']),
    };
    filters.finish();
    const repository = createPromptRepository(this.db);
    return pageOf(repository, filter, query, this.pageDefaults) as Promise<Page<PromptBody>>;
  }

  private async find(actor: Actor, rawPk: string): Promise<PromptRow> {
    const repository = createPromptRepository(this.db);
    const { object } = await lookupVisible(this.permissions, actor, {
      viewPermission: PERMISSION.view,
      modelName: 'Prompt',
      rawPk,
      find: (pk) => repository.findByPk(pk),
    });
    return object;
  }

  async retrieve(ctx: RequestContext, rawPk: string): Promise<PromptBody> {
    return (await this.find(requireActor(ctx), rawPk)) as PromptBody;
  }

  private async assertNameFree(db: Db, name: string, exceptPk?: string): Promise<void> {
    if (await createPromptRepository(db).nameTaken(name, exceptPk)) {
      throw ApiError.field('name', Messages.uniqueName('Prompt'));
    }
  }

  async create(ctx: RequestContext, input: PromptInput): Promise<PromptBody> {
    return this.db.transaction(async (tx) => {
      await this.assertNameFree(tx, input.name);
      const repository = createPromptRepository(tx);
      const values = { ...DEFAULTS, ...input } as PromptValues;
      const pk = await repository.insert(values);
      await this.events.model(tx, ctx, 'model_created', this.modelRef(pk, values));
      return (await repository.findByPk(pk)) as PromptBody;
    });
  }

  async update(ctx: RequestContext, rawPk: string, input: Partial<PromptInput>): Promise<PromptBody> {
    const actor = requireActor(ctx);
    const current = await this.find(actor, rawPk);
    await this.permissions.requireOnObject(actor, PERMISSION.change, current.pk);
    return this.db.transaction(async (tx) => {
      if (input.name !== undefined) await this.assertNameFree(tx, input.name, current.pk);
      const repository = createPromptRepository(tx);
      await repository.update(current.pk, input as Partial<PromptValues>);
      const row = (await repository.findByPk(current.pk)) as PromptRow;
      await this.events.model(tx, ctx, 'model_updated', this.modelRef(current.pk, row));
      return row as PromptBody;
    });
  }

  async destroy(ctx: RequestContext, rawPk: string): Promise<void> {
    const actor = requireActor(ctx);
    const current = await this.find(actor, rawPk);
    await this.permissions.requireOnObject(actor, PERMISSION.delete, current.pk);
    await this.db.transaction(async (tx) => {
      // The DELETE's own result decides: a concurrent delete that removed the row first wins,
      // and this one answers 404 with its event rolled back.
      if (!(await createPromptRepository(tx).delete(current.pk))) {
        throw ApiError.notFound(Messages.noMatch('Prompt'));
      }
      await this.events.model(tx, ctx, 'model_deleted', this.modelRef(current.pk, current));
    });
  }

  /** The prompt stages holding the prompt (a many-to-many: removing the prompt leaves them). */
  async usedBy(ctx: RequestContext, rawPk: string): Promise<UsedByItem[]> {
    const actor = requireActor(ctx);
    const current = await this.find(actor, rawPk);
    const stages = await createPromptRepository(this.db).stages(current.pk);
    const view = 'authentik_stages_prompt.view_promptstage';
    const all = await this.permissions.hasGlobal(actor, view);
    const items: UsedByItem[] = [];
    for (const stage of stages) {
      if (!all && !(await this.permissions.hasOnObject(actor, view, stage.pk))) continue;
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

  /** authentik's model_to_dict names an object by its `name` field when it has one. */
  private modelRef(pk: string, row: { name: string }) {
    return { app: 'authentik_stages_prompt', model_name: 'prompt', pk, name: row.name };
  }
}
