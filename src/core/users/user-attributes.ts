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

/** The first token-lifetime attribute whose value differs between `before` and `after`. */
export function changedTokenLifetimeAttribute(
  before: Record<string, unknown> | undefined,
  after: Record<string, unknown>,
): string | undefined {
  return TOKEN_LIFETIME_ATTRIBUTES.find((key) => attribute(before, key) !== attribute(after, key));
}

export function onlySuperuserMaySet(key: string): string {
  return `Only a superuser can set ${key}.`;
}
