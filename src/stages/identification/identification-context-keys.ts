/**
 * The identification stage's plan-context keys, each with the authentik constant it mirrors
 * (authentik/stages/identification/stage.py). The executor knows none of them.
 */
/**
 * authentik/stages/identification/stage.py PLAN_CONTEXT_PENDING_USER_IDENTIFIER: what the person
 * typed, shown instead of the matched user's name when `show_matched_user` is off.
 */
export const PLAN_CONTEXT_PENDING_USER_IDENTIFIER = 'pending_user_identifier';
/**
 * Tessera: the identifier of a user that does not exist, kept so the flow goes on as if they did
 * (`pretend_user_exists`), where authentik keeps an unsaved User object as the pending user.
 * The password stage reads it to fail the same way it fails for a real user.
 */
export const PLAN_CONTEXT_PRETEND_USER = 'tessera/pretend_user';
