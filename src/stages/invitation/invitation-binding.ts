/**
 * Tessera's invitation extensions at enrollment (docs/compatibility.md): the binding of an
 * invitation to one email address or to email domains, and the groups and roles it carries.
 * authentik has neither: its invitation only prefills prompt data (fixed_data).
 *
 * The binding is checked twice: by the invitation stage when the enrollment's email is
 * already known (from fixed_data or an earlier prompt), and by the user_write stage's
 * enrollment hook on the address it is about to write, in its transaction, so that no user is
 * ever written with another address. The grants are applied by the same hook, in the same
 * transaction as the user, so a refused or failed write leaves neither.
 */
import type { Db } from '../../db/client.js';
import { createActor } from '../../api/context.js';
import { PLAN_CONTEXT_EMAIL_VERIFIED } from '../email/email-context-keys.js';
import type { PlanBinding } from '../../flows/executor/planner.js';
import type { StageRun, WrittenUser } from '../../flows/executor/stage-registry.js';
import { maskInvitationToken } from '../../events/invitation-token.js';
import { PermissionService } from '../../rbac/permission.service.js';
import { PrivilegeService } from '../../rbac/privilege.service.js';
import { createGroupRepository } from '../../core/groups/group.repository.js';
import { createRoleRepository } from '../../rbac/role.repository.js';
import { createInvitationRuntimeRepository } from './invitation-runtime.repository.js';

/** The message of an enrollment refused for its email address. */
export const EMAIL_NOT_INVITED = 'This invitation is not valid for this email address.';
/** The message of an enrollment through an invitation whose email binding needs proof first. */
export const EMAIL_NOT_VERIFIED = 'The email address must be verified before the account is created.';
/** The message of an enrollment whose invitation carries grants its creator no longer holds. */
export const GRANTS_NOT_HELD = 'This invitation can no longer be used.';

/** What the plan keeps of an invitation's binding and grants (PLAN_CONTEXT_INVITATION). */
export interface InvitationBinding {
  pk: string;
  email: string | null;
  email_domains: string[] | null;
  groups: string[];
  roles: string[];
  created_by: number;
}

/** Why an enrollment was refused by these rules (recorded, with the message shown). */
export type BindingRefusal = 'email_mismatch' | 'email_missing' | 'email_unverified' | 'grants_not_held';

/** The domain of an address: what follows its last `@`, in lower case. */
function domainOf(address: string): string | undefined {
  const at = address.lastIndexOf('@');
  return at > 0 && at < address.length - 1 ? address.slice(at + 1).toLowerCase() : undefined;
}

/**
 * Whether an address satisfies a binding: the bound address compared case-insensitively, or
 * a domain equal (case-insensitively) to one of the bound domains; `sub.example.com` is not in
 * `example.com`. No binding accepts every address.
 */
export function emailMatchesBinding(
  address: string,
  binding: { email: string | null; emailDomains: string[] | null },
): boolean {
  if (binding.email !== null) return address.toLowerCase() === binding.email.toLowerCase();
  if (binding.emailDomains !== null) {
    const domain = domainOf(address);
    return domain !== undefined && binding.emailDomains.some((bound) => bound.toLowerCase() === domain);
  }
  return true;
}

function isBound(invitation: InvitationBinding): boolean {
  return invitation.email !== null || invitation.email_domains !== null;
}

/**
 * Whether the plan runs an email stage before its first user_write stage: the address must
 * then be proven (PLAN_CONTEXT_EMAIL_VERIFIED) before a bound invitation writes the user. An
 * email stage after user_write (authentik's usual enrollment, with an inactive user) proves
 * the written address itself.
 */
export function emailStageBeforeUserWrite(bindings: PlanBinding[]): boolean {
  const email = bindings.findIndex((binding) => binding.type === 'email');
  const write = bindings.findIndex((binding) => binding.type === 'user_write');
  return email !== -1 && (write === -1 || email < write);
}

function refusalEvent(run: StageRun, invitation: InvitationBinding, reason: BindingRefusal, message: string) {
  return [
    run.ctx,
    'suspicious_request',
    {
      message,
      reason,
      outcome: 'denied',
      flow: run.flow.slug,
      stage: run.binding.name,
      invitation_uuid: maskInvitationToken(invitation.pk),
    },
    { app: 'authentik.stages.invitation.stage' },
  ] as const;
}

/**
 * Records why the enrollment was refused. The event goes with the session (StageRun.audit),
 * not with the user_write transaction, so it stays when that transaction rolls back.
 */
function refuse(
  run: StageRun,
  invitation: InvitationBinding,
  reason: BindingRefusal,
  message: string,
): string {
  run.audit.record(...refusalEvent(run, invitation, reason, message));
  run.metrics.invitationRefused(reason);
  return message;
}

/**
 * The binding against an address known before the user is written (the invitation stage):
 * null when it matches or no address is known yet, else the refusal's message.
 */
export function checkKnownEmail(run: StageRun, invitation: InvitationBinding, email: unknown): string | null {
  if (!isBound(invitation) || email === undefined || email === null || email === '') return null;
  const binding = { email: invitation.email, emailDomains: invitation.email_domains };
  if (typeof email !== 'string' || !emailMatchesBinding(email, binding)) {
    return refuse(run, invitation, 'email_mismatch', EMAIL_NOT_INVITED);
  }
  return null;
}

/**
 * The binding against the address being written (the user_write hook), and, when the plan
 * has an email stage before user_write, the proof of that address: the email stage sets
 * PLAN_CONTEXT_EMAIL_VERIFIED to the address it verified. A plan without an email stage before
 * user_write trusts the address typed in (an email stage after user_write proves it before the
 * inactive account is activated, as in authentik's enrollment flows).
 */
export function checkWrittenEmail(
  run: StageRun,
  invitation: InvitationBinding,
  user: WrittenUser,
  proofRequired: boolean,
): string | null {
  if (!isBound(invitation)) return null;
  if (!user.email) return refuse(run, invitation, 'email_missing', EMAIL_NOT_INVITED);
  const mismatch = checkKnownEmail(run, invitation, user.email);
  if (mismatch) return mismatch;
  // A proof the plan holds must name this address even where none was required.
  const verified = run.plan.context[PLAN_CONTEXT_EMAIL_VERIFIED];
  if (
    (proofRequired || verified !== undefined) &&
    (typeof verified !== 'string' || verified.toLowerCase() !== user.email.toLowerCase())
  ) {
    return refuse(run, invitation, 'email_unverified', EMAIL_NOT_VERIFIED);
  }
  return null;
}

/**
 * The invitation's groups and roles that still exist, when its creator still holds every
 * privilege they carry (the rule the API applied when the invitation was written); otherwise
 * the refusal's message, recorded. An invitation made by an account since demoted,
 * deactivated or deleted grants nothing and is refused. The invitation stage asks when the
 * link is opened, so that nobody fills in a form for nothing; the user_write hook asks again
 * in its transaction, which decides.
 */
export async function grantableNow(
  db: Db,
  run: StageRun,
  invitation: InvitationBinding,
): Promise<{ groups: string[]; roles: string[] } | string> {
  if (invitation.groups.length === 0 && invitation.roles.length === 0) return { groups: [], roles: [] };
  const repository = createInvitationRuntimeRepository(db);
  const { groups, roles } = await repository.existingGrants(invitation.groups, invitation.roles);
  if (groups.length === 0 && roles.length === 0) return { groups, roles };
  const creator = await repository.creator(invitation.created_by);
  if (!creator?.is_active) return refuse(run, invitation, 'grants_not_held', GRANTS_NOT_HELD);
  const actor = createActor(creator, 'token');
  const privileges = new PrivilegeService(new PermissionService(db));
  if (
    (await privileges.groups(db, actor, groups)) !== null ||
    (await privileges.roles(db, actor, roles)) !== null
  ) {
    return refuse(run, invitation, 'grants_not_held', GRANTS_NOT_HELD);
  }
  return { groups, roles };
}

/**
 * Gives the new user the invitation's groups and roles (grantableNow), in the user_write
 * transaction, through the group and role repositories. Groups and roles deleted since the
 * invitation was taken are skipped.
 */
export async function applyGrants(
  tx: Db,
  run: StageRun,
  invitation: InvitationBinding,
  user: WrittenUser,
): Promise<string | null> {
  const grantable = await grantableNow(tx, run, invitation);
  if (typeof grantable === 'string') return grantable;
  const { groups, roles } = grantable;
  const groupRepository = createGroupRepository(tx);
  for (const group of groups) await groupRepository.addUser(group, user.id);
  const roleRepository = createRoleRepository(tx);
  for (const role of roles) await roleRepository.addUser(role, user.id);
  // authentik's audit middleware logs a user's many-to-many change as its update.
  await run.events.model(tx, run.ctx, 'model_updated', {
    app: 'authentik_core',
    model_name: 'user',
    pk: user.id,
    name: user.username,
  });
  return null;
}
