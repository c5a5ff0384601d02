/**
 * authentik's API authentication (authentik/api/authentication.py, 2026 behaviour), then DRF's
 * SessionAuthentication. Every failure is a 403 (token auth defines no WWW-Authenticate
 * challenge, so DRF never answers 401).
 */
import type { FastifyRequest } from 'fastify';
import type { Db } from '../db/client.js';
import { NotifiedCache, type ChangeFeed } from '../db/change-feed.js';
import { findApiTokenUser } from './token-auth.repository.js';
import { findSessionWithUser, rememberLoadedSession } from './session-auth.repository.js';
import { createActor, type Actor, type AuthUser } from './context.js';
import { ApiError, Messages } from './errors.js';
import type { FailureLimiter } from './rate-limit.js';

export const SESSION_COOKIE = 'authentik_session';
export const CSRF_COOKIE = 'authentik_csrf';
export const CSRF_HEADER = 'x-authentik-csrf';

/** Methods that change nothing: no CSRF check, no cache invalidation. */
export const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

export function readCookie(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index === -1) continue;
    if (part.slice(0, index).trim() !== name) continue;
    // A value that does not decode, or carries a NUL (which no key we issue has and the database
    // cannot compare), is no cookie at all, as Django treats an unknown session key.
    try {
      const value = decodeURIComponent(part.slice(index + 1).trim());
      return value.includes('\0') ? undefined : value;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * A Bearer key that matches no live token of an active user: authentik's 403, which the API
 * pipeline also counts against the client's address (src/api/rate-limit.ts).
 */
export class InvalidTokenError extends ApiError {
  constructor() {
    super(403, { detail: Messages.tokenInvalid });
  }
}

/**
 * The user behind an API token, kept for up to TESSERA_AUTH_CACHE_SECONDS (60 by default, 0
 * turns it off) so that a stream of API calls with one token costs one lookup instead of one
 * per request. authentik looks the token up on every request; the cache answers the same:
 * - any change to tokens, users, groups or memberships clears it on every instance, through
 *   the database's change notifications (src/db/change-feed.ts), sent when the change commits;
 * - it is bypassed whenever those notifications are not being received;
 * - an entry never outlives its token's expiry, and only successful lookups are kept;
 * - a lookup that was running when a change arrived is not kept (it may predate the change).
 * So a revoked token or deactivated user is refused as soon as the notification of that commit
 * has arrived (typically well under a millisecond on one host), not only from the next
 * statement on. See docs/compatibility.md.
 */
export class TokenUserCache {
  private readonly cache: NotifiedCache<AuthUser>;

  constructor(
    private readonly seconds: number,
    changes: ChangeFeed,
  ) {
    this.cache = new NotifiedCache(changes, 'auth', 10_000);
  }

  get(key: string): AuthUser | undefined {
    return this.cache.get(key);
  }

  /** Marks the start of a lookup; pass the mark to `set` with its result. */
  mark(): number {
    return this.cache.mark();
  }

  set(mark: number, key: string, user: AuthUser, tokenExpires: Date | null): void {
    let until = Date.now() + this.seconds * 1000;
    if (tokenExpires) until = Math.min(until, tokenExpires.getTime());
    this.cache.set(mark, key, Object.freeze({ ...user }), until);
  }
}

/**
 * Returns the actor, null when no credentials were given, or throws the 403 authentik sends (a
 * 429 instead while the client's address is limited for failed authentications).
 * - `Bearer <key>`: the scheme is case-insensitive, the key is everything after the first
 *   space, untrimmed. Other schemes are ignored (2025.12+), as is a header without a space.
 * - otherwise the `authentik_session` cookie; unsafe methods must carry the CSRF header
 *   matching the CSRF cookie.
 */
export async function authenticate(
  db: Db,
  request: FastifyRequest,
  tokenCache?: TokenUserCache,
  limiter?: FailureLimiter,
): Promise<Actor | null> {
  const header = (request.headers.authorization ?? '').trim();
  const space = header.indexOf(' ');
  if (space > 0 && header.slice(0, space).toLowerCase() === 'bearer') {
    const key = header.slice(space + 1);
    // A limited address gets its 429 before any key is looked up, the cached ones included, so
    // that a right guess looks the same as a wrong one until the window ends.
    limiter?.assertNotLimited('auth', request.ip);
    const cached = tokenCache?.get(key);
    if (cached) return createActor(cached, 'token');
    const mark = tokenCache?.mark() ?? 0;
    const found = await findApiTokenUser(db, key);
    if (!found || !found.user.is_active) throw new InvalidTokenError();
    tokenCache?.set(mark, key, found.user, found.expires);
    return createActor(found.user, 'token');
  }
  const sessionKey = readCookie(request, SESSION_COOKIE);
  if (!sessionKey) return null;
  const found = await findSessionWithUser(db, sessionKey);
  rememberLoadedSession(request, found?.session ?? null);
  const user = found?.user;
  if (!user || !user.is_active) return null;
  if (!SAFE_METHODS.has(request.method)) {
    const cookie = readCookie(request, CSRF_COOKIE);
    if (!cookie) throw ApiError.forbidden('CSRF Failed: CSRF cookie not set.');
    const sent = request.headers[CSRF_HEADER];
    if (!sent) throw ApiError.forbidden('CSRF Failed: CSRF token missing.');
    if (sent !== cookie) {
      throw ApiError.forbidden("CSRF Failed: CSRF token from the 'X-authentik-CSRF' HTTP header incorrect.");
    }
  }
  return createActor(user, 'session', sessionKey);
}
