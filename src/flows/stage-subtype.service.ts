/**
 * The viewset every column-based stage type shares (ModelViewSet + UsedByMixin over a
 * StageSerializer subclass in authentik): list with django-filter/search/ordering, retrieve,
 * create, update, destroy and used_by, with the name unique across all stage types through
 * StageService. Each stage type supplies its columns, defaults and extra validation.
 */
import { storedFlowSet } from './flow-set.sql.js';
import { listScope, pageOf } from '../api/list.js';
import type { Db } from '../db/client.js';
import type { Actor, RequestContext } from '../api/context.js';
import { requireActor } from '../api/context.js';
import { ApiError, Messages } from '../api/errors.js';
import type { FilterReader } from '../api/filters.js';
import type { RawQuery } from '../api/filters.js';
import { lookupVisible } from '../api/lookup.js';
import { readOrdering } from '../api/ordering.js';
import type { Page, PageSizeSettings } from '../api/pagination.js';
import type { UsedByItem } from '../api/schemas.js';
import type { EventService } from '../events/event.service.js';
import type { PermissionService } from '../rbac/permission.service.js';
import type { StageService } from './stage.service.js';
import { stageMeta } from './stage-types.js';
import {
  createSubtypeRepository,
  type SubtypeDefinition,
  type SubtypeFilter,
  type SubtypeRow,
} from './stage-subtype.repository.js';

export interface SubtypeOptions {
  definition: SubtypeDefinition;
  /** Django's object name for "No <Model> matches the given query." */
  modelName: string;
  /** Column values a create fills in when the request leaves them out (the model defaults). */
  defaults: Record<string, unknown>;
  /** Reads the type's own list filters into column values. */
  filters(reader: FilterReader): Record<string, unknown>;
  /**
   * Extra checks on written values (related objects exist, the caller may hand out what the
   * stage will grant), throwing a 400. `current` is the stored row on an update.
   */
  validate?(
    db: Db,
    values: Record<string, unknown>,
    input: Record<string, unknown>,
    caller: { actor: Actor; permissions: PermissionService; current?: SubtypeRow },
  ): Promise<void>;
  /** Fields always rendered with a fixed value (PromptStage.validation_policies: no policies exist). */
  constants?: Record<string, unknown>;
}

type Input = { name?: string } & Record<string, unknown>;

export class SubtypeStageService {
  private readonly meta;
  private readonly permission;

  constructor(
    private readonly db: Db,
    private readonly permissions: PermissionService,
    private readonly events: EventService,
    private readonly stages: StageService,
    private readonly pageDefaults: PageSizeSettings,
    private readonly options: SubtypeOptions,
  ) {
    this.meta = stageMeta(options.definition.type);
    const perm = (action: string) => `${this.meta.app}.${action}_${this.meta.model_name}`;
    this.permission = {
      view: perm('view'),
      add: perm('add'),
      change: perm('change'),
      delete: perm('delete'),
    };
  }

  get addPermission(): string {
    return this.permission.add;
  }

  /** The serializer: the row plus the model metadata (field order comes from the schema). */
  present(row: SubtypeRow): Record<string, unknown> {
    return {
      ...row,
      flow_set: storedFlowSet(row.flow_set),
      component: this.meta.component,
      verbose_name: this.meta.verbose_name,
      verbose_name_plural: this.meta.verbose_name_plural,
      meta_model_name: this.meta.meta_model_name,
      ...(this.options.constants ?? {}),
    };
  }

  async list(ctx: RequestContext, query: RawQuery): Promise<Page<Record<string, unknown>>> {
    const {
      searchTerms,
      visiblePks,
      filters: reader,
    } = await listScope(this.permissions, ctx, query, this.permission.view);
    const repository = createSubtypeRepository(this.db, this.options.definition);
    const relation = this.options.definition.relation;
    const filter: SubtypeFilter = {
      name: reader.text('name'),
      stageUuid: reader.uuid('stage_uuid'),
      columns: this.options.filters(reader),
      related: relation ? reader.uuidList(relation.name) : undefined,
      searchTerms,
      visiblePks,
      ordering: readOrdering(query, repository.orderFields, ['name']),
    };
    reader.finish();
    if (filter.related && relation) {
      // ModelMultipleChoiceFilter: every id must name an existing object.
      const existing = await repository.existingRelated(filter.related);
      const missing = filter.related.find((id) => !existing.has(id));
      if (missing) {
        throw ApiError.field(
          relation.name,
          `Select a valid choice. ${missing} is not one of the available choices.`,
        );
      }
    }
    const result = await pageOf(repository, filter, query, this.pageDefaults);
    return { ...result, results: result.results.map((row) => this.present(row)) };
  }

  private async find(actor: Actor, rawPk: string): Promise<SubtypeRow> {
    const repository = createSubtypeRepository(this.db, this.options.definition);
    const { object } = await lookupVisible(this.permissions, actor, {
      viewPermission: this.permission.view,
      modelName: this.options.modelName,
      rawPk,
      find: (pk) => repository.findByPk(pk),
    });
    return object;
  }

  async retrieve(ctx: RequestContext, rawPk: string): Promise<Record<string, unknown>> {
    return this.present(await this.find(requireActor(ctx), rawPk));
  }

  private async validateRelated(db: Db, input: Input): Promise<void> {
    const relation = this.options.definition.relation;
    if (!relation) return;
    const ids = input[relation.name] as string[] | undefined;
    if (!ids) return;
    const existing = await createSubtypeRepository(db, this.options.definition).existingRelated(ids);
    const missing = ids.find((id) => !existing.has(id));
    if (missing) throw ApiError.field(relation.name, Messages.pkDoesNotExist(missing));
  }

  async create(ctx: RequestContext, input: Input): Promise<Record<string, unknown>> {
    const actor = requireActor(ctx);
    await this.permissions.preload(actor);
    const row = await this.db.transaction(async (tx) => {
      const name = input.name as string;
      await this.stages.assertNameFree(tx, name);
      await this.validateRelated(tx, input);
      const values = { ...this.options.defaults, ...this.columnValues(input) };
      await this.options.validate?.(tx, values, input, { actor, permissions: this.permissions });
      const repository = createSubtypeRepository(tx, this.options.definition);
      const pk = await repository.insert(name, values);
      const relation = this.options.definition.relation;
      if (relation) await repository.setRelated(pk, (input[relation.name] as string[] | undefined) ?? []);
      await this.events.model(tx, ctx, 'model_created', this.modelRef(pk, name));
      return (await repository.findByPk(pk)) as SubtypeRow;
    });
    return this.present(row);
  }

  async update(ctx: RequestContext, rawPk: string, input: Input): Promise<Record<string, unknown>> {
    const actor = requireActor(ctx);
    const current = await this.find(actor, rawPk);
    await this.permissions.requireOnObject(actor, this.permission.change, current.pk);
    await this.permissions.preload(actor);
    const row = await this.db.transaction(async (tx) => {
      if (input.name !== undefined) await this.stages.assertNameFree(tx, input.name, current.pk);
      await this.validateRelated(tx, input);
      const values = this.columnValues(input);
      await this.options.validate?.(tx, values, input, { actor, permissions: this.permissions, current });
      const repository = createSubtypeRepository(tx, this.options.definition);
      await repository.update(current.pk, input.name, values);
      const relation = this.options.definition.relation;
      const related = relation ? (input[relation.name] as string[] | undefined) : undefined;
      if (related) await repository.setRelated(current.pk, related);
      await this.events.model(
        tx,
        ctx,
        'model_updated',
        this.modelRef(current.pk, input.name ?? current.name),
      );
      return (await repository.findByPk(current.pk)) as SubtypeRow;
    });
    return this.present(row);
  }

  async destroy(ctx: RequestContext, rawPk: string): Promise<void> {
    const actor = requireActor(ctx);
    const current = await this.find(actor, rawPk);
    await this.permissions.requireOnObject(actor, this.permission.delete, current.pk);
    await this.stages.destroy(ctx, current.pk, this.options.definition.type, this.options.modelName);
  }

  async usedBy(ctx: RequestContext, rawPk: string): Promise<UsedByItem[]> {
    const actor = requireActor(ctx);
    const current = await this.find(actor, rawPk);
    return this.stages.usedBy(actor, current.pk);
  }

  private columnValues(input: Input): Record<string, unknown> {
    const values: Record<string, unknown> = {};
    for (const column of this.options.definition.columns) {
      if (input[column.name] !== undefined) values[column.name] = input[column.name];
    }
    return values;
  }

  private modelRef(pk: string, name: string) {
    // authentik's model_to_dict names an object by its `name` field when it has one.
    return { app: this.meta.app, model_name: this.meta.model_name, pk, name };
  }
}
