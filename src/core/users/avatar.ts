/**
 * authentik's static default avatar (authentik/lib/avatars.py DEFAULT_AVATAR): what a user's
 * `avatar` and the flow executor's `pending_user_avatar` show when no avatar applies.
 */
export const DEFAULT_AVATAR = '/static/dist/assets/images/user_default.png';
