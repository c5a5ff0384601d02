/**
 * The password stage's plan-context and session keys, each with the authentik constant it
 * mirrors (authentik/stages/password/). The executor knows none of them.
 */
/** authentik/stages/password/__init__.py PLAN_CONTEXT_AUTHENTICATION_BACKEND */
export const PLAN_CONTEXT_AUTHENTICATION_BACKEND = 'user_backend';
/** authentik/stages/password/stage.py SESSION_KEY_INVALID_TRIES */
export const SESSION_KEY_INVALID_TRIES = 'authentik/stages/password/user_invalid_tries';
