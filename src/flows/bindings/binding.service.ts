/** Flow-stage bindings (authentik/flows/api/bindings.py FlowStageBindingViewSet). */
import { listScope, pageOf } from '../../api/list.js';
import type { Db } from '../../db/client.js';
import { requireActor, type Actor, type RequestContext } from '../../api/context.js';
import { ApiError, Messages, type FieldErrors } from '../../api/errors.js';
import { allValues, type RawQuery } from '../../api/filters.js';
import { lookupVisible } from '../../api/lookup.js';
import { readOrdering } from '../../api/ordering.js';
import type { Page, PageSizeSettings } from '../../api/pagination.js';
import type { UsedByItem } from '../../api/schemas.js';
import type { EventService } from '../../events/event.service.js';
import type { PermissionService } from '../../rbac/permission.service.js';
import { stageMeta } from '../stage-types.js';
import { storedFlowSet } from '../flow-set.sql.js';
import { POLICY_ENGINE_MODES } from '../flow.schema.js';
import {
  BINDING_ORDER_FIELDS,
  createBindingRepository,
  type BindingFilter,
  type BindingRow,
} from './binding.repository.js';
import {
  INVALID_RESPONSE_ACTIONS,
  type FlowStageBindingBody,
  type FlowStageBindingInput,
} from './binding.schema.js';

const PERMISSION = {
  view: 'authentik_flows.view_flowstagebinding',
  add: 'authentik_flows.add_flowstagebinding',
  change: 'authentik_flows.change_flowstagebinding',
  delete: 'authentik_flows.delete_flowstagebinding',
} as const;

export function presentBinding(row: BindingRow): FlowStageBindingBody {
  const meta = stageMeta(row.stage_type);
  return {
    pk: row.pk,
    policybindingmodel_ptr_id: row.policybindingmodel_ptr_id,
    target: row.target,
    stage: row.stage,
    stage_obj: {
      pk: row.stage,
      name: row.stage_name,
      component: meta.component,
      verbose_name: meta.verbose_name,
      verbose_name_plural: meta.verbose_name_plural,
      meta_model_name: meta.meta_model_name,
      flow_set: storedFlowSet(row.stage_flow_set),
    },
    evaluate_on_plan: row.evaluate_on_plan,
    re_evaluate_policies: row.re_evaluate_policies,
    order: row.order,
    policy_engine_mode: row.policy_engine_mode as FlowStageBindingBody['policy_engine_mode'],
    invalid_response_action: row.invalid_response_action as FlowStageBindingBody['invalid_response_action'],
  };
}

/** str(binding) in authentik. */
function bindingDisplayName(row: { order: number; target: string }): string {
  return `Flow-stage binding #${row.order} to ${row.target}`;
}

export class BindingService {
  constructor(
    private readonly db: Db,
    private readonly permissions: PermissionService,
    private readonly events: EventService,
    private readonly pageDefaults: PageSizeSettings,
  ) {}

  async list(ctx: RequestContext, query: RawQuery): Promise<Page<FlowStageBindingBody>> {
    const { searchTerms, visiblePks, filters } = await listScope(
      this.permissions,
      ctx,
      query,
      PERMISSION.view,
    );
    const filter: BindingFilter = {
      evaluateOnPlan: filters.drfBoolean('evaluate_on_plan'),
      fsbUuid: filters.uuid('fsb_uuid'),
      invalidResponseAction: filters.choice('invalid_response_action', INVALID_RESPONSE_ACTIONS),
      order: filters.integer('order'),
      pbmUuid: filters.uuid('pbm_uuid'),
      policies: filters.uuidList('policies'),
      policyEngineMode: filters.choice('policy_engine_mode', POLICY_ENGINE_MODES),
      reEvaluatePolicies: filters.drfBoolean('re_evaluate_policies'),
      stage: filters.modelChoiceUuid('stage'),
      target: filters.modelChoiceUuid('target'),
      searchTerms,
      visiblePks,
      ordering: readOrdering(query, BINDING_ORDER_FIELDS, ['order', 'pk']),
    };
    const repository = createBindingRepository(this.db);
    // `filterset_fields = "__all__"` makes the foreign keys ModelChoiceFilters (an unknown id is
    // a 400) and `policies` a ModelMultipleChoiceFilter; Tessera stores no policies, so any
    // well-formed policy id is an unknown choice.
    // @see django_filters/filterset.py FILTER_FOR_DBFIELD_DEFAULTS
    if (filter.target !== undefined && !(await repository.exists('flows', filter.target))) {
      filters.fail('target', Messages.invalidModelChoice);
    }
    if (filter.stage !== undefined && !(await repository.exists('stages', filter.stage))) {
      filters.fail('stage', Messages.invalidModelChoice);
    }
    if (filter.policies !== undefined && filter.policies.length > 0) {
      filters.fail('policies', Messages.invalidMultipleChoice(allValues(query, 'policies')[0]));
    }
    filters.finish();
    const page = await pageOf(repository, filter, query, this.pageDefaults);
    return { ...page, results: page.results.map(presentBinding) };
  }

  private async find(actor: Actor, rawPk: string): Promise<BindingRow> {
    const repository = createBindingRepository(this.db);
    const { object } = await lookupVisible(this.permissions, actor, {
      viewPermission: PERMISSION.view,
      modelName: 'FlowStageBinding',
      rawPk,
      find: (pk) => repository.findByPk(pk),
    });
    return object;
  }

  async retrieve(ctx: RequestContext, rawPk: string): Promise<FlowStageBindingBody> {
    return presentBinding(await this.find(requireActor(ctx), rawPk));
  }

  /**
   * The serializer's checks: related objects must exist, (target, stage, order) must be unique,
   * and at least one evaluation flag must be on — judged from the submitted values alone with
   * the model defaults, as authentik's `validate()` does, not from the stored row.
   */
  private async validate(
    db: Db,
    input: Partial<FlowStageBindingInput>,
    merged: { target: string; stage: string; order: number },
    exceptPk?: string,
  ): Promise<void> {
    const repository = createBindingRepository(db);
    const errors: FieldErrors = {};
    if (input.target !== undefined && !(await repository.exists('flows', input.target))) {
      errors.target = [Messages.pkDoesNotExist(input.target)];
    }
    if (input.stage !== undefined && !(await repository.exists('stages', input.stage))) {
      errors.stage = [Messages.pkDoesNotExist(input.stage)];
    }
    if (Object.keys(errors).length > 0) throw ApiError.validation(errors);
    if (await repository.duplicate(merged.target, merged.stage, merged.order, exceptPk)) {
      throw ApiError.nonField('The fields target, stage, order must make a unique set.');
    }
    if (!(input.evaluate_on_plan ?? false) && !(input.re_evaluate_policies ?? true)) {
      throw ApiError.nonField('Either evaluation on plan or evaluation on run must be enabled');
    }
  }

  async create(ctx: RequestContext, input: FlowStageBindingInput): Promise<FlowStageBindingBody> {
    return this.db.transaction(async (tx) => {
      await this.validate(tx, input, input);
      const repository = createBindingRepository(tx);
      const pk = await repository.insert(input);
      const row = (await repository.findByPk(pk)) as BindingRow;
      await this.events.model(tx, ctx, 'model_created', this.modelRef(row));
      return presentBinding(row);
    });
  }

  async update(
    ctx: RequestContext,
    rawPk: string,
    input: Partial<FlowStageBindingInput>,
  ): Promise<FlowStageBindingBody> {
    const actor = requireActor(ctx);
    const current = await this.find(actor, rawPk);
    await this.permissions.requireOnObject(actor, PERMISSION.change, current.pk);
    return this.db.transaction(async (tx) => {
      const merged = {
        target: input.target ?? current.target,
        stage: input.stage ?? current.stage,
        order: input.order ?? current.order,
      };
      await this.validate(tx, input, merged, current.pk);
      const repository = createBindingRepository(tx);
      await repository.update(current.pk, input);
      const row = (await repository.findByPk(current.pk)) as BindingRow;
      await this.events.model(tx, ctx, 'model_updated', this.modelRef(row));
      return presentBinding(row);
    });
  }

  async destroy(ctx: RequestContext, rawPk: string): Promise<void> {
    const actor = requireActor(ctx);
    const current = await this.find(actor, rawPk);
    await this.permissions.requireOnObject(actor, PERMISSION.delete, current.pk);
    await this.db.transaction(async (tx) => {
      // The DELETE's own result decides: a concurrent delete that removed the row first wins,
      // and this one answers 404 with its event rolled back.
      if (!(await createBindingRepository(tx).delete(current.pk))) {
        throw ApiError.notFound(Messages.noMatch('FlowStageBinding'));
      }
      await this.events.model(tx, ctx, 'model_deleted', this.modelRef(current));
    });
  }

  /** Nothing in Tessera references a binding (authentik: its policy bindings). */
  async usedBy(ctx: RequestContext, rawPk: string): Promise<UsedByItem[]> {
    await this.find(requireActor(ctx), rawPk);
    return [];
  }

  private modelRef(row: BindingRow) {
    return {
      app: 'authentik_flows',
      model_name: 'flowstagebinding',
      pk: row.pk,
      name: bindingDisplayName(row),
    };
  }
}
