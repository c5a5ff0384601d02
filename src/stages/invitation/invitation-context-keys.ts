/**
 * The invitation stage's plan-context keys, session key and query arguments, each with the
 * authentik constant it mirrors (authentik/stages/invitation/stage.py). The executor knows none
 * of them: the stage notes the token a plan started with and asks for a new plan when another
 * one arrives (invitation.stage.ts `planned`, `replacesPlan`).
 */
/** authentik/stages/invitation/stage.py PLAN_CONTEXT_INVITATION_IN_EFFECT */
export const PLAN_CONTEXT_INVITATION_IN_EFFECT = 'invitation_in_effect';
/** authentik/stages/invitation/stage.py PLAN_CONTEXT_INVITATION: a snapshot of the invitation. */
export const PLAN_CONTEXT_INVITATION = 'invitation';
/**
 * Tessera: how the invitation accepted by this plan is claimed (consumed on open, leased until
 * the user is written, or counted when the user is written). Read by the user_write stage's
 * enrollment hook and released when the plan is abandoned.
 */
export const PLAN_CONTEXT_INVITATION_CLAIM = 'tessera/invitation_claim';
/** Tessera: the `itoken` the plan was started with; a different one restarts the flow. */
export const PLAN_CONTEXT_QUERY_TOKEN = 'tessera/query_itoken';
/** Tessera: the holder id of invitation leases taken by this browser session. */
export const SESSION_KEY_INVITATION_LEASE = 'tessera/invitation_lease';
/** authentik/stages/invitation/stage.py INVITATION_TOKEN_KEY_CONTEXT / INVITATION_TOKEN_KEY */
export const QS_KEY_INVITATION_TOKEN = 'itoken';
export const INVITATION_TOKEN_KEY = 'token';
