/**
 * authentik's permission checks (authentik/rbac/permissions.py ObjectPermissions and
 * authentik/rbac/filters.py ObjectFilter): superusers hold everything; otherwise a permission
 * is held globally or on single objects, through the user or their roles.
 */
import type { Db } from '../db/client.js';
import type { Actor } from '../api/context.js';
import { ApiError } from '../api/errors.js';
import type { GlobalPermissions, Visibility, VisibilityPermissions } from '../api/permissions.js';
import { loadUserGrants } from './permission.repository.js';

export type { Visibility };

export class PermissionService implements GlobalPermissions, VisibilityPermissions {
  constructor(private readonly db: Db) {}

  private grants(actor: Actor) {
    actor.grants ??= loadUserGrants(this.db, actor.user.id);
    return actor.grants;
  }

  /** Loads the actor's grants now, so that checks made inside a later transaction need no query. */
  async preload(actor: Actor): Promise<void> {
    await this.grants(actor);
  }

  async hasGlobal(actor: Actor, permission: string): Promise<boolean> {
    if (actor.user.is_superuser) return true;
    return (await this.grants(actor)).some((g) => g.permission === permission && g.objectPk === null);
  }

  /** Held globally or on this one object. */
  async hasOnObject(actor: Actor, permission: string, objectPk: string): Promise<boolean> {
    if (actor.user.is_superuser) return true;
    return (await this.grants(actor)).some(
      (g) => g.permission === permission && (g.objectPk === null || g.objectPk === objectPk),
    );
  }

  /** Throws authentik's 403 unless the permission is held globally. */
  async requireGlobal(actor: Actor, permission: string): Promise<void> {
    if (!(await this.hasGlobal(actor, permission))) throw ApiError.forbidden();
  }

  /** Throws authentik's 403 unless the permission is held globally or on the object. */
  async requireOnObject(actor: Actor, permission: string, objectPk: string): Promise<void> {
    if (!(await this.hasOnObject(actor, permission, objectPk))) throw ApiError.forbidden();
  }

  /**
   * ObjectFilter: with the global view permission everything is visible; otherwise only
   * objects with an object-level grant, and when there are none the answer is 403, not an
   * empty list.
   */
  async visibility(actor: Actor, viewPermission: string): Promise<Visibility> {
    if (await this.hasGlobal(actor, viewPermission)) return { all: true };
    const pks = (await this.grants(actor))
      .filter((g) => g.permission === viewPermission && g.objectPk !== null)
      .map((g) => g.objectPk as string);
    if (pks.length === 0) throw ApiError.forbidden();
    return { all: false, pks };
  }
}
