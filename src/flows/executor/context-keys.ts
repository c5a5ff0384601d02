/**
 * Names shared by the executor and the stages: plan-context keys, session keys and query
 * arguments, each with the authentik constant it mirrors. Stages read and write the plan
 * context only through these names.
 */

/** authentik/stages/prompt/stage.py PLAN_CONTEXT_PROMPT: the answers collected so far. */
export const PLAN_CONTEXT_PROMPT = 'prompt_data';
/** authentik/flows/planner.py PLAN_CONTEXT_PENDING_USER: the user the flow acts on (a user id here). */
export const PLAN_CONTEXT_PENDING_USER = 'pending_user';
/**
 * authentik/stages/identification/stage.py PLAN_CONTEXT_PENDING_USER_IDENTIFIER: what the person
 * typed, shown instead of the matched user's name when `show_matched_user` is off.
 */
export const PLAN_CONTEXT_PENDING_USER_IDENTIFIER = 'pending_user_identifier';
/**
 * Tessera: the identifier of a user that does not exist, kept so the flow goes on as if they did
 * (`pretend_user_exists`), where authentik keeps an unsaved User object as the pending user.
 */
export const PLAN_CONTEXT_PRETEND_USER = 'tessera/pretend_user';
/** authentik/stages/password/__init__.py PLAN_CONTEXT_AUTHENTICATION_BACKEND */
export const PLAN_CONTEXT_AUTHENTICATION_BACKEND = 'user_backend';
/** authentik/flows/planner.py PLAN_CONTEXT_REDIRECT: where to go when the flow is done. */
export const PLAN_CONTEXT_REDIRECT = 'redirect';
/** authentik/stages/invitation/stage.py PLAN_CONTEXT_INVITATION_IN_EFFECT */
export const PLAN_CONTEXT_INVITATION_IN_EFFECT = 'invitation_in_effect';
/** authentik/stages/invitation/stage.py PLAN_CONTEXT_INVITATION: a snapshot of the invitation. */
export const PLAN_CONTEXT_INVITATION = 'invitation';
/** authentik/stages/user_write/stage.py PLAN_CONTEXT_GROUPS */
export const PLAN_CONTEXT_GROUPS = 'groups';
/** authentik/flows/planner.py PLAN_CONTEXT_USER_PATH */
export const PLAN_CONTEXT_USER_PATH = 'user_path';
/** authentik/stages/user_write/stage.py PLAN_CONTEXT_USER_TYPE */
export const PLAN_CONTEXT_USER_TYPE = 'user_type';

/**
 * Tessera: how the invitation accepted by this plan is claimed (consumed on open, leased until
 * the user is written, or counted when the user is written). Read by the user_write stage's
 * enrollment hook and released when the plan is abandoned.
 */
export const PLAN_CONTEXT_INVITATION_CLAIM = 'tessera/invitation_claim';
/** Tessera: the `itoken` the plan was started with; a different one restarts the flow. */
export const PLAN_CONTEXT_QUERY_TOKEN = 'tessera/query_itoken';

/** authentik/flows/views/executor.py SESSION_KEY_PLAN */
export const SESSION_KEY_PLAN = 'authentik/flows/plan';
/** authentik/flows/views/executor.py SESSION_KEY_GET: the parsed `query` of the latest request. */
export const SESSION_KEY_GET = 'authentik/flows/get';
/** authentik/stages/password/stage.py SESSION_KEY_INVALID_TRIES */
export const SESSION_KEY_INVALID_TRIES = 'authentik/stages/password/user_invalid_tries';
/** Tessera: the holder id of invitation leases taken by this browser session. */
export const SESSION_KEY_INVITATION_LEASE = 'tessera/invitation_lease';

/** authentik/stages/invitation/stage.py INVITATION_TOKEN_KEY_CONTEXT / INVITATION_TOKEN_KEY */
export const QS_KEY_INVITATION_TOKEN = 'itoken';
export const INVITATION_TOKEN_KEY = 'token';
/** authentik/flows/views/executor.py NEXT_ARG_NAME */
export const NEXT_ARG_NAME = 'next';
/** authentik/flows/views/executor.py QS_QUERY: the original query string, wrapped. */
export const QS_QUERY = 'query';

/** authentik's `reverse("authentik_flows:cancel")` */
export const CANCEL_URL = '/flows/-/cancel/';
