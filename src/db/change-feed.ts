/**
 * Change notifications from the database, for caches that must not outlive what they cache.
 *
 * Triggers (migration 0007) send `NOTIFY tessera_changes, '<topic>'` in every transaction that
 * changes what a topic covers; PostgreSQL delivers it when that transaction commits, to every
 * instance listening, this one included. A cache subscribes to its topic and is cleared on
 * each notification, and is only used while the feed is connected: when the listening
 * connection drops, notifications may be missed, so every subscriber is cleared and
 * `connected` stays false (caches are bypassed) until it is back and listening again.
 *
 * The same works on PGlite (PGlite's `listen`, forwarded from its thread).
 */
import type pg from 'pg';
import type { PgliteThread } from './pglite-thread.js';

export const CHANGES_CHANNEL = 'tessera_changes';

/** What a topic covers (the tables whose triggers notify it). */
export type ChangeTopic =
  /** tokens, users, groups and their memberships: who an API token or a session authenticates. */
  | 'auth'
  /** flows, bindings, stages and the stage settings a flow plan is made of. */
  | 'flows'
  /** new outbox messages (src/outbox/): work for the delivery worker, not a cache to clear. */
  | 'outbox';

type Listener = () => void;

export class ChangeFeed {
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly signals = new Map<string, Set<Listener>>();
  private live = false;

  /** True while notifications are being received; caches must not be used otherwise. */
  get connected(): boolean {
    return this.live;
  }

  /** Calls `listener` on every notification of `topic`; returns the unsubscribe function. */
  subscribe(topic: ChangeTopic | `test:${string}`, listener: Listener): () => void {
    let set = this.listeners.get(topic);
    if (!set) this.listeners.set(topic, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  /**
   * Calls `listener` on notifications of `topic` only, not when every cache is cleared (a
   * write request's `publish()`, a reconnection): for work a notification announces, such as
   * new outbox messages. Returns the unsubscribe function.
   */
  onSignal(topic: ChangeTopic, listener: Listener): () => void {
    let set = this.signals.get(topic);
    if (!set) this.signals.set(topic, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Every subscriber of the topic (of every topic when none is given) drops what it holds. */
  publish(topic?: string): void {
    const sets = topic === undefined ? [...this.listeners.values()] : [this.listeners.get(topic)];
    for (const set of sets) for (const listener of set ?? []) listener();
    if (topic !== undefined) for (const listener of this.signals.get(topic) ?? []) listener();
  }

  /** @internal the transport reports its state; a change either way clears everything. */
  setConnected(live: boolean): void {
    this.live = live;
    this.publish();
  }
}

/** Listens on PostgreSQL with a connection of its own, reconnecting after a failure. */
export async function listenPostgres(
  feed: ChangeFeed,
  connection: pg.ClientConfig,
): Promise<{ close(): Promise<void> }> {
  const { Client } = (await import('pg')).default;
  let client: pg.Client | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;

  const connect = async (): Promise<void> => {
    const next = new Client(connection);
    next.on('notification', (message) => feed.publish(message.payload));
    next.on('error', () => lost(next));
    next.on('end', () => lost(next));
    try {
      await next.connect();
      await next.query(`LISTEN ${CHANGES_CHANNEL}`);
    } catch {
      lost(next);
      return;
    }
    if (closed) {
      await next.end().catch(() => undefined);
      return;
    }
    client = next;
    feed.setConnected(true);
  };

  const lost = (which: pg.Client): void => {
    if (client !== undefined && client !== which) return;
    client = undefined;
    which.removeAllListeners('notification');
    void which.end().catch(() => undefined);
    if (feed.connected) feed.setConnected(false);
    if (!closed && retry === undefined) {
      retry = setTimeout(() => {
        retry = undefined;
        void connect();
      }, 1000);
      retry.unref();
    }
  };

  await connect();
  return {
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      feed.setConnected(false);
      await client?.end().catch(() => undefined);
    },
  };
}

/** Listens on the embedded PGlite (notifications arrive from its thread). */
export async function listenPglite(
  feed: ChangeFeed,
  client: PgliteThread,
): Promise<{ close(): Promise<void> }> {
  const unlisten = await client.listen(CHANGES_CHANNEL, (payload) => feed.publish(payload));
  feed.setConnected(true);
  return {
    async close() {
      feed.setConnected(false);
      await unlisten();
    },
  };
}

/**
 * A map whose entries are dropped on every notification of its topic, and which is neither read
 * nor filled while the feed is disconnected. A value read from the database while a
 * notification arrived may predate that change, so a lookup takes a `mark()` before it starts
 * and `set` keeps its result only if no notification came in between.
 */
export class NotifiedCache<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();
  private generation = 0;

  constructor(
    private readonly changes: ChangeFeed,
    topic: ChangeTopic,
    private readonly maxEntries: number,
  ) {
    changes.subscribe(topic, () => {
      this.generation += 1;
      this.entries.clear();
    });
  }

  get(key: string): V | undefined {
    if (!this.changes.connected) return undefined;
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.until > Date.now()) return entry.value;
    this.entries.delete(key);
    return undefined;
  }

  /** Taken before the lookup whose result is passed to `set`. */
  mark(): number {
    return this.generation;
  }

  /** Keeps `value` until `until` (epoch milliseconds), unless a change came in since `mark`. */
  set(mark: number, key: string, value: V, until = Infinity): void {
    if (mark !== this.generation || !this.changes.connected) return;
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(key, { value, until });
  }
}
