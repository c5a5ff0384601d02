/**
 * The invitation token as it may appear in audit events.
 *
 * An invitation's pk IS its secret: whoever knows it can enrol through `?itoken=<pk>`
 * (authentik/stages/invitation/stage.py `get_token`). authentik writes it in clear into
 * `model_created`/`model_updated`/`model_deleted`, `invitation_used` and `email_sent` events,
 * readable by anyone with `view_event` (authentik/events/signals.py). Tessera keeps
 * just enough of it to tell invitations apart in the log.
 */

/** How many leading hex digits stay readable. */
const VISIBLE_DIGITS = 8;

/**
 * `0b8e2c3e-...` or `0b8e2c3e...` (32 hex digits) → `0b8e2c3e************************`.
 *
 * The result is always in the 32-hex form authentik's `sanitize_item` gives a UUID in event
 * context (authentik/events/utils.py), whatever form the input was in. Input that is not a UUID
 * is still masked past its first 8 characters, so a caller's mistake never leaks a token.
 */
export function maskInvitationToken(uuid: string): string {
  const hex = uuid.replace(/-/g, '').toLowerCase();
  const visible = hex.slice(0, VISIBLE_DIGITS);
  return visible + '*'.repeat(Math.max(hex.length - VISIBLE_DIGITS, 0));
}

/**
 * Replaces every occurrence of `uuid` (dashed or 32-hex, any case) in `text` by its mask: for
 * stored email bodies and links, which carry the token inside a URL.
 */
export function maskInvitationTokenIn(text: string, uuid: string): string {
  const hex = uuid.replace(/-/g, '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(hex)) return text;
  const dashed = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  const mask = maskInvitationToken(hex);
  return text.replace(new RegExp(`${dashed}|${hex}`, 'gi'), mask);
}

// `itoken=` (and `token=`, which the invitation stage reads as well) as written in a URL, also
// inside the flow executor's `?query=` (`itoken%3D`) and once more encoded (`itoken%253D`); the
// value ends at the next separator in the same form. Any parameter whose name ends in `token`
// is masked: masking one too many does no harm.
const ITOKEN_IN_URL = /(token(?:=|%3D|%253D))((?:(?!%26|%2526)[^&#\s])*)/gi;
// The detail routes of invitations: `.../invitations/<pk>/...`.
const INVITATION_PATH = /(\/invitations\/)([^/?#]+)/gi;

/**
 * A request URL with every invitation token in it masked: the value of `itoken` (plain or
 * URL-encoded inside another parameter) and the pk of an invitation detail route. For the
 * request log, which would otherwise keep every enrolment link in clear.
 */
export function maskInvitationTokensInUrl(url: string): string {
  return url
    .replace(ITOKEN_IN_URL, (_match, key: string, value: string) => key + maskInvitationToken(value))
    .replace(INVITATION_PATH, (_match, prefix: string, pk: string) => prefix + maskInvitationToken(pk));
}
