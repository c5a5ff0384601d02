/**
 * The browser session behind the `authentik_session` cookie: loaded from the database at the
 * start of a request, written back at its end. Django's SessionMiddleware does the same with
 * authentik's database-backed sessions, which is what lets any instance continue a flow
 * another instance started.
 * @see authentik/root/settings.py (SESSION_COOKIE_NAME, SESSION_ENGINE), django/contrib/sessions
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../../db/client.js';
import { CSRF_COOKIE, SESSION_COOKIE, readCookie } from '../../api/authentication.js';
import { createSessionRepository } from './session.repository.js';
import type { NewEvent } from '../../events/event.repository.js';
import type { EventWriter } from '../../events/event-writer.service.js';
import { loadedSession } from './session-auth.repository.js';
import { randomToken } from '../crypto/random-token.js';
import { detachedJson } from '../../api/safe-objects.js';

/** authentik's `sessions.unauthenticated_age` default (`days=1`). */
export const UNAUTHENTICATED_AGE_SECONDS = 24 * 60 * 60;
/** Django's CSRF_COOKIE_AGE (one year). */
const CSRF_COOKIE_AGE_SECONDS = 31449600;

export class HttpSession {
  /** Set when the key changed (new session, or a login cycled it). */
  cookieChanged = false;
  /** The key the browser sent, when a login replaced it. */
  previousKey?: string;
  /** Seconds until expiry; a persistent cookie is set only when `persistent`. */
  ageSeconds = UNAUTHENTICATED_AGE_SECONDS;
  persistent = false;
  destroyed = false;

  /**
   * @param storedKey the key of a stored session; a new session draws its key when first
   *   asked for it, so a visitor who leaves nothing to store costs no key.
   */
  constructor(
    private storedKey: string | undefined,
    public data: Record<string, unknown>,
    public userId: number | null,
    readonly isNew: boolean,
  ) {
    this.cookieChanged = isNew;
  }

  get key(): string {
    this.storedKey ??= newSessionKey();
    return this.storedKey;
  }

  get<T>(key: string): T | undefined {
    return this.data[key] as T | undefined;
  }

  set(key: string, value: unknown): void {
    this.data[key] = value;
    this.transientKeys.delete(key);
  }

  /**
   * Stores a value that is re-derived on every request (the executor's copy of the query), so
   * it alone does not make a new session worth keeping.
   */
  setTransient(key: string, value: unknown): void {
    this.data[key] = value;
    this.transientKeys.add(key);
  }

  /** Nothing but transient values: Django's SessionMiddleware stores no empty session. */
  isEmpty(): boolean {
    return this.userId === null && Object.keys(this.data).every((key) => this.transientKeys.has(key));
  }

  private readonly transientKeys = new Set<string>();

  delete(key: string): void {
    delete this.data[key];
  }

  /**
   * Signs a user in: Django's login() cycles the session key so that a key known before the
   * login (session fixation) is worthless after it.
   */
  login(userId: number, ageSeconds: number, persistent: boolean): void {
    if (!this.isNew && !this.previousKey) this.previousKey = this.key;
    this.storedKey = newSessionKey();
    this.cookieChanged = true;
    this.userId = userId;
    this.ageSeconds = ageSeconds;
    this.persistent = persistent;
  }
}

function newSessionKey(): string {
  return randomToken(24);
}

function cookieAttributes(request: FastifyRequest): string {
  const secure = request.protocol === 'https' || request.headers['x-forwarded-proto'] === 'https';
  return `Path=/; SameSite=Lax${secure ? '; Secure' : ''}`;
}

function appendCookie(reply: FastifyReply, cookie: string): void {
  const current = reply.getHeader('set-cookie');
  const list = current === undefined ? [] : Array.isArray(current) ? current.map(String) : [String(current)];
  reply.header('set-cookie', [...list, cookie]);
}

export class SessionStore {
  constructor(
    private readonly db: Db,
    /** Writes the events of a request that leaves no session to write them with. */
    private readonly eventWriter: EventWriter,
  ) {}

  /** The request's session, or a new (unsaved) one. */
  async load(request: FastifyRequest): Promise<HttpSession> {
    const key = readCookie(request, SESSION_COOKIE);
    if (key) {
      // Authentication already read this cookie's session (or found none) in this request.
      const preloaded = loadedSession(request);
      const row = preloaded !== undefined ? preloaded : await createSessionRepository(this.db).find(key);
      // A stored session holds a flow plan, which steers enrollment: its objects inherit from nothing.
      if (row) return new HttpSession(row.session_key, detachedJson(row.data), row.user_id, false);
    }
    return new HttpSession(undefined, Object.create(null) as Record<string, unknown>, null, true);
  }

  /**
   * Writes the session back and sets the cookies the browser needs. `events` are the request's
   * audit entries that take effect with the session (a login, an invitation taken into the
   * plan): they are written by the session's own statement, so that one commit holds both.
   */
  async commit(
    request: FastifyRequest,
    reply: FastifyReply,
    session: HttpSession,
    events: NewEvent[] = [],
  ): Promise<void> {
    const repository = createSessionRepository(this.db);
    const attributes = cookieAttributes(request);
    if (session.destroyed) {
      await repository.delete(session.key, events);
      if (!session.isNew) appendCookie(reply, `${SESSION_COOKIE}=; Max-Age=0; ${attributes}; HttpOnly`);
      return;
    }
    // A visitor whose first request left nothing to keep (an invitation link refused outright)
    // gets no session row and no session cookie, as Django skips an empty session; a flood of
    // refused links then costs no session writes, and its audit entries share statements.
    if (session.isNew && session.isEmpty()) {
      await this.eventWriter.write(events);
      ensureCsrfCookie(request, reply);
      return;
    }
    await repository.save(
      {
        session_key: session.key,
        data: session.data,
        user_id: session.userId,
        ageSeconds: session.ageSeconds,
        lastIp: request.ip,
        lastUserAgent: request.headers['user-agent'] ?? '',
      },
      session.previousKey,
      events,
    );
    if (session.cookieChanged) {
      const maxAge = session.persistent ? `; Max-Age=${session.ageSeconds}` : '';
      appendCookie(reply, `${SESSION_COOKIE}=${session.key}${maxAge}; ${attributes}; HttpOnly`);
    }
    ensureCsrfCookie(request, reply);
  }
}

/**
 * Gives the browser Django's CSRF cookie (readable by scripts, which echo it in the
 * `X-authentik-CSRF` header) when it has none, and returns its value.
 */
export function ensureCsrfCookie(request: FastifyRequest, reply: FastifyReply): string {
  const existing = readCookie(request, CSRF_COOKIE);
  if (existing && /^[A-Za-z0-9_-]{16,}$/.test(existing)) return existing;
  const token = randomToken(24);
  appendCookie(
    reply,
    `${CSRF_COOKIE}=${token}; Max-Age=${CSRF_COOKIE_AGE_SECONDS}; ${cookieAttributes(request)}`,
  );
  return token;
}
