/**
 * Plan-context keys and the query argument of the email stage, each with the authentik constant
 * it mirrors (authentik/stages/email/stage.py, authentik/flows/planner.py). Other stages that
 * need to know whether an address was verified read PLAN_CONTEXT_EMAIL_VERIFIED.
 */

/** authentik/flows/views/executor.py QS_KEY_TOKEN: the link's one-time key. */
export const QS_KEY_TOKEN = 'flow_token';
/** authentik PLAN_CONTEXT_EMAIL_SENT: the first message of this plan went out. */
export const PLAN_CONTEXT_EMAIL_SENT = 'email_sent';
/** authentik PLAN_CONTEXT_EMAIL_OVERRIDE: send here instead of the pending user's address. */
export const PLAN_CONTEXT_EMAIL_OVERRIDE = 'email';
/**
 * authentik PLAN_CONTEXT_IS_RESTORED: the plan came back through an emailed link. Tessera keeps
 * `{ stage, email }` here: the email stage that sent it and the address it went to.
 */
export const PLAN_CONTEXT_IS_RESTORED = 'is_restored';
/**
 * Tessera, a session key: the SHA-256 of the last link this session followed. The page sends
 * its query, link included, with every request; that link is not read again (it is spent).
 */
export const SESSION_KEY_FOLLOWED_LINK = 'tessera/stages/email/followed_link';
/**
 * Tessera: the address whose link was followed, set when an email stage passes. Absent until
 * then; a later stage may compare it with the address it is about to use.
 */
export const PLAN_CONTEXT_EMAIL_VERIFIED = 'email_verified';
/** Tessera: groups the links one plan sent, so that following one retires them all. */
export const PLAN_CONTEXT_EMAIL_PLAN_ID = 'email_plan_id';
