/**
 * The one rule for every write that hands out authority (group and role memberships, group
 * parents, roles of groups, permission assignments) and for writes aimed at another account:
 * nobody can give anyone, themselves included, a privilege they do not hold.
 *
 * authentik checks only the model permission of such writes (add_group, change_user,
 * add_user_to_group, assign_role_permissions), so a user holding add_group could create a group
 * under "authentik Admins" with themselves as member and become superuser. Tessera adds this
 * check on top: superuser status can only be given by a superuser, and a role or a permission
 * only by a caller who holds every grant it carries (a superuser holds all of them).
 */
import type { Db } from '../db/client.js';
import type { Actor, Grant } from '../api/context.js';
import { ApiError } from '../api/errors.js';
import type { PermissionService } from './permission.service.js';
import { createPrivilegeRepository, type Privileges } from './privilege.repository.js';

export const PrivilegeMessages = {
  superuser: 'Only a superuser can grant superuser status.',
  permissions: 'You cannot grant permissions you do not hold.',
  target: 'You cannot change a user who holds permissions you do not hold.',
} as const;

/** Why a grant is refused, or null when the caller holds all of it. */
export type Refusal = keyof typeof PrivilegeMessages | null;

export class PrivilegeService {
  constructor(private readonly permissions: PermissionService) {}

  /**
   * Loads the caller's grants. Services call it before they open a transaction, so that the
   * checks inside the transaction neither wait on the pool nor see the write being checked.
   */
  async prepare(actor: Actor): Promise<void> {
    await this.permissions.preload(actor);
  }

  /** Whether the caller holds everything in `privileges`; object grants count on their object. */
  async refusal(actor: Actor, privileges: Privileges): Promise<Refusal> {
    if (actor.user.is_superuser) return null;
    if (privileges.superuser) return 'superuser';
    return (await this.holdsAll(actor, privileges.grants)) ? null : 'permissions';
  }

  private async holdsAll(actor: Actor, grants: Grant[]): Promise<boolean> {
    for (const grant of grants) {
      const held =
        grant.objectPk === null
          ? await this.permissions.hasGlobal(actor, grant.permission)
          : await this.permissions.hasOnObject(actor, grant.permission, grant.objectPk);
      if (!held) return false;
    }
    return true;
  }

  /** Joining these groups (or placing a group under them): what membership confers. */
  async groups(db: Db, actor: Actor, groupPks: string[]): Promise<Refusal> {
    if (actor.user.is_superuser || groupPks.length === 0) return null;
    return this.refusal(actor, await createPrivilegeRepository(db).conferredByGroups(groupPks));
  }

  /** Giving these roles to a user or a group: every grant they carry. */
  async roles(db: Db, actor: Actor, rolePks: string[]): Promise<Refusal> {
    if (actor.user.is_superuser || rolePks.length === 0) return null;
    const grants = await createPrivilegeRepository(db).carriedByRoles(rolePks);
    return this.refusal(actor, { superuser: false, grants });
  }

  /** Assigning these permissions, globally (objectPk null) or on one object. */
  async permissionsOf(actor: Actor, grants: Grant[]): Promise<Refusal> {
    return this.refusal(actor, { superuser: false, grants });
  }

  /**
   * Acting on another account (editing it, deleting it, setting its password): the caller must
   * hold everything the target holds, so no one takes over an account stronger than their own.
   */
  async target(db: Db, actor: Actor, userId: number): Promise<Refusal> {
    if (actor.user.is_superuser || actor.user.id === userId) return null;
    const held = await createPrivilegeRepository(db).heldByUser(userId);
    return (await this.refusal(actor, held)) === null ? null : 'target';
  }

  /** 400 naming the field, as a DRF field validator answers. */
  static fieldError(field: string, refusal: Exclude<Refusal, null>): ApiError {
    return ApiError.field(field, PrivilegeMessages[refusal]);
  }

  /** 403 in authentik's `{"detail": ...}` shape, for actions without a field to name. */
  static forbidden(refusal: Exclude<Refusal, null>): ApiError {
    return ApiError.forbidden(PrivilegeMessages[refusal]);
  }
}
