/**
 * The embedded PGlite runs on a worker thread (src/db/pglite.worker.ts), and this is its
 * handle on the main thread: the part of PGlite's interface that drizzle and the change feed
 * use (`query`, `transaction`, `listen`, `close`), forwarded as messages.
 *
 * Why a thread: PGlite is PostgreSQL compiled to WebAssembly, and in-process every statement
 * runs on the event loop. Its start (about 0.9 s here, half of it zeroing 128 MB of shared
 * buffers in WebAssembly) then adds to the app's own start instead of overlapping it, and a
 * slow statement holds every other request back. On its own thread the database starts while
 * the app builds, and executes while the main thread parses, validates and serialises.
 */
import v8 from 'node:v8';
import { Worker } from 'node:worker_threads';

export interface PgliteThreadOptions {
  dataDir: string;
  /**
   * A gzipped tar of a cluster to start a new data folder from, instead of running initdb
   * (scripts/pglite-template.mjs); ignored when the folder holds a cluster or the file is missing.
   */
  template?: string;
  /**
   * Whether V8 may recompile PGlite's hottest functions with its optimising compiler
   * (src/db/pglite.worker.ts says why it does not by default).
   */
  optimizingCompiler?: boolean;
}

export interface SerializedError {
  name: string;
  message: string;
  fields: Record<string, unknown>;
}

interface QueryOptions {
  rowMode?: 'array' | 'object';
  /** drizzle passes parsers that keep these types' text; only their type ids cross over. */
  parsers?: Record<number, unknown>;
}

export interface QueryResult {
  rows: unknown[];
  fields: { name: string; dataTypeID: number }[];
  affectedRows?: number;
}

type Operation =
  | {
      op: 'query';
      sql: string;
      params: unknown[];
      rowMode: 'array' | 'object';
      textTypes: number[];
      tx?: number;
    }
  | { op: 'begin' }
  | { op: 'end'; tx: number; commit: boolean }
  | { op: 'listen'; channel: string }
  | { op: 'close' };

export type PgliteRequest = { id: number } & Operation;

/**
 * The first message to the thread. PGlite's WebAssembly is compiled once per process, by the
 * first thread, and shared with every later one (V8 shares a module's code between threads,
 * including what it has optimised since): each thread compiling its own copy made every later
 * open about twice as slow as the first, measured on the tests' in-memory databases. The
 * first thread compiles it itself, off the main thread, which is busy loading the app.
 */
export interface PgliteStart {
  op: 'start';
  wasmModule?: WebAssembly.Module;
}

/**
 * The thread's JavaScript heap. Its objects live for one statement (the messages PGlite parses,
 * the rows it hands over), so a young generation of 8 MB collects them as well as V8's default
 * 32 MB, which a thread under load fills and keeps.
 */
const PGLITE_THREAD_LIMITS = { maxYoungGenerationSizeMb: 8 };

export const PGLITE_WASM = new URL('./pglite.wasm', import.meta.resolve('@electric-sql/pglite'));

let compiled: WebAssembly.Module | undefined;

/**
 * After a full collection V8 lets the old generation grow to up to four times what survived it
 * before collecting again. Under load most of what reaches the old generation is the objects of
 * the requests in flight at a scavenge, garbage by the next full collection, and with the
 * embedded database that garbage made most of the process's peak memory. The database thread
 * is then what limits throughput and the main thread has CPU to spare, so it collects sooner:
 * at half again what survived. PostgreSQL deployments, where the main thread is the limit,
 * keep V8's default. The flag is process-wide and read at each collection; it is set once the
 * thread runs, because a worker thread's start puts back the flags the process started with.
 */
const EMBEDDED_HEAP_GROWING = '--heap-growing-percent=50';

export type PgliteReply =
  | { op: 'ready' }
  | { op: 'compiled'; wasmModule: WebAssembly.Module }
  | { op: 'failed'; error: SerializedError }
  | { op: 'notify'; channel: string; payload: string }
  | { op: 'reply'; id: number; ok: true; result: unknown }
  | { op: 'reply'; id: number; ok: false; error: SerializedError };

/** An error from the database thread, with PGlite's own fields (`code`, `constraint` ...). */
function revive(error: SerializedError): Error {
  const revived = new Error(error.message);
  revived.name = error.name;
  Object.assign(revived, error.fields);
  return revived;
}

/** The part of PGlite's interface that drizzle's session uses. */
export interface PgliteClient {
  query(sql: string, params?: unknown[], options?: QueryOptions): Promise<QueryResult>;
  transaction<T>(fn: (tx: PgliteClient) => Promise<T>): Promise<T>;
}

/** Which statements a client's calls wait for: none, or the migrations (see holdUntil). */
type Route = { tx?: number; gated: boolean };

type Send = <T>(route: Route, operation: Operation) => Promise<T>;

class ThreadClient implements PgliteClient {
  constructor(
    private readonly send: Send,
    readonly route: Route,
  ) {}

  query(sql: string, params: unknown[] = [], options: QueryOptions = {}): Promise<QueryResult> {
    const textTypes = Object.keys(options.parsers ?? {}).map(Number);
    return this.send(this.route, {
      op: 'query',
      sql,
      params,
      rowMode: options.rowMode ?? 'object',
      textTypes,
      tx: this.route.tx,
    });
  }

  /** Runs `fn` in a transaction: committed when it returns, rolled back when it throws. */
  async transaction<T>(fn: (tx: PgliteClient) => Promise<T>): Promise<T> {
    const tx = await this.send<number>(this.route, { op: 'begin' });
    // Statements inside the transaction are never held: its BEGIN already waited.
    const inside = new ThreadClient(this.send, { tx, gated: false });
    let result: T;
    try {
      result = await fn(inside);
    } catch (error) {
      await this.send(inside.route, { op: 'end', tx, commit: false }).catch(() => undefined);
      throw error;
    }
    await this.send(inside.route, { op: 'end', tx, commit: true });
    return result;
  }
}

export class PgliteThread {
  /** Resolves once PGlite has opened the data folder; rejects with the reason it could not. */
  readonly opened: Promise<void>;
  /** The app's client: its statements wait for the migrations (see holdUntil). */
  readonly client: PgliteClient;
  /** A client whose statements are never held (the migrations run through it). */
  readonly direct: PgliteClient;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  private readonly listeners = new Map<string, Set<(payload: string) => void>>();
  private nextId = 1;
  private failure: Error | undefined;
  private gate: Promise<void> | undefined;
  private rejectOpened: (reason: Error) => void = () => undefined;

  /**
   * Starts the thread. Statements may be sent at once: the thread holds them until PGlite is
   * open, so the app can be built while the database starts.
   */
  constructor(
    options: PgliteThreadOptions,
    private readonly worker = PgliteThread.spawn(options),
  ) {
    const send: Send = (route, operation) => this.call(route, operation);
    this.client = new ThreadClient(send, { gated: true });
    this.direct = new ThreadClient(send, { gated: false });
    this.opened = new Promise<void>((resolve, reject) => {
      worker.on('message', (message: PgliteReply) => {
        switch (message.op) {
          case 'ready':
            v8.setFlagsFromString(EMBEDDED_HEAP_GROWING);
            return resolve();
          case 'compiled':
            compiled ??= message.wasmModule;
            return;
          case 'failed':
            return reject(revive(message.error));
          case 'notify':
            for (const listener of this.listeners.get(message.channel) ?? []) listener(message.payload);
            return;
          case 'reply': {
            const waiting = this.pending.get(message.id);
            this.pending.delete(message.id);
            if (message.ok) waiting?.resolve(message.result);
            else waiting?.reject(revive(message.error));
          }
        }
      });
      this.rejectOpened = reject;
      worker.on('error', (error) => this.stop(error));
      worker.on('exit', (code) => this.stop(new Error(`the embedded database stopped (exit code ${code})`)));
    });
    // Whoever needs the outcome awaits `opened`; an unobserved failure must not end the process.
    this.opened.catch(() => undefined);
    worker.postMessage({ op: 'start', wasmModule: compiled } satisfies PgliteStart);
  }

  /**
   * The thread only ends when closed, or when the database could not start or aborted: what
   * was waiting fails, and so does every later statement, with the first reason.
   */
  private stop(reason: Error): void {
    this.failure ??= reason;
    for (const waiting of this.pending.values()) waiting.reject(this.failure);
    this.pending.clear();
    this.rejectOpened(this.failure);
  }

  private static spawn(options: PgliteThreadOptions): Worker {
    const settings = { workerData: options, resourceLimits: PGLITE_THREAD_LIMITS };
    if (!import.meta.url.endsWith('.ts')) {
      return new Worker(new URL('./pglite.worker.js', import.meta.url), settings);
    }
    // Under tsx (tests, `npm run dev`) the worker is TypeScript too, and a worker thread does
    // not inherit the loader that tsx registered on this one: it registers its own first.
    const entry = new URL('./pglite.worker.ts', import.meta.url).href;
    const api = import.meta.resolve('tsx/esm/api');
    const loader = `import { register } from ${JSON.stringify(api)}; register(); await import(${JSON.stringify(entry)});`;
    return new Worker(new URL(`data:text/javascript,${encodeURIComponent(loader)}`), settings);
  }

  /**
   * Holds every statement sent through this client (not `direct`) until `until` settles: the
   * app's statements wait for the migrations, and fail with them.
   */
  holdUntil(until: Promise<void>): void {
    const gate = until.then(() => {
      if (this.gate === gate) this.gate = undefined;
    });
    gate.catch(() => undefined);
    this.gate = gate;
  }

  private call<T>(route: Route, operation: Operation): Promise<T> {
    if (route.gated && this.gate) return this.gate.then(() => this.call<T>(route, operation));
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.worker.postMessage({ ...operation, id });
    });
  }

  async listen(channel: string, listener: (payload: string) => void): Promise<() => Promise<void>> {
    let listeners = this.listeners.get(channel);
    if (!listeners) {
      listeners = new Set();
      this.listeners.set(channel, listeners);
      await this.call({ gated: false }, { op: 'listen', channel });
    }
    listeners.add(listener);
    return async () => {
      listeners.delete(listener);
    };
  }

  async close(): Promise<void> {
    if (!this.failure) await this.call({ gated: false }, { op: 'close' }).catch(() => undefined);
    this.failure ??= new Error('the embedded database is closed');
    await this.worker.terminate();
  }
}
