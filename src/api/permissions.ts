/**
 * What the API layer asks of the permission checks: the pipeline's view-level permission and
 * the list and lookup helpers' visibility. rbac's PermissionService implements it; the API layer
 * sits below rbac and knows only this shape.
 */
import type { Actor } from './context.js';

/** Which objects of a model the actor may see: all of them, or only these primary keys. */
export type Visibility = { all: true } | { all: false; pks: string[] };

export interface GlobalPermissions {
  /** Throws authentik's 403 unless the permission is held globally. */
  requireGlobal(actor: Actor, permission: string): Promise<void>;
}

export interface VisibilityPermissions {
  /**
   * ObjectFilter: everything with the global view permission, otherwise the objects with an
   * object-level grant; 403 when there are none.
   */
  visibility(actor: Actor, viewPermission: string): Promise<Visibility>;
}
