/**
 * The viewset every stage type shares (ModelViewSet + UsedByMixin over a StageSerializer
 * subclass in authentik): the generic viewset over a stage type's definition, with the name
 * unique across all stage types and `used_by` through StageService. Each stage type supplies
 * its columns, defaults and extra validation.
 */
import { storedFlowSet } from './flow-set.sql.js';
import type { Db } from '../db/client.js';
import type { Actor } from '../api/context.js';
import { ApiError, Messages } from '../api/errors.js';
import type { PageSizeSettings } from '../api/pagination.js';
import { ModelViewSet, type Caller } from '../api/viewset.js';
import type { EventService } from '../events/event.service.js';
import type { PermissionService } from '../rbac/permission.service.js';
import type { StageService } from './stage.service.js';
import { createStageRepository } from './stage.repository.js';
import { stageMeta } from './stage-types.js';
import {
  createSubtypeRepository,
  subtypeList,
  type SubtypeDefinition,
  type SubtypeRow,
} from './stage-subtype.repository.js';

export interface SubtypeOptions {
  definition: SubtypeDefinition;
  /** Django's object name for "No <Model> matches the given query." */
  modelName: string;
  /** Column values a create fills in when the request leaves them out (the model defaults). */
  defaults: Record<string, unknown>;
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
type Body = Record<string, unknown>;

export class SubtypeStageService extends ModelViewSet<SubtypeRow, Body, Input> {
  constructor(
    db: Db,
    permissions: PermissionService,
    events: EventService,
    stages: StageService,
    pageSizes: PageSizeSettings,
    options: SubtypeOptions,
  ) {
    const def = options.definition;
    const meta = stageMeta(def.type);
    const relation = def.relation;
    const columnValues = (input: Input) => {
      const values: Record<string, unknown> = {};
      for (const column of def.columns) {
        if (input[column.name] !== undefined) values[column.name] = input[column.name];
      }
      return values;
    };
    const validateRelated = async (tx: Db, input: Input) => {
      const ids = relation ? (input[relation.name] as string[] | undefined) : undefined;
      if (!relation || !ids) return;
      const existing = await createSubtypeRepository(tx, def).existingRelated(ids);
      const missing = ids.find((id) => !existing.has(id));
      if (missing) throw ApiError.field(relation.name, Messages.pkDoesNotExist(missing));
    };
    const validate = (tx: Db, values: Body, input: Input, caller: Caller, current?: SubtypeRow) =>
      options.validate?.(tx, values, input, {
        actor: caller.actor,
        permissions,
        current,
      });

    super(
      { db, permissions, events, pageSizes },
      {
        model: `${meta.app}.${meta.model_name}`,
        objectName: options.modelName,
        list: subtypeList(def),
        findByPk: (tx, pk) => createSubtypeRepository(tx, def).findByPk(pk),
        // The serializer: the row plus the model metadata (field order comes from the schema).
        // The row is completed in place rather than copied: it is the request's own, fresh
        // from its query, and every stage type's rows pass through this one function, where an
        // object spread sees as many shapes as there are stage types and takes V8's generic,
        // slow copy on every row of every list.
        present: (row) => {
          const body = row as Record<string, unknown>;
          body.flow_set = storedFlowSet(row.flow_set);
          body.component = meta.component;
          body.verbose_name = meta.verbose_name;
          body.verbose_name_plural = meta.verbose_name_plural;
          body.meta_model_name = meta.meta_model_name;
          if (options.constants) Object.assign(body, options.constants);
          return body as Body;
        },
        preloadGrants: options.validate !== undefined,
        async insert(tx, input, caller) {
          const name = input.name as string;
          await stages.assertNameFree(tx, name);
          await validateRelated(tx, input);
          const values = { ...options.defaults, ...columnValues(input) };
          await validate(tx, values, input, caller);
          const repository = createSubtypeRepository(tx, def);
          const pk = await repository.insert(name, values);
          if (relation) await repository.setRelated(pk, (input[relation.name] as string[] | undefined) ?? []);
          return pk;
        },
        async update(tx, current, input, caller) {
          if (input.name !== undefined) await stages.assertNameFree(tx, input.name, current.pk);
          await validateRelated(tx, input);
          const values = columnValues(input);
          await validate(tx, values, input, caller, current);
          const repository = createSubtypeRepository(tx, def);
          await repository.update(current.pk, input.name, values);
          const related = relation ? (input[relation.name] as string[] | undefined) : undefined;
          if (related) await repository.setRelated(current.pk, related);
        },
        // The stage row goes; its type row and its bindings cascade.
        delete: async (tx, current) => (await createStageRepository(tx).delete(current.pk)) !== undefined,
        usedBy: (actor, current) => stages.usedBy(actor, current.pk),
      },
    );
  }

  get addPermission(): string {
    return this.permission.add;
  }
}
