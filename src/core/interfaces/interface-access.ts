/**
 * Who is signed in to a page request (the browser session only: pages never take API tokens),
 * and whether they may use the admin interface: authentik's `User.can_access_admin`
 * (superuser, or the `authentik_rbac.access_admin_interface` permission).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../../db/client.js';
import { SESSION_COOKIE, readCookie } from '../../api/authentication.js';
import { createActor, type Actor } from '../../api/context.js';
import type { PermissionService } from '../../rbac/permission.service.js';
import { findSessionWithUser } from '../../api/session-auth.repository.js';
import { ensureCsrfCookie } from '../sessions/session.store.js';

export const ADMIN_INTERFACE = '/if/admin/';
export const USER_INTERFACE = '/if/user/';
export const ACCESS_ADMIN_PERMISSION = 'authentik_rbac.access_admin_interface';

/** authentik's sign-in redirect: the default authentication flow, coming back to `next`. */
export function signInUrl(next: string): string {
  return `/flows/-/default/authentication/?${new URLSearchParams({ next }).toString()}`;
}

export class InterfaceAccess {
  constructor(
    private readonly db: Db,
    private readonly permissions: PermissionService,
  ) {}

  /** The signed-in, active user of the request's session, or null. */
  async signedIn(request: FastifyRequest): Promise<Actor | null> {
    const key = readCookie(request, SESSION_COOKIE);
    if (!key) return null;
    const user = (await findSessionWithUser(this.db, key))?.user;
    return user?.is_active ? createActor(user, 'session', key) : null;
  }

  async canAccessAdmin(actor: Actor): Promise<boolean> {
    return actor.user.is_superuser || this.permissions.hasGlobal(actor, ACCESS_ADMIN_PERMISSION);
  }

  /**
   * A preHandler for the admin interface (authentik's AdminInterfaceView): the signed-out are
   * sent to sign in and back, a signed-in user without admin access to their own interface.
   */
  requireAdmin() {
    return async (request: FastifyRequest, reply: FastifyReply) => {
      const actor = await this.signedIn(request);
      if (!actor) return reply.redirect(signInUrl(ADMIN_INTERFACE), 302);
      if (!(await this.canAccessAdmin(actor))) return reply.redirect(USER_INTERFACE, 302);
      // The interface's script echoes this cookie in X-authentik-CSRF on its writes.
      ensureCsrfCookie(request, reply);
      return undefined;
    };
  }
}
