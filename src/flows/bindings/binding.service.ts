/** Flow-stage bindings (authentik/flows/api/bindings.py FlowStageBindingViewSet). */
import type { Db } from '../../db/client.js';
import { ApiError, Messages, type FieldErrors } from '../../api/errors.js';
import { ModelViewSet, type ViewSetDeps } from '../../api/viewset.js';
import { stageMeta } from '../stage-types.js';
import { storedFlowSet } from '../flow-set.sql.js';
import { bindingList, createBindingRepository, type BindingRow } from './binding.repository.js';
import type { FlowStageBindingBody, FlowStageBindingInput } from './binding.schema.js';

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

/**
 * The serializer's checks: related objects must exist, (target, stage, order) must be unique,
 * and at least one evaluation flag must be on — judged from the submitted values alone with
 * the model defaults, as authentik's `validate()` does, not from the stored row.
 */
async function validate(
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

export class BindingService extends ModelViewSet<BindingRow, FlowStageBindingBody, FlowStageBindingInput> {
  constructor(deps: ViewSetDeps) {
    super(deps, {
      model: 'authentik_flows.flowstagebinding',
      objectName: 'FlowStageBinding',
      list: bindingList,
      present: presentBinding,
      auditName: bindingDisplayName,
      async insert(tx, input) {
        await validate(tx, input, input);
        return createBindingRepository(tx).insert(input);
      },
      async update(tx, current, input) {
        const merged = {
          target: input.target ?? current.target,
          stage: input.stage ?? current.stage,
          order: input.order ?? current.order,
        };
        await validate(tx, input, merged, current.pk);
        await createBindingRepository(tx).update(current.pk, input);
      },
      delete: (tx, current) => createBindingRepository(tx).delete(current.pk),
      // Nothing in Tessera references a binding (authentik: its policy bindings): used_by is empty.
    });
  }
}
