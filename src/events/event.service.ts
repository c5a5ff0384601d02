/**
 * Writes audit events the way authentik's audit middleware and Event.new() shape them
 * (authentik/events/models.py, authentik/events/middleware.py, authentik/events/utils.py).
 * Events are written in the caller's transaction, so an event exists exactly when the change
 * it describes was committed.
 */
import type { Db } from '../db/client.js';
import type { RequestContext } from '../api/context.js';
import { insertEvent, insertEvents, type NewEvent } from './event.repository.js';

/** authentik's `model_to_dict`-style reference to a changed object. */
export interface ModelRef {
  app: string;
  model_name: string;
  pk: string | number;
  name: string;
}

// Django's SafeExceptionReporterFilter.hidden_settings, which cleanse_dict applies to keys.
const SECRET_KEY_RE = /API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE/i;
const MASK = '********************';

/**
 * Whether a key's value is masked, remembered per key: events repeat the same few dozen keys
 * (every one carries `http_request` and its five), and a refused invitation link, which writes
 * one, spent more on these tests than on its statement. Query arguments bring keys from
 * clients, so the memory is bounded.
 */
const secretKeys = new Map<string, boolean>();
const MAX_REMEMBERED_KEYS = 1000;

function isSecretKey(key: string): boolean {
  let secret = secretKeys.get(key);
  if (secret === undefined) {
    secret = SECRET_KEY_RE.test(key);
    if (secretKeys.size < MAX_REMEMBERED_KEYS) secretKeys.set(key, secret);
  }
  return secret;
}

/** Masks values whose key looks secret, recursively (authentik's cleanse_dict). */
export function cleanse(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(cleanse);
  if (value && typeof value === 'object') {
    const source = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(source)) {
      const cleansed = isSecretKey(key) ? MASK : cleanse(source[key]);
      // A client's `__proto__` query argument stays a key, as Object.fromEntries keeps it.
      if (key === '__proto__') {
        Object.defineProperty(out, key, {
          value: cleansed,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      } else {
        out[key] = cleansed;
      }
    }
    return out;
  }
  return value;
}

/** A UUID as authentik's sanitize_item renders it in event context: 32 hex digits. */
export function hexPk(pk: string | number): string | number {
  return typeof pk === 'string' ? pk.replace(/-/g, '') : pk;
}

/** The context of a model_* event: the object, its primary key without dashes. */
export function modelContext(model: ModelRef): Record<string, unknown> {
  return { model: { ...model, pk: hexPk(model.pk) } };
}

/** See EventService.batch(). */
export interface EventBatch {
  record(
    ctx: RequestContext | null,
    action: string,
    context: Record<string, unknown>,
    options?: { app?: string; user?: Record<string, unknown> },
  ): void;
  model(
    ctx: RequestContext,
    action: 'model_created' | 'model_updated' | 'model_deleted',
    model: ModelRef,
  ): void;
  write(db: Db): Promise<void>;
  /** The collected events, removed from the batch, for a repository that writes them itself. */
  drain(): NewEvent[];
}

export class EventService {
  constructor(private readonly retentionSeconds: number) {}

  /** authentik's `get_user()` for the event's `user` field. */
  static eventUser(ctx: RequestContext | null): Record<string, unknown> {
    const user = ctx?.actor?.user;
    if (!user) return { username: 'AnonymousUser', pk: null, email: '', is_anonymous: true };
    return { username: user.username, pk: user.id, email: user.email };
  }

  /** The `http_request` block of an event's context. */
  static httpRequest(ctx: RequestContext): Record<string, unknown> {
    return {
      args: cleanse(ctx.query),
      path: ctx.path,
      method: ctx.method,
      request_id: ctx.requestId,
      user_agent: ctx.userAgent,
    };
  }

  async record(
    db: Db,
    ctx: RequestContext | null,
    action: string,
    context: Record<string, unknown>,
    options: { app?: string; user?: Record<string, unknown> } = {},
  ): Promise<void> {
    await insertEvent(db, this.entry(ctx, action, context, options));
  }

  /**
   * Events collected and written together by `write(db)`: one statement for the events one
   * transaction emits (an enrollment writes several), instead of one each.
   */
  batch(): EventBatch {
    const pending: NewEvent[] = [];
    return {
      record: (ctx, action, context, options = {}) => {
        pending.push(this.entry(ctx, action, context, options));
      },
      model: (ctx, action, model) => {
        pending.push(this.entry(ctx, action, modelContext(model), {}));
      },
      write: async (db) => {
        await insertEvents(db, pending.splice(0));
      },
      drain: () => pending.splice(0),
    };
  }

  /** An event built but not written, for a statement that writes it itself (or not). */
  entry(
    ctx: RequestContext | null,
    action: string,
    context: Record<string, unknown>,
    options: { app?: string; user?: Record<string, unknown> },
  ): NewEvent {
    return {
      action,
      app: options.app ?? 'authentik.events.middleware',
      user: options.user ?? EventService.eventUser(ctx),
      context: cleanse({
        ...context,
        ...(ctx ? { http_request: EventService.httpRequest(ctx) } : {}),
      }) as Record<string, unknown>,
      clientIp: ctx?.clientIp ?? null,
      retentionSeconds: this.retentionSeconds,
    };
  }

  /** `model_created` / `model_updated` / `model_deleted`, as the audit middleware writes them. */
  async model(
    db: Db,
    ctx: RequestContext,
    action: 'model_created' | 'model_updated' | 'model_deleted',
    model: ModelRef,
  ): Promise<void> {
    await this.record(db, ctx, action, modelContext(model));
  }
}
