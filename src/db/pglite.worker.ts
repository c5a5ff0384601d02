/**
 * The embedded PGlite, on a thread of its own (see src/db/pglite-thread.ts for why). This side
 * owns the PGlite instance and answers the main thread's messages in the order they arrive;
 * PGlite itself serialises them, and holds every other statement back while a transaction is
 * open, exactly as it does in-process.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import v8 from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite, type Extension, type Results, type Transaction } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import type {
  PgliteReply,
  PgliteRequest,
  PgliteStart,
  PgliteThreadOptions,
  SerializedError,
} from './pglite-thread.js';
import { PGLITE_WASM } from './pglite-thread.js';

const port = parentPort;
if (!port) throw new Error('pglite.worker.ts runs only as a worker thread');
const options = workerData as PgliteThreadOptions;

const keepText = (value: string) => value;
/** Parsers by the type ids they keep as text: drizzle asks the same few of every query. */
const parsersByTypes = new Map<string, Record<number, (value: string) => string>>();

/** Values of these types arrive as PostgreSQL's text, as drizzle asks of every driver. */
function textParsers(oids: number[]): Record<number, (value: string) => string> {
  const key = oids.join(',');
  let parsers = parsersByTypes.get(key);
  if (!parsers) {
    parsers = Object.fromEntries(oids.map((oid) => [oid, keepText]));
    parsersByTypes.set(key, parsers);
  }
  return parsers;
}

function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) {
    // PGlite's DatabaseError carries SQLSTATE `code`, `constraint`, `detail` and more as own
    // properties, which structured cloning would drop.
    const fields: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(error)) {
      if (value === undefined || typeof value === 'function' || typeof value === 'object') continue;
      fields[key] = value;
    }
    return { name: error.name, message: error.message, fields };
  }
  return { name: 'Error', message: String(error), fields: {} };
}

const send = (reply: PgliteReply) => port.postMessage(reply);

/** Thrown into PGlite's transaction callback to roll it back. */
const ROLLBACK = new Error('rolled back');

/** Open transactions by id: the statements sent for one run on its transaction handle. */
const transactions = new Map<
  number,
  { tx: Transaction; finish: (commit: boolean) => void; done: Promise<void> }
>();
let nextTransaction = 1;

/**
 * Opens a transaction and resolves with its id once PGlite has begun it. PGlite commits when its
 * callback returns and rolls back when it throws, so the callback waits for the main thread's
 * `end`.
 */
function begin(db: PGlite): Promise<number> {
  const id = nextTransaction++;
  return new Promise<number>((opened, failed) => {
    let entered = false;
    const done = db.transaction(async (tx) => {
      entered = true;
      await new Promise<void>((commit, rollback) => {
        transactions.set(id, { tx, finish: (ok) => (ok ? commit() : rollback(ROLLBACK)), done });
        opened(id);
      });
    });
    done.then(
      () => transactions.delete(id),
      (error: unknown) => {
        transactions.delete(id);
        if (!entered) failed(error);
      },
    );
  });
}

async function handle(db: PGlite, request: PgliteRequest): Promise<unknown> {
  switch (request.op) {
    case 'query': {
      const target = request.tx === undefined ? db : transactions.get(request.tx)?.tx;
      if (!target) throw new Error(`transaction ${request.tx} is not open`);
      const result: Results = await target.query(request.sql, request.params, {
        rowMode: request.rowMode,
        parsers: textParsers(request.textTypes),
      });
      return { rows: result.rows, fields: result.fields, affectedRows: result.affectedRows };
    }
    case 'begin':
      return begin(db);
    case 'end': {
      const open = transactions.get(request.tx);
      if (!open) throw new Error(`transaction ${request.tx} is not open`);
      open.finish(request.commit);
      try {
        await open.done;
      } catch (error) {
        if (error !== ROLLBACK) throw error;
      }
      return null;
    }
    case 'listen': {
      await db.listen(request.channel, (payload) =>
        send({ op: 'notify', channel: request.channel, payload }),
      );
      return null;
    }
    case 'close': {
      await db.close();
      return null;
    }
  }
}

/**
 * PGlite's shared buffers, the embedded database's page cache. PGlite 0.3 starts PostgreSQL
 * with `-c shared_buffers=128MB` written into its WebAssembly (WASM_PGOPTS in its
 * pglite-wasm/pg_main.c), which outranks postgresql.conf and ALTER SYSTEM, and it has no option
 * for it. All of them are allocated, and written, when PostgreSQL starts: 128 MB of the
 * process's memory whatever the data. Tessera's embedded databases are small, and a page that
 * misses the cache is read from the operating system's, so 8 MB serve the same requests.
 */
const SHARED_BUFFERS = 'shared_buffers=8MB';
const COMPILED_SHARED_BUFFERS = 'shared_buffers=128MB';

/**
 * A PGlite extension in name only: it changes the start-up option above in PostgreSQL's memory
 * before PostgreSQL reads it (emscripten's preRun, after the WebAssembly's data is in place).
 * The new text is shorter and ends with its own NUL. A build without the option's text is left
 * as it is (test/db/pglite-thread.test.ts checks the setting).
 */
const startupOptions: Extension = {
  name: 'tessera-startup-options',
  setup: async (_pg, emscriptenOpts: { preRun?: ((module: EmscriptenModule) => void)[] }) => ({
    emscriptenOpts: {
      ...emscriptenOpts,
      preRun: [
        ...(emscriptenOpts.preRun ?? []),
        (module: EmscriptenModule) => {
          const memory = Buffer.from(module.HEAPU8.buffer, module.HEAPU8.byteOffset, module.HEAPU8.length);
          const at = memory.indexOf(`${COMPILED_SHARED_BUFFERS}\0`, 0, 'latin1');
          if (at >= 0) memory.write(`${SHARED_BUFFERS}\0`, at, 'latin1');
        },
      ],
    },
  }),
};

/** The part of emscripten's module the start-up options change. */
interface EmscriptenModule {
  HEAPU8: Uint8Array;
}

/**
 * The template cluster for a data folder that has none yet (PgliteThreadOptions.template), as
 * an uncompressed tar, or undefined: an existing cluster opens as it is, and without a template
 * PGlite runs initdb.
 *
 * This thread reads and unzips it synchronously, as it reads PGlite's WebAssembly: it has
 * nothing else to do until PGlite is open, while Node's asynchronous file and zlib calls queue
 * in the thread pool behind the main thread's module loading, which is at its busiest then.
 * PGlite is handed the tar itself: given the gzip without its type, it first tries to read it
 * as a tar, fails, and unzips it in the thread pool.
 */
function templateFor(dataDir: string, template: string | undefined): Blob | undefined {
  if (!template || dataDir.includes('://') || existsSync(path.join(dataDir, 'PG_VERSION'))) return undefined;
  if (!existsSync(template)) return undefined;
  return new Blob([gunzipSync(readFileSync(template))], { type: 'application/x-tar' });
}

/**
 * V8 compiles WebAssembly lazily with its baseline compiler (Liftoff) and recompiles the
 * functions that run hot with its optimising one (TurboFan). For PostgreSQL's large functions
 * the optimising compiler's working memory is large; it is freed afterwards but kept by the C
 * allocator's per-thread arenas, and the recompiling competes with the requests for the CPU.
 * With it the embedded instance starts slower and holds much more memory under load, and only
 * queries that scan many rows run faster once it is done. The baseline compiler alone is the
 * default; `TESSERA_EMBEDDED_OPTIMIZING_COMPILER` restores the optimising one. The flag is read
 * when a function is compiled, so it is set here, before PGlite's module is: a worker thread's
 * start puts back the flags the process was started with, so the main thread cannot set it.
 */
function chooseWasmCompiler(optimizing: boolean): void {
  v8.setFlagsFromString(optimizing ? '--no-liftoff-only' : '--liftoff-only');
}

/** Opens PGlite; the first thread of a process compiles its WebAssembly and hands it back. */
async function start(compiled: WebAssembly.Module | undefined): Promise<PGlite> {
  chooseWasmCompiler(options.optimizingCompiler ?? false);
  const compiling = compiled ?? WebAssembly.compile(readFileSync(PGLITE_WASM));
  const loadDataDir = templateFor(options.dataDir, options.template);
  const wasmModule = await compiling;
  if (!compiled) send({ op: 'compiled', wasmModule });
  return PGlite.create(options.dataDir, {
    extensions: { pg_trgm, startupOptions },
    wasmModule,
    loadDataDir,
  });
}

// PGlite starts when the main thread says so, with the compiled WebAssembly module when the
// process has one (see src/db/pglite-thread.ts). The listener is attached at once and holds
// requests until PGlite is open: attached only after the start, it received its first message
// half a second late (measured, Node 20).
let open: (db: PGlite) => void = () => undefined;
let fail: (error: unknown) => void = () => undefined;
const opening = new Promise<PGlite>((resolve, reject) => {
  open = resolve;
  fail = reject;
});
opening.then(
  () => send({ op: 'ready' }),
  (error: unknown) => send({ op: 'failed', error: serializeError(error) }),
);
port.on('message', (request: PgliteRequest | PgliteStart) => {
  if (request.op === 'start') {
    start(request.wasmModule).then(open, fail);
    return;
  }
  opening
    .then((db) => handle(db, request))
    .then(
      (result) => send({ op: 'reply', id: request.id, ok: true, result }),
      (error: unknown) => send({ op: 'reply', id: request.id, ok: false, error: serializeError(error) }),
    );
});
