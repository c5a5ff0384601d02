/**
 * The invitation stage at runtime (authentik/stages/invitation/stage.py InvitationStageView): a
 * silent stage that accepts an invitation token from the query (`itoken`, then `token`) or from
 * earlier prompt data (`token`), checks it and merges the invitation's fixed_data into the
 * prompt data.
 *
 * Every failure shows authentik's single message "Invalid invite/invite not found" (or, with
 * `continue_flow_without_invitation`, continues as un-invited); the reason is kept in the audit
 * log as a `suspicious_request` event.
 *
 * Beyond authentik, the use is claimed atomically:
 * - single use, consumption `open` (authentik's behaviour): the row is deleted by a conditional
 *   DELETE when the stage accepts it; of concurrent sessions exactly one wins;
 * - single use, consumption `enrollment`: the first session holds a lease (`lease_seconds`),
 *   the invitation is deleted when that session's user is written, and the lease is released
 *   when the flow is cancelled or replaced (or simply runs out);
 * - multi use: a use is counted when the user is written, within `max_uses` when set.
 *
 * With retention (TESSERA_INVITATIONS_RETENTION=keep, the default) a single-use invitation is
 * not deleted but counted used up by the same conditional statement, and refused afterwards as
 * `exhausted`. A revoked invitation is refused as `revoked` by the stage, and every statement
 * that takes a use refuses it too, so an enrollment that accepted the link before the
 * revocation is refused when it writes its user.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/client.js';
import { parseUuid } from '../../api/filters.js';
import { deepMerge, isPlainRecord as isObject } from '../../api/safe-objects.js';
import { SessionConflict, type HttpSession } from '../../core/sessions/session.store.js';
import { claimSessionSql } from '../../core/sessions/session.repository.js';
import { PLAN_CONTEXT_PROMPT } from '../../flows/executor/context-keys.js';
import type { FlowPlan } from '../../flows/executor/planner.js';
import {
  denied,
  ok,
  type StageHandler,
  type StageRun,
  type WrittenUser,
} from '../../flows/executor/stage-registry.js';
import { maskInvitationToken } from '../../events/invitation-token.js';
import {
  INVITATION_TOKEN_KEY,
  PLAN_CONTEXT_INVITATION,
  PLAN_CONTEXT_INVITATION_CLAIM,
  PLAN_CONTEXT_INVITATION_IN_EFFECT,
  PLAN_CONTEXT_QUERY_TOKEN,
  QS_KEY_INVITATION_TOKEN,
  SESSION_KEY_INVITATION_LEASE,
} from './invitation-context-keys.js';
import {
  createInvitationRuntimeRepository,
  type RuntimeInvitation,
  type SingleUseEnd,
} from './invitation-runtime.repository.js';
import {
  applyGrants,
  checkKnownEmail,
  checkWrittenEmail,
  emailStageBeforeUserWrite,
  grantableNow,
  type InvitationBinding,
} from './invitation-binding.js';

/** PLAN_CONTEXT_INVITATION: authentik's snapshot, plus what Tessera's extensions need later. */
interface PlannedInvitation extends InvitationBinding {
  /** The plan runs an email stage before user_write: the bound address must be proven. */
  email_proof_required: boolean;
}

export const INVALID_INVITE = 'Invalid invite/invite not found';

/** Why an invitation was not accepted (recorded, never shown). */
export type DenialReason =
  'missing' | 'malformed' | 'unknown' | 'expired' | 'wrong_flow' | 'exhausted' | 'leased' | 'revoked';

/** How the accepted invitation's use is claimed; kept in the plan context. */
export interface InvitationClaim {
  invite_uuid: string;
  mode: 'consumed' | 'lease' | 'count';
  /** `consumed`: the usage record written on open, completed when the user is written. */
  use_id?: number;
  /** `lease`: the holder id (per browser session, never the session key). */
  holder?: string;
  /** `str(invitation)`, masked, for the model_deleted event written at consumption. */
  display: string;
}

/** get_token(): `itoken`, then `token` from the query, then `token` from prompt data. */
function tokenOf(run: StageRun): string | undefined {
  const fromQuery = run.get[QS_KEY_INVITATION_TOKEN] || run.get[INVITATION_TOKEN_KEY];
  if (fromQuery) return fromQuery;
  const prompt = run.plan.context[PLAN_CONTEXT_PROMPT];
  const fromPrompt = isObject(prompt) ? prompt[INVITATION_TOKEN_KEY] : undefined;
  return typeof fromPrompt === 'string' && fromPrompt !== '' ? fromPrompt : undefined;
}

/** The per-session lease holder id (random, so the session key never leaves the sessions table). */
function leaseHolder(session: HttpSession): string {
  let holder = session.get<string>(SESSION_KEY_INVITATION_LEASE);
  if (!holder) {
    holder = randomUUID();
    session.set(SESSION_KEY_INVITATION_LEASE, holder);
  }
  return holder;
}

/** authentik/events/signals.py on_invitation_used, with the token masked. */
function invitationUsedEvent(run: StageRun, inviteUuid: string) {
  return [
    run.ctx,
    'invitation_used',
    { invitation_uuid: maskInvitationToken(inviteUuid) },
    { app: 'authentik.events.signals' },
  ] as const;
}

/** Recorded with the plan that holds the invitation (written with the session). */
function recordInvitationUsed(run: StageRun, inviteUuid: string): void {
  run.audit.record(...invitationUsedEvent(run, inviteUuid));
  run.metrics.invitationUsed();
}

/** The event name authentik's model_to_dict gives an invitation: its `name` field. */
const invitationName = (invitation: RuntimeInvitation) => invitation.name;

const denialOutcome = (continued: boolean) => (continued ? 'continued_without_invitation' : 'denied');

/** The audit entry of a refused invitation: authentik logs nothing, the reason is kept here. */
function denialEvent(
  run: StageRun,
  reason: DenialReason,
  continued: boolean,
  inviteUuid: string | undefined,
) {
  return [
    run.ctx,
    'suspicious_request',
    {
      message: INVALID_INVITE,
      reason,
      outcome: denialOutcome(continued),
      flow: run.flow.slug,
      stage: run.binding.name,
      ...(inviteUuid ? { invitation_uuid: maskInvitationToken(inviteUuid) } : {}),
    },
    { app: 'authentik.stages.invitation.stage' },
  ] as const;
}

function recordDenial(
  run: StageRun,
  reason: DenialReason,
  continued: boolean,
  inviteUuid: string | undefined,
): void {
  run.audit.record(...denialEvent(run, reason, continued, inviteUuid));
}

async function accept(run: StageRun, end: SingleUseEnd): Promise<ReturnType<typeof ok>> {
  const repository = createInvitationRuntimeRepository(run.db);
  const token = tokenOf(run);
  // An address over the limit of refused lookups has no token looked up until its window ends,
  // so that a right guess looks the same as a wrong one (src/api/rate-limit.ts).
  if (token) run.limiter?.assertNotLimited('invitation', run.ctx.clientIp);
  const inviteUuid = token ? parseUuid(token) : undefined;
  const found = await repository.stageAndInvitation(run.binding.stage, inviteUuid ?? null);
  if (!found) return denied();
  const { settings } = found;
  // Every refusal ends the same way: on as un-invited when the stage allows it, denied otherwise.
  const refused = () => (settings.continue_flow_without_invitation ? ok() : denied(INVALID_INVITE));
  const refuse = async (reason: DenialReason, inviteUuid?: string) => {
    // A plain visit without a token to a stage that allows it is not worth an audit entry.
    if (!(reason === 'missing' && settings.continue_flow_without_invitation)) {
      // Every audited refusal counts against the address; over the limit the request is
      // answered 429 and leaves no entry of its own, so a burst writes a bounded number.
      if (run.limiter) {
        run.limiter.assertNotLimited('invitation', run.ctx.clientIp);
        await run.limiter.fail('invitation', run.ctx);
      }
      recordDenial(run, reason, settings.continue_flow_without_invitation, inviteUuid);
      run.metrics.invitationRefused(reason);
    }
    return refused();
  };
  if (!token) return refuse('missing');
  if (!inviteUuid) return refuse('malformed');
  const invitation = found.invitation;
  if (!invitation) return refuse('unknown', inviteUuid);
  if (invitation.revoked) return refuse('revoked', inviteUuid);
  if (invitation.expired) return refuse('expired', inviteUuid);
  if (invitation.flow && invitation.flow !== run.flow.pk) return refuse('wrong_flow', inviteUuid);
  // A single-use invitation kept after its use (retention) has its one use counted.
  const allowed = invitation.single_use ? 1 : invitation.max_uses;
  if (allowed !== null && invitation.uses >= allowed) return refuse('exhausted', inviteUuid);
  const binding: PlannedInvitation = {
    pk: invitation.invite_uuid,
    email: invitation.email,
    email_domains: invitation.email_domains,
    groups: invitation.groups,
    roles: invitation.roles,
    created_by: invitation.created_by,
    email_proof_required: emailStageBeforeUserWrite(run.plan.bindings),
  };
  // An address already in the prompt data (an earlier prompt, or fixed_data) is checked now,
  // before a use is claimed; the user_write stage checks the address it writes in any case.
  const prompt = deepMerge(
    deepMerge({}, run.plan.context[PLAN_CONTEXT_PROMPT] ?? {}),
    invitation.fixed_data,
  ) as Record<string, unknown>;
  const mismatch = checkKnownEmail(run, binding, prompt.email);
  if (mismatch) return denied(mismatch);
  // The read-only check (no lock is held); the user_write hook checks again when it grants.
  const grantable = await grantableNow(run.db, run, binding);
  if (typeof grantable === 'string') return denied(grantable);

  let claim: InvitationClaim;
  if (invitation.single_use && settings.single_use_consumption === 'enrollment') {
    const holder = leaseHolder(run.session);
    if (!(await repository.lease(inviteUuid, run.flow.pk, holder, settings.lease_seconds))) {
      return refuse(invitation.leased_by ? 'leased' : 'unknown', inviteUuid);
    }
    claim = { invite_uuid: inviteUuid, mode: 'lease', holder, display: invitationName(invitation) };
    recordInvitationUsed(run, inviteUuid);
  } else if (invitation.single_use) {
    // Deletion, the usage record and both events commit together, or not at all.
    const events = run.events.batch();
    events.record(...invitationUsedEvent(run, inviteUuid));
    if (end === 'delete') {
      events.model(run.ctx, 'model_deleted', {
        app: 'authentik_stages_invitation',
        model_name: 'invitation',
        pk: maskInvitationToken(inviteUuid),
        name: invitationName(invitation),
      });
    }
    // Another session may consume it between the lookup and the delete: the same statement
    // then writes the refusal a token that finds nothing gets.
    const lost = run.events.entry(
      ...denialEvent(run, 'unknown', settings.continue_flow_without_invitation, inviteUuid),
    );
    // The session's claim rides along: of concurrent requests of one session that open the
    // link, one consumes it and keeps the plan that holds it; the others change nothing.
    const stored = run.session.stored;
    const consumed = await repository.consumeOnOpen(
      inviteUuid,
      run.flow.pk,
      run.ctx.clientIp,
      events.drain(),
      [lost],
      end,
      stored ? claimSessionSql(stored) : undefined,
    );
    if (consumed === 'conflict') throw new SessionConflict();
    if (stored) run.session.stored = { key: stored.key, version: stored.version + 1 };
    if (consumed === undefined) {
      run.metrics.invitationRefused('unknown');
      return refused();
    }
    run.metrics.invitationUsed();
    claim = {
      invite_uuid: inviteUuid,
      mode: 'consumed',
      use_id: consumed,
      display: invitationName(invitation),
    };
  } else {
    claim = { invite_uuid: inviteUuid, mode: 'count', display: invitationName(invitation) };
    recordInvitationUsed(run, inviteUuid);
  }

  const context = run.plan.context;
  context[PLAN_CONTEXT_INVITATION_IN_EFFECT] = true;
  context[PLAN_CONTEXT_INVITATION] = {
    name: invitation.name,
    expires: invitation.expires,
    fixed_data: invitation.fixed_data,
    single_use: invitation.single_use,
    flow: invitation.flow,
    max_uses: invitation.max_uses,
    ...binding,
  };
  context[PLAN_CONTEXT_INVITATION_CLAIM] = claim;
  // An invitation bound to one address prefills it, as fixed_data would, so that the prompt
  // stage shows it; changing it there makes the user_write stage refuse the enrollment.
  if (invitation.email !== null && prompt.email === undefined) prompt.email = invitation.email;
  context[PLAN_CONTEXT_PROMPT] = prompt;
  return ok();
}

/**
 * The enrollment hook, in the transaction that writes the user: the written address must
 * satisfy the invitation's binding (on every write of the plan, so a later write cannot change
 * it), the use is claimed, and the invitation's groups and roles are given to the new user.
 */
async function userWritten(
  tx: Db,
  run: StageRun,
  user: WrittenUser,
  end: SingleUseEnd,
): Promise<string | null> {
  const planned = run.plan.context[PLAN_CONTEXT_INVITATION] as Partial<PlannedInvitation> | undefined;
  let binding = planned?.pk !== undefined ? withDefaults(planned.pk, planned) : undefined;
  if (binding && run.plan.context[PLAN_CONTEXT_INVITATION_IN_EFFECT]) {
    // The invitation's terms as they are now, while it exists (an edit after the link was
    // opened counts); one consumed when opened keeps those it had then, in the plan.
    const current = await createInvitationRuntimeRepository(tx).currentTerms(binding.pk);
    if (current) binding = { ...binding, ...current };
    const refusal = checkWrittenEmail(run, binding, user, binding.email_proof_required);
    if (refusal) return refusal;
  }
  const claim = run.plan.context[PLAN_CONTEXT_INVITATION_CLAIM] as InvitationClaim | undefined;
  if (!claim || !user.created) return null;
  const repository = createInvitationRuntimeRepository(tx);
  if (claim.mode === 'consumed') {
    if (claim.use_id !== undefined && !(await repository.attachUser(claim.use_id, claim.invite_uuid, user))) {
      return INVALID_INVITE;
    }
  } else if (claim.mode === 'lease') {
    const deleted = run.events.batch();
    if (end === 'delete') {
      deleted.model(run.ctx, 'model_deleted', {
        app: 'authentik_stages_invitation',
        model_name: 'invitation',
        pk: maskInvitationToken(claim.invite_uuid),
        name: claim.display,
      });
    }
    const consumed =
      claim.holder !== undefined &&
      (await repository.consumeLeased(
        claim.invite_uuid,
        claim.holder,
        run.ctx.clientIp,
        user,
        deleted.drain(),
        end,
      ));
    if (!consumed) return INVALID_INVITE;
  } else if (!(await repository.countUse(claim.invite_uuid, run.ctx.clientIp, user))) {
    return INVALID_INVITE;
  }
  if (binding) {
    const refusal = await applyGrants(tx, run, binding, user);
    if (refusal) return refusal;
  }
  // Written once: a second user_write in the same plan does not count again.
  delete run.plan.context[PLAN_CONTEXT_INVITATION_CLAIM];
  return null;
}

/** A snapshot stored by an older version lacks the extensions: it binds and grants nothing. */
function withDefaults(pk: string, planned: Partial<PlannedInvitation>): PlannedInvitation {
  return {
    pk,
    email: planned.email ?? null,
    email_domains: planned.email_domains ?? null,
    groups: planned.groups ?? [],
    roles: planned.roles ?? [],
    created_by: planned.created_by ?? 0,
    email_proof_required: planned.email_proof_required ?? false,
  };
}

async function abandon(db: Db, plan: FlowPlan): Promise<void> {
  const claim = plan.context[PLAN_CONTEXT_INVITATION_CLAIM] as InvitationClaim | undefined;
  if (claim?.mode === 'lease' && claim.holder) {
    await createInvitationRuntimeRepository(db).release(claim.invite_uuid, claim.holder);
  }
}

/**
 * The stage's handler. `singleUseEnd` follows TESSERA_INVITATIONS_RETENTION: `delete` in
 * authentik mode, `keep` otherwise.
 */
export const createInvitationStageHandler = (singleUseEnd: SingleUseEnd): StageHandler => ({
  type: 'invitation',
  submit: (run) => accept(run, singleUseEnd),
  userWritten: (tx, run, user) => userWritten(tx, run, user, singleUseEnd),
  abandon,
  // A plan remembers the `itoken` it started with; a link with another one replaces the plan
  // (authentik would continue the old plan and ignore the new link; docs/compatibility.md).
  planned(plan, get) {
    plan.context[PLAN_CONTEXT_QUERY_TOKEN] = get[QS_KEY_INVITATION_TOKEN] ?? '';
  },
  replacesPlan(plan, get) {
    const token = get[QS_KEY_INVITATION_TOKEN];
    return Boolean(token) && token !== plan.context[PLAN_CONTEXT_QUERY_TOKEN];
  },
});
