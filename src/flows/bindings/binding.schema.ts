/** FlowStageBinding wire shapes (authentik/flows/api/bindings.py FlowStageBindingSerializer). */
import { Type, type Static } from '@sinclair/typebox';
import { ReadOnly, StringEnum, component, paginated, ref, requestComponents } from '../../api/schemas.js';
import { PolicyEngineMode } from '../flow.schema.js';
import { Stage } from '../stage.schema.js';

export const INVALID_RESPONSE_ACTIONS = ['retry', 'restart', 'restart_with_context'] as const;
export const InvalidResponseActionEnum = StringEnum('InvalidResponseActionEnum', INVALID_RESPONSE_ACTIONS);

const invalidResponseAction = Type.Unsafe<Static<typeof InvalidResponseActionEnum>>({
  allOf: [ref(InvalidResponseActionEnum)],
  description:
    'Configure how the flow executor should handle an invalid response to a challenge. RETRY returns the error message and a similar challenge to the executor. RESTART restarts the flow from the beginning, and RESTART_WITH_CONTEXT restarts the flow while keeping the current context.',
});

const writable = {
  // PrimaryKeyRelatedFields: DRF's related-field validation, existence checked by the service.
  target: Type.String({ format: 'uuid', 'x-drf-pk': 'uuid' }),
  stage: Type.String({ format: 'uuid', 'x-drf-pk': 'uuid' }),
  evaluate_on_plan: Type.Optional(
    Type.Boolean({ description: 'Evaluate policies during the Flow planning process.' }),
  ),
  re_evaluate_policies: Type.Optional(
    Type.Boolean({ description: 'Evaluate policies when the Stage is presented to the user.' }),
  ),
  order: Type.Integer({ maximum: 2147483647, minimum: -2147483648 }),
  policy_engine_mode: Type.Optional(ref(PolicyEngineMode)),
  invalid_response_action: Type.Optional(invalidResponseAction),
};

export const FlowStageBinding = component(
  'FlowStageBinding',
  Type.Object(
    {
      pk: ReadOnly(Type.String({ format: 'uuid', title: 'Fsb uuid' })),
      policybindingmodel_ptr_id: ReadOnly(Type.String({ format: 'uuid' })),
      target: writable.target,
      stage: writable.stage,
      stage_obj: ReadOnly(Type.Unsafe<Static<typeof Stage>>({ allOf: [ref(Stage)] })),
      evaluate_on_plan: writable.evaluate_on_plan,
      re_evaluate_policies: writable.re_evaluate_policies,
      order: writable.order,
      policy_engine_mode: writable.policy_engine_mode,
      invalid_response_action: writable.invalid_response_action,
    },
    { description: 'FlowStageBinding Serializer' },
  ),
);
export type FlowStageBindingBody = Static<typeof FlowStageBinding>;

export const { request: FlowStageBindingRequest, patched: PatchedFlowStageBindingRequest } =
  requestComponents('FlowStageBinding', writable, 'FlowStageBinding Serializer');
export type FlowStageBindingInput = Static<typeof FlowStageBindingRequest>;

export const PaginatedFlowStageBindingList = paginated(FlowStageBinding);
