import type { Actor } from '../../api/context.js';

/** authentik/core/models.py USER_ATTRIBUTE_TOKEN_EXPIRING: false lets the user's tokens never expire. */
export const USER_ATTRIBUTE_TOKEN_EXPIRING = 'goauthentik.io/user/token-expires';

/** authentik/core/models.py USER_ATTRIBUTE_TOKEN_MAXIMUM_LIFETIME. */
export const USER_ATTRIBUTE_TOKEN_MAXIMUM_LIFETIME = 'goauthentik.io/user/token-maximum-lifetime';

/** The expiring flag a user's own attributes give their new tokens (authentik: default true). */
export function tokensExpire(attributes: Record<string, unknown> | undefined): boolean {
  if (!attributes || !Object.hasOwn(attributes, USER_ATTRIBUTE_TOKEN_EXPIRING)) return true;
  return Boolean(attributes[USER_ATTRIBUTE_TOKEN_EXPIRING]);
}

/**
 * Attributes that steer how long a user's tokens live. A user's own attributes, and those of
 * every group they are in, take part (User.group_attributes), so setting one is giving a
 * privilege: only a superuser may set or change them, on a user, a group or an invitation's
 * fixed_data.
 */
export const TOKEN_LIFETIME_ATTRIBUTES: readonly string[] = [
  USER_ATTRIBUTE_TOKEN_EXPIRING,
  USER_ATTRIBUTE_TOKEN_MAXIMUM_LIFETIME,
];

function attribute(attributes: Record<string, unknown> | undefined, key: string): string | undefined {
  return attributes && Object.hasOwn(attributes, key) ? JSON.stringify(attributes[key]) : undefined;
}

/**
 * The refusal of an attribute write that changes a token-lifetime attribute (from `before`, the
 * stored attributes, to `after`, the ones sent) by someone who is not a superuser; undefined
 * when the write may go ahead.
 */
export function tokenLifetimeRefusal(
  actor: Actor,
  before: Record<string, unknown> | undefined,
  after: Record<string, unknown> | undefined,
): string | undefined {
  if (after === undefined || actor.user.is_superuser) return undefined;
  const changed = TOKEN_LIFETIME_ATTRIBUTES.find((key) => attribute(before, key) !== attribute(after, key));
  return changed === undefined ? undefined : onlySuperuserMaySet(changed);
}

export function onlySuperuserMaySet(key: string): string {
  return `Only a superuser can set ${key}.`;
}

/**
 * The attribute path a prompt-data key names (authentik/stages/user_write/stage.py
 * update_user): `attributes.a.b` and `attributes_a_b` both set `attributes.a.b`; undefined for
 * any other key. Tessera splits the dotted form on dots only, so `attributes.job_title` stays
 * one key.
 */
export function promptAttributePath(key: string): string[] | undefined {
  for (const [prefix, separator] of [
    ['attributes.', '.'],
    ['attributes_', '_'],
  ] as const) {
    if (key.startsWith(prefix) && key.length > prefix.length)
      return key.slice(prefix.length).split(separator);
  }
  return undefined;
}
