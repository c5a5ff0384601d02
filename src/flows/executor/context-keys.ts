/**
 * Names shared by the executor and the stages: plan-context keys, session keys and query
 * arguments, each with the authentik constant it mirrors. Stages read and write the plan
 * context only through these names; a key only one stage uses lives in that stage's folder
 * (the invitation's in src/stages/invitation/invitation-context-keys.ts).
 */

/** authentik/stages/prompt/stage.py PLAN_CONTEXT_PROMPT: the answers collected so far. */
export const PLAN_CONTEXT_PROMPT = 'prompt_data';
/** authentik/flows/planner.py PLAN_CONTEXT_PENDING_USER: the user the flow acts on (a user id here). */
export const PLAN_CONTEXT_PENDING_USER = 'pending_user';
/** authentik/flows/planner.py PLAN_CONTEXT_REDIRECT: where to go when the flow is done. */
export const PLAN_CONTEXT_REDIRECT = 'redirect';
/** authentik/stages/user_write/stage.py PLAN_CONTEXT_GROUPS */
export const PLAN_CONTEXT_GROUPS = 'groups';
/** authentik/flows/planner.py PLAN_CONTEXT_USER_PATH */
export const PLAN_CONTEXT_USER_PATH = 'user_path';
/** authentik/stages/user_write/stage.py PLAN_CONTEXT_USER_TYPE */
export const PLAN_CONTEXT_USER_TYPE = 'user_type';

/** authentik/flows/views/executor.py SESSION_KEY_PLAN */
export const SESSION_KEY_PLAN = 'authentik/flows/plan';
/** authentik/flows/views/executor.py SESSION_KEY_GET: the parsed `query` of the latest request. */
export const SESSION_KEY_GET = 'authentik/flows/get';
/** authentik/flows/views/executor.py NEXT_ARG_NAME */
export const NEXT_ARG_NAME = 'next';
/** authentik/flows/views/executor.py QS_QUERY: the original query string, wrapped. */
export const QS_QUERY = 'query';

/** authentik's `reverse("authentik_flows:cancel")` */
export const CANCEL_URL = '/flows/-/cancel/';
