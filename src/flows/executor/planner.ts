/**
 * Builds the plan for a flow: the ordered stage bindings plus a context dictionary, stored in
 * the session (authentik/flows/planner.py FlowPlanner). Tessera has no policies, so the flow's
 * own policy check always passes and no binding is dropped at plan time; the flow's
 * `authentication` requirement is checked as authentik does.
 */
import type { Actor } from '../../api/context.js';
import { withoutPrototype } from '../../api/safe-objects.js';
import { PLAN_CONTEXT_PENDING_USER } from './context-keys.js';
import type { ExecutorFlowRow } from './executor.repository.js';

export type ExecutorFlow = ExecutorFlowRow;

export interface PlanBinding {
  binding: string;
  stage: string;
  type: string;
  name: string;
  invalid_response_action: string;
  /**
   * The stage's settings when the plan was made (StageHandler.planSettingsSql); null when the
   * stage's settings row is gone. Absent for a stage type that keeps none, and in a plan stored
   * before settings were kept, until the executor reads them as the stage comes up.
   */
  settings?: unknown;
}

/** What the session holds (authentik's pickled FlowPlan, as JSON). */
export interface FlowPlan {
  flow_pk: string;
  bindings: PlanBinding[];
  context: Record<string, unknown>;
}

/** FlowNonApplicableException's default text. */
export const NOT_APPLICABLE = 'Flow does not apply to current user.';

/**
 * authentik/flows/planner.py `_check_authentication`. `require_redirect`, `require_outpost` and
 * `require_token` need machinery Tessera does not have, so they never apply.
 */
export function authenticationApplies(flow: ExecutorFlow, actor: Actor | null): boolean {
  switch (flow.authentication) {
    case 'none':
      return true;
    case 'require_authenticated':
      return actor !== null;
    case 'require_unauthenticated':
      return actor === null;
    case 'require_superuser':
      return actor?.user.is_superuser === true;
    default:
      return false;
  }
}

/** The plan, from the bindings loaded with the flow (createExecutorRepository().flowBySlug). */
export function planFlow(
  flow: ExecutorFlow,
  actor: Actor | null,
  context: Record<string, unknown> = {},
): FlowPlan | { notApplicable: string } {
  if (!authenticationApplies(flow, actor)) return { notApplicable: NOT_APPLICABLE };
  const bindings = flow.bindings.map((binding) => ({ ...binding }));
  // The context steers every stage (pending user, prompt data): it inherits from nothing.
  const planContext = withoutPrototype(context);
  if (actor && planContext[PLAN_CONTEXT_PENDING_USER] === undefined) {
    planContext[PLAN_CONTEXT_PENDING_USER] = actor.user.id;
  }
  return { flow_pk: flow.pk, bindings, context: planContext };
}
