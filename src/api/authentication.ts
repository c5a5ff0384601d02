/**
 * authentik's API authentication (authentik/api/authentication.py, 2026 behaviour), then DRF's
 * SessionAuthentication. Every failure is a 403 (token auth defines no WWW-Authenticate
 * challenge, so DRF never answers 401).
 */
import type { FastifyRequest } from 'fastify';
import type { Db } from '../db/client.js';
import { findApiTokenUser } from '../core/tokens/token-auth.repository.js';
import { findSessionWithUser, rememberLoadedSession } from '../core/sessions/session-auth.repository.js';
import type { Actor, AuthUser } from './context.js';
import { ApiError, Messages } from './errors.js';

export const SESSION_COOKIE = 'authentik_session';
export const CSRF_COOKIE = 'authentik_csrf';
export const CSRF_HEADER = 'x-authentik-csrf';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

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
 * Opt-in (TESSERA_AUTH_CACHE_SECONDS, off by default): the user behind an API token, kept for
 * a few seconds so that a burst of API calls with one token costs one lookup instead of one per
 * request. Only successful lookups of active users are kept, never refusals. The price, and
 * why it is off by default: for up to that many seconds after a token is deleted or expires,
 * its user is deactivated, or the user's superuser groups change, this process still answers
 * as before (authentik looks the token up on every request). See docs/compatibility.md.
 */
export class TokenUserCache {
  private readonly entries = new Map<string, { user: AuthUser; until: number }>();
  private static readonly MAX_ENTRIES = 10_000;

  constructor(private readonly seconds: number) {}

  get(key: string): AuthUser | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.until > Date.now()) return entry.user;
    this.entries.delete(key);
    return undefined;
  }

  set(key: string, user: AuthUser): void {
    if (this.entries.size >= TokenUserCache.MAX_ENTRIES) this.entries.clear();
    this.entries.set(key, { user: Object.freeze({ ...user }), until: Date.now() + this.seconds * 1000 });
  }
}

/**
 * Returns the actor, null when no credentials were given, or throws the 403 authentik sends.
 * - `Bearer <key>`: the scheme is case-insensitive, the key is everything after the first
 *   space, untrimmed. Other schemes are ignored (2025.12+), as is a header without a space.
 * - otherwise the `authentik_session` cookie; unsafe methods must carry the CSRF header
 *   matching the CSRF cookie.
 */
export async function authenticate(
  db: Db,
  request: FastifyRequest,
  tokenCache?: TokenUserCache,
): Promise<Actor | null> {
  const header = (request.headers.authorization ?? '').trim();
  const space = header.indexOf(' ');
  if (space > 0 && header.slice(0, space).toLowerCase() === 'bearer') {
    const key = header.slice(space + 1);
    const cached = tokenCache?.get(key);
    if (cached) return { user: cached, via: 'token' };
    const user = await findApiTokenUser(db, key);
    if (!user || !user.is_active) throw ApiError.forbidden(Messages.tokenInvalid);
    tokenCache?.set(key, user);
    return { user, via: 'token' };
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
  return { user, via: 'session', sessionKey };
}
