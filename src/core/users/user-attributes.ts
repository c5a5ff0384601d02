/** authentik/core/models.py USER_ATTRIBUTE_TOKEN_EXPIRING: false lets the user's tokens never expire. */
export const USER_ATTRIBUTE_TOKEN_EXPIRING = 'goauthentik.io/user/token-expires';

/** authentik/core/models.py USER_ATTRIBUTE_TOKEN_MAXIMUM_LIFETIME. */
export const USER_ATTRIBUTE_TOKEN_MAXIMUM_LIFETIME = 'goauthentik.io/user/token-maximum-lifetime';

/** The expiring flag a user's own attributes give their new tokens (authentik: default true). */
export function tokensExpire(attributes: Record<string, unknown> | undefined): boolean {
  if (!attributes || !Object.hasOwn(attributes, USER_ATTRIBUTE_TOKEN_EXPIRING)) return true;
  return Boolean(attributes[USER_ATTRIBUTE_TOKEN_EXPIRING]);
}
