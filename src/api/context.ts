/**
 * What a service needs to know about the request it serves: who is acting and from where.
 * Routes build it once; services pass it on to permission checks and audit events.
 */
import { withoutPrototype } from './safe-objects.js';

export interface AuthUser {
  id: number;
  uuid: string;
  username: string;
  name: string;
  email: string;
  is_active: boolean;
  is_superuser: boolean;
}

export interface Actor {
  user: AuthUser;
  /** How the request authenticated: an API token or a browser session. */
  via: 'token' | 'session';
  sessionKey?: string;
  /** Permission grants, loaded on first use and kept for the rest of the request. */
  grants?: Promise<Grant[]>;
}

/**
 * An actor that inherits from nothing, with its grants slot present from the start, so that no
 * property added to `Object.prototype` can read as a grant, a superuser flag or a session.
 */
export function createActor(user: AuthUser, via: Actor['via'], sessionKey?: string): Actor {
  return withoutPrototype<Actor>({ user: withoutPrototype(user), via, sessionKey, grants: undefined });
}

export interface Grant {
  /** `<app_label>.<codename>` */
  permission: string;
  /** null for a global (model-level) grant. */
  objectPk: string | null;
}

export interface RequestContext {
  actor: Actor | null;
  clientIp: string;
  requestId: string;
  method: string;
  path: string;
  userAgent: string;
  /**
   * The public origin (scheme://host) a trusted proxy named in X-Forwarded-Host/-Proto; null
   * when the request did not come through one (src/api/forwarded.ts): a client's own Host
   * header is never used for links.
   */
  origin: string | null;
  /** Query parameters, for audit context. */
  query: Record<string, unknown>;
}

/** The authenticated actor, for code that only runs behind authentication. */
export function requireActor(ctx: RequestContext): Actor {
  if (!ctx.actor) throw new Error('route requires authentication but has no actor');
  return ctx.actor;
}
