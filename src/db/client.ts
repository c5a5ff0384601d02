/**
 * Opens the database: PostgreSQL through node-postgres when configured, otherwise the
 * embedded PGlite in a data folder. Both run the same drizzle migrations and the same SQL.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PGlite } from '@electric-sql/pglite';
import type { SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { DatabaseConfig } from '../config.js';
import * as schema from './schema.js';
import { ChangeFeed, listenPglite, listenPostgres } from './change-feed.js';
import { PgliteThread, type PgliteClient } from './pglite-thread.js';

export type Schema = typeof schema;
/** A database handle or an open transaction: repositories accept either. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export interface Database {
  db: Db;
  kind: 'postgres' | 'pglite';
  /**
   * Calls `listener` with the text and parameters of every statement issued from now on, until
   * the returned function is called (statement counts in tests, the opt-in debug routes).
   */
  onStatement(listener: StatementListener): () => void;
  /** Change notifications, for caches (src/db/change-feed.ts). */
  changes: ChangeFeed;
  /**
   * Settles when the database is open and migrated. PostgreSQL is by the time openDatabase
   * returns; PGlite opens on its own thread meanwhile, and holds statements until then.
   */
  ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * PGlite is an in-process database: two processes on one data folder corrupt it. A lock file
 * with the owner's pid refuses a second process with a clear message; a stale lock (its
 * process is gone) is taken over.
 */
function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const lockPath = path.join(dataDir, 'tessera.lock');
  try {
    writeFileSync(lockPath, String(process.pid), { flag: 'wx' });
  } catch {
    const owner = Number(readFileSync(lockPath, 'utf8'));
    let alive = false;
    try {
      if (owner && owner !== process.pid) {
        process.kill(owner, 0);
        alive = true;
      }
    } catch {
      alive = false;
    }
    if (alive) {
      throw new Error(`data folder ${dataDir} is in use by another Tessera process (pid ${owner})`);
    }
    writeFileSync(lockPath, String(process.pid));
  }
  return () => rmSync(lockPath, { force: true });
}

/**
 * Where PGlite keeps its cluster. PGlite's initdb refuses a folder that is not empty, and the
 * lock file must exist before the cluster is opened, so a new data folder holds the cluster in
 * `pgdata/` beside `tessera.lock`; a folder that already holds a cluster at its top level
 * (`PG_VERSION`, the first layout) is used as it is.
 */
function clusterDir(dataDir: string): string {
  return existsSync(path.join(dataDir, 'PG_VERSION')) ? dataDir : path.join(dataDir, 'pgdata');
}

const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url));

export type StatementListener = (statement: string, params: unknown[]) => void;

/** drizzle's logger, fanning each statement out to the current listeners. */
function statementListeners() {
  let listeners: StatementListener[] = [];
  return {
    logger: {
      logQuery: (statement: string, params: unknown[]) => {
        for (const listener of listeners) listener(statement, params);
      },
    },
    onStatement(listener: StatementListener): () => void {
      listeners = [...listeners, listener];
      return () => {
        listeners = listeners.filter((other) => other !== listener);
      };
    },
  };
}

/** The parts of drizzle's database object `query()` uses to name a statement. */
interface DrizzleInternals {
  dialect?: { sqlToQuery(statement: SQL): { sql: string; params: unknown[] } };
  session?: {
    prepareQuery(
      query: { sql: string; params: unknown[] },
      fields: undefined,
      name: string | undefined,
      arrayMode: boolean,
    ): { execute(): Promise<unknown> };
  };
}

/**
 * Statement texts and their names. Named statements are parsed and planned once per pooled
 * PostgreSQL connection and then only bound and executed (PostgreSQL's plan cache keeps
 * choosing custom plans while a generic one is estimated to cost more): measured on the seed
 * list, see the commit that added this. Texts come from the code, not from clients (values
 * are parameters), so the set is small; the cap only guards against a statement built with
 * a varying number of terms (search words), past which statements go unnamed. PGlite
 * ignores the name.
 */
const statementNames = new Map<string, string>();
const MAX_NAMED_STATEMENTS = 2000;

function statementName(text: string): string | undefined {
  let name = statementNames.get(text);
  if (name === undefined && statementNames.size < MAX_NAMED_STATEMENTS) {
    name = `tessera_${statementNames.size + 1}`;
    statementNames.set(text, name);
  }
  return name;
}

/** Runs a raw statement and returns its rows, on either driver, as a named (prepared) statement. */
export async function query<T>(db: Db, statement: SQL): Promise<T[]> {
  const { dialect, session } = db as unknown as DrizzleInternals;
  if (!dialect || !session) {
    const result = (await db.execute(statement)) as unknown as { rows: T[] };
    return result.rows;
  }
  const built = dialect.sqlToQuery(statement);
  const prepared = session.prepareQuery(built, undefined, statementName(built.sql), false);
  const result = (await prepared.execute()) as { rows: T[] };
  return result.rows;
}

export async function openDatabase(config: DatabaseConfig): Promise<Database> {
  const { logger, onStatement } = statementListeners();
  // Each driver is imported only when it is the one configured: the other's modules would add
  // a tenth of a second to every start.
  if (config.kind === 'postgres') {
    const [{ default: pg }, { drizzle: drizzlePg }, { migrate: migratePg }] = await Promise.all([
      import('pg'),
      import('drizzle-orm/node-postgres'),
      import('drizzle-orm/node-postgres/migrator'),
    ]);
    const connection = {
      host: config.host,
      port: config.port,
      user: config.user,
      password: config.password,
      database: config.name,
    };
    const pool = new pg.Pool({ ...connection, max: config.poolSize });
    // A pool error (for example the server restarting) must not crash the process; the next
    // query reports it to its caller.
    pool.on('error', () => undefined);
    const db = drizzlePg(pool, { schema, logger }) as unknown as Db;
    await migratePg(db as never, { migrationsFolder });
    const changes = new ChangeFeed();
    const listener = await listenPostgres(changes, connection);
    return {
      db,
      kind: 'postgres',
      onStatement,
      changes,
      ready: Promise.resolve(),
      close: async () => {
        await listener.close();
        await pool.end();
      },
    };
  }
  // PGlite opens on its own thread (src/db/pglite-thread.ts). The migrations are sent at once
  // and the app's statements are held until they are done, so the caller can build the app
  // while the database starts; `ready` says when it has.
  const release = config.dataDir === 'memory://' ? () => undefined : lockDataDir(config.dataDir);
  const thread = new PgliteThread({
    dataDir: config.dataDir === 'memory://' ? config.dataDir : clusterDir(config.dataDir),
  });
  const [{ drizzle: drizzlePglite }, { migrate: migratePglite }] = await Promise.all([
    import('drizzle-orm/pglite'),
    import('drizzle-orm/pglite/migrator'),
  ]);
  // drizzle's PGlite session uses only what the thread's clients forward.
  const asPglite = (client: PgliteClient) => client as unknown as PGlite;
  const db = drizzlePglite(asPglite(thread.client), { schema, logger }) as unknown as Db;
  const changes = new ChangeFeed();
  let listener: { close(): Promise<void> } | undefined;
  const ready = (async () => {
    await thread.opened;
    await migratePglite(drizzlePglite(asPglite(thread.direct), { schema, logger }), { migrationsFolder });
    listener = await listenPglite(changes, thread);
  })();
  thread.holdUntil(ready);
  ready.catch(async () => {
    await thread.close();
    release();
  });
  return {
    db,
    kind: 'pglite',
    onStatement,
    changes,
    ready,
    close: async () => {
      await listener?.close();
      await thread.close();
      release();
    },
  };
}

declare module 'fastify' {
  interface FastifyInstance {
    database: Database;
  }
}
