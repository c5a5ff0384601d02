/**
 * Limits failures per client address: failed API authentications (a Bearer key that matches no
 * live token) and refused invitation lookups (a wrong, unknown, expired or used-up `itoken`).
 * Once an address has failed more than the limit in a window, its further attempts in that
 * scope are answered 429 with `Retry-After` and DRF's throttled message, without looking the
 * key or invitation up; so an attacker cannot tell a right guess from a wrong one while
 * limited. authentik throttles nothing here; DRF's AnonRateThrottle wording is kept.
 *
 * Only failures are counted, and the counter is touched only when a failure happens: a
 * successful request costs at most a lookup in an in-process map, and only while some address
 * is limited. The counters live in PostgreSQL (`rate_limits`), so several instances share one
 * limit without another server; see docs/rate-limiting.md for why not @fastify/rate-limit.
 *
 * A burst is audited once: the attempts up to the limit keep their own events (the invitation
 * stage's `suspicious_request`), then one `suspicious_request` says the address is throttled
 * for the rest of the window; attempts refused while limited write nothing.
 */
import { isIP } from 'node:net';
import type { Db } from '../db/client.js';
import type { RequestContext } from './context.js';
import { ApiError } from './errors.js';
import { countFailure, deleteExpiredWindows } from './rate-limit.repository.js';

export type RateLimitScope = 'auth' | 'invitation';

export interface RateLimitSettings {
  /** Failed API authentications per address and window; 0 turns the limit off. */
  failedAuth: number;
  /** Refused invitation lookups per address and window; 0 turns the limit off. */
  failedInvitations: number;
  windowSeconds: number;
}

/** DRF's Throttled: "Request was throttled. Expected available in N seconds." */
export function throttled(wait: number): ApiError {
  const seconds = Math.max(1, Math.ceil(wait));
  const unit = seconds === 1 ? 'second' : 'seconds';
  return ApiError.detail(429, `Request was throttled. Expected available in ${seconds} ${unit}.`, {
    'retry-after': String(seconds),
  });
}

/** The eight 16-bit groups of a valid IPv6 address (an embedded IPv4 tail becomes two). */
function ipv6Groups(address: string): number[] {
  let text = address.toLowerCase();
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number);
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((group) => parseInt(group, 16)));
  const [head, tail] = text.split('::');
  const left = parse(head);
  if (tail === undefined) return left;
  const right = parse(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/**
 * The address a limit applies to: an IPv4 address as it is (also when written IPv4-mapped,
 * `::ffff:a.b.c.d`), an IPv6 address by its /64 prefix, since one subscriber is commonly given a
 * whole /64 and could otherwise draw a new address for every attempt.
 */
export function limitAddress(ip: string): string {
  const address = ip.split('%')[0];
  if (isIP(address) !== 6) return address;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1];
  const groups = ipv6Groups(address);
  return `${groups
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(':')}::/64`;
}

/**
 * Where the limiter writes its audit event: the audit log (events/EventService), which sits
 * above this layer and is handed in.
 */
export interface AuditRecorder {
  record(
    db: Db,
    ctx: RequestContext | null,
    action: string,
    context: Record<string, unknown>,
    options?: { app?: string },
  ): Promise<void>;
}

/** Addresses known to be limited, with when their window ends; bounded. */
const MAX_KNOWN_LIMITED = 10_000;

export class FailureLimiter {
  private readonly limited = new Map<string, number>();

  constructor(
    private readonly db: Db,
    private readonly events: AuditRecorder,
    private readonly settings: RateLimitSettings,
  ) {}

  private limit(scope: RateLimitScope): number {
    return scope === 'auth' ? this.settings.failedAuth : this.settings.failedInvitations;
  }

  /**
   * Throws the 429 when this instance already knows `ip` is limited in `scope`; the check
   * costs nothing while no address is limited.
   */
  assertNotLimited(scope: RateLimitScope, ip: string): void {
    if (this.limited.size === 0) return;
    const key = `${scope} ${limitAddress(ip)}`;
    const until = this.limited.get(key);
    if (until === undefined) return;
    const wait = (until - Date.now()) / 1000;
    if (wait > 0) throw throttled(wait);
    this.limited.delete(key);
  }

  /**
   * Counts a failure of the request's address; throws the 429 once the address is over the
   * limit, after writing the one audit event of its window when this failure crossed it.
   */
  async fail(scope: RateLimitScope, ctx: RequestContext): Promise<void> {
    const limit = this.limit(scope);
    if (limit <= 0) return;
    const address = limitAddress(ctx.clientIp);
    const { count, retryAfter } = await countFailure(this.db, scope, address, this.settings.windowSeconds);
    if (count <= limit) return;
    this.remember(`${scope} ${address}`, Date.now() + retryAfter * 1000);
    if (count === limit + 1) {
      await this.events.record(
        this.db,
        ctx,
        'suspicious_request',
        {
          message: 'Request was throttled.',
          reason: 'rate_limited',
          scope,
          address,
          attempts: count,
          limit,
          window_seconds: this.settings.windowSeconds,
          retry_after: retryAfter,
        },
        { app: 'tessera.api.rate_limit' },
      );
    }
    throw throttled(retryAfter);
  }

  /** Removes ended windows (the periodic cleanup), and this instance's stale entries. */
  async cleanExpired(): Promise<void> {
    const now = Date.now();
    for (const [key, until] of this.limited) if (until <= now) this.limited.delete(key);
    await deleteExpiredWindows(this.db);
  }

  private remember(key: string, until: number): void {
    this.limited.delete(key);
    if (this.limited.size >= MAX_KNOWN_LIMITED) {
      const now = Date.now();
      for (const [known, end] of this.limited) if (end <= now) this.limited.delete(known);
      // Still full: forget the oldest entry; that address is caught again by its next failure.
      if (this.limited.size >= MAX_KNOWN_LIMITED) {
        const oldest = this.limited.keys().next().value;
        if (oldest !== undefined) this.limited.delete(oldest);
      }
    }
    this.limited.set(key, until);
  }
}
