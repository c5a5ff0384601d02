/**
 * DRF's get_object() for authentik viewsets: the permission-filtered queryset first (403 when
 * nothing at all is visible), then the lookup (404 "Not found." for a malformed id, 404 "No
 * <Model> matches the given query." for an id that is not visible or does not exist), then the
 * object permission for writes.
 * @see rest_framework/generics.py get_object, authentik/rbac/filters.py ObjectFilter
 */
import type { Actor } from './context.js';
import { ApiError, Messages } from './errors.js';
import { parseUuid } from './filters.js';
import type { Visibility, VisibilityPermissions } from './permissions.js';

export interface LookupOptions<T> {
  /** e.g. `authentik_stages_invitation.view_invitationstage` */
  viewPermission: string;
  /** Django's model object name, e.g. `InvitationStage`, for the 404 text. */
  modelName: string;
  rawPk: string;
  find: (pk: string) => Promise<T | undefined>;
  /** Parses the URL id; defaults to a UUID. */
  parse?: (raw: string) => string | undefined;
}

/**
 * A uuid primary key from the URL, as the model field's lookup reads it (`uuid.UUID(hex=…)`):
 * braces, `urn:uuid:`, dashes and case are fine; whitespace is not (it is the form field, not
 * the model field, that strips), so ` <uuid>` is DRF's "Not found.".
 */
export function parseLookupUuid(raw: string): string | undefined {
  return /\s/.test(raw) ? undefined : parseUuid(raw);
}

export function isVisible(visibility: Visibility, pk: string): boolean {
  return visibility.all || visibility.pks.includes(pk);
}

export async function lookupVisible<T>(
  permissions: VisibilityPermissions,
  actor: Actor,
  options: LookupOptions<T>,
): Promise<{ pk: string; object: T }> {
  const visibility = await permissions.visibility(actor, options.viewPermission);
  const pk = (options.parse ?? parseLookupUuid)(options.rawPk);
  if (pk === undefined) throw ApiError.notFound();
  if (!isVisible(visibility, pk)) throw ApiError.notFound(Messages.noMatch(options.modelName));
  const object = await options.find(pk);
  if (object === undefined) throw ApiError.notFound(Messages.noMatch(options.modelName));
  return { pk, object };
}
