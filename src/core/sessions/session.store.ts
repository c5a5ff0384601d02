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
import { createSessionRepository, type StoredSession } from './session.repository.js';
import { insertEvents, type NewEvent } from '../../events/event.repository.js';
import type { EventWriter } from '../../events/event-writer.service.js';
import { loadedSession } from '../../api/session-auth.repository.js';
import { randomToken } from '../crypto/random-token.js';
import { detachedJson } from '../../api/safe-objects.js';

/** authentik's `sessions.unauthenticated_age` default (`days=1`). */
export const UNAUTHENTICATED_AGE_SECONDS = 24 * 60 * 60;
/** Django's CSRF_COOKIE_AGE (one year). */
const CSRF_COOKIE_AGE_SECONDS = 31449600;

/**
 * Another request of the same session wrote it first (a flow answer sent twice at once): this
 * request's work is rolled back and its session not written.
 */
export class SessionConflict extends Error {
  constructor() {
    super('the session was written by a concurrent request');
  }
}

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
  /**
   * The database row as this request read it, or last wrote it (undefined for a new session):
   * every write is conditional on its version (SessionStore.commit, claim, advance).
   */
  stored: StoredSession | undefined;

  constructor(
    private storedKey: string | undefined,
    public data: Record<string, unknown>,
    public userId: number | null,
    readonly isNew: boolean,
    version = 0,
  ) {
    this.cookieChanged = isNew;
    this.stored = !isNew && storedKey !== undefined ? { key: storedKey, version } : undefined;
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
    if (this.stored && !this.previousKey) this.previousKey = this.stored.key;
    this.storedKey = newSessionKey();
    this.cookieChanged = true;
    this.userId = userId;
    this.ageSeconds = ageSeconds;
    this.persistent = persistent;
  }

  /** Django's logout(): the session ends; saving it deletes its row and clears its cookie. */
  logout(): void {
    this.userId = null;
    this.destroyed = true;
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
      if (row)
        return new HttpSession(row.session_key, detachedJson(row.data), row.user_id, false, row.version);
    }
    return new HttpSession(undefined, Object.create(null) as Record<string, unknown>, null, true);
  }

  /**
   * Writes the session back and sets the cookies the browser needs. `events` are the request's
   * audit entries that take effect with the session (a login, an invitation taken into the
   * plan): they are written by the session's own statement, so that one commit holds both.
   * Returns false, having written nothing and set no cookie, when another request of the
   * session wrote it since this one read it.
   */
  async commit(
    request: FastifyRequest,
    reply: FastifyReply,
    session: HttpSession,
    events: NewEvent[] = [],
  ): Promise<boolean> {
    const repository = createSessionRepository(this.db);
    const attributes = cookieAttributes(request);
    if (session.destroyed) {
      await repository.delete(session.key, events);
      if (!session.isNew) appendCookie(reply, `${SESSION_COOKIE}=; Max-Age=0; ${attributes}; HttpOnly`);
      return true;
    }
    // A visitor whose first request left nothing to keep (an invitation link refused outright)
    // gets no session row and no session cookie, as Django skips an empty session; a flood of
    // refused links then costs no session writes, and its audit entries share statements.
    if (session.isNew && session.isEmpty()) {
      await this.eventWriter.write(events);
      ensureCsrfCookie(request, reply);
      return true;
    }
    const saved = await repository.save(
      {
        session_key: session.key,
        data: session.data,
        user_id: session.userId,
        ageSeconds: session.ageSeconds,
        lastIp: request.ip,
        lastUserAgent: request.headers['user-agent'] ?? '',
      },
      session.stored,
      events,
    );
    if (!saved) return false;
    if (session.cookieChanged) {
      const maxAge = session.persistent ? `; Max-Age=${session.ageSeconds}` : '';
      appendCookie(reply, `${SESSION_COOKIE}=${session.key}${maxAge}; ${attributes}; HttpOnly`);
    }
    ensureCsrfCookie(request, reply);
    return true;
  }

  /** The session's row as stored now (a fresh read), for the answer to a request that lost a race. */
  async reload(session: HttpSession): Promise<HttpSession | undefined> {
    if (!session.stored) return undefined;
    const row = await createSessionRepository(this.db).find(session.stored.key);
    return row
      ? new HttpSession(row.session_key, { ...row.data }, row.user_id, false, row.version)
      : undefined;
  }
}

/**
 * Moves a stored session to `data` inside the caller's transaction, so that a stage's work and
 * the plan that moved past it commit together, and writes the work's audit `events`; throws
 * SessionConflict (rolling the work back) when another request of the session wrote it first.
 * A new session has no row to race on: nobody else knows its key yet.
 */
export async function advanceSession(
  db: Db,
  session: HttpSession,
  data: Record<string, unknown>,
  events: NewEvent[],
): Promise<void> {
  if (!session.stored) {
    await insertEvents(db, events);
    return;
  }
  const version = await createSessionRepository(db).advance(session.stored, data, events);
  if (version === undefined) throw new SessionConflict();
  session.stored = { key: session.stored.key, version };
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
