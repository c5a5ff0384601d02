/**
 * Opens the database: PostgreSQL through node-postgres when configured, otherwise the
 * embedded PGlite in a data folder. Both run the same drizzle migrations and the same SQL.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PGlite } from '@electric-sql/pglite';
import { sql, type SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { DatabaseConfig, PostgresScaleConfig } from '../config.js';
import type { ReadRouting } from './read-routing.js';
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
  /** Read replicas in use (PostgreSQL with AUTHENTIK_POSTGRESQL__READ_REPLICAS__*). */
  routing?: ReadRouting;
  /**
   * Settles when the database is open and migrated. PostgreSQL is by the time openDatabase
   * returns; PGlite opens on its own thread meanwhile, and holds statements until then.
   */
  ready: Promise<void>;
  close(): Promise<void>;
  /** The PostgreSQL pool's connections (metrics); absent for PGlite, which has one. */
  poolStats?(): { total: number; idle: number; waiting: number };
}

/**
 * PGlite is an in-process database: two processes on one data folder corrupt it. A lock file
 * with the owner's pid refuses a second process with a clear message; a stale lock (its
 * process is gone) is taken over.
 */
export function lockDataDir(dataDir: string): () => void {
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
export function clusterDir(dataDir: string): string {
  return existsSync(path.join(dataDir, 'PG_VERSION')) ? dataDir : path.join(dataDir, 'pgdata');
}

const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url));
/** The cluster `npm run build` makes for new data folders (scripts/pglite-template.mjs), beside the compiled code. */
const pgliteTemplate = fileURLToPath(new URL('./pglite-template.tar.gz', import.meta.url));

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

/**
 * PGlite runs PostgreSQL as a single user, without the autovacuum workers a server has: the
 * tables that churn (sessions, events, rate_limits) would keep their dead rows and grow. This
 * periodic task vacuums them instead.
 */
export function embeddedVacuumTask(db: Db, intervalSeconds: number) {
  return {
    name: 'vacuum_embedded_database',
    intervalSeconds,
    run: async () => {
      await db.execute(sql`VACUUM (ANALYZE) sessions, events, rate_limits`);
    },
  };
}

/** Opens PostgreSQL: waits for it, migrates, listens for changes, and routes reads to replicas. */
async function openPostgres(
  config: DatabaseConfig,
  statements: ReturnType<typeof statementListeners>,
  log: (line: string) => void,
): Promise<Database> {
  const [{ drizzle: drizzlePg }, { migrate: migratePg }, postgres, { ReadRouting }] = await Promise.all([
    import('drizzle-orm/node-postgres'),
    import('drizzle-orm/node-postgres/migrator'),
    import('./postgres.js'),
    import('./read-routing.js'),
  ]);
  const scale = config.scale ?? defaultScale;
  const primary = { ...config, tls: scale.tls };
  const poolOptions = {
    statementTimeoutMs: scale.statementTimeoutMs,
    usePgbouncer: scale.usePgbouncer,
  };
  const pool = postgres.createPool(primary, { ...poolOptions, max: config.poolSize });
  const replicas = scale.replicas.map((replica) =>
    // A replica never sits behind the primary's pooler settings: it gets its own pool.
    postgres.createPool(replica, { ...poolOptions, usePgbouncer: false, max: config.poolSize }),
  );
  try {
    await postgres.waitForServer(
      pool,
      `${config.host}:${config.port}`,
      scale.connectAttempts,
      log,
      scale.tls,
    );
    // Replicas settle `allow` and `prefer` in the background: start-up does not wait on a
    // replica that is slow or unreachable, and a read the replica refuses meanwhile is skipped
    // by the routing and answered by the primary.
    scale.replicas.forEach((replica, index) => {
      if (replica.tls.mode === 'allow' || replica.tls.mode === 'prefer') {
        void postgres.negotiateTls(replicas[index], replica.tls).catch(() => undefined);
      }
    });
    const db = drizzlePg(pool, { schema, logger: statements.logger }) as unknown as Db;
    await migratePg(db as never, { migrationsFolder });
    const changes = new ChangeFeed();
    // LISTEN holds session state, which a pooler in transaction mode does not keep: the feed
    // listens on the direct endpoint (authentik's `postgresql.direct.*`). Without one behind a
    // pooler it stays disconnected, and the caches that depend on it are bypassed.
    const direct = scale.direct ?? (scale.usePgbouncer ? undefined : primary);
    if (!direct) {
      log(
        'AUTHENTIK_POSTGRESQL__USE_PGBOUNCER is set without AUTHENTIK_POSTGRESQL__DIRECT__HOST: change ' +
          'notifications are off and the caches they keep fresh are bypassed',
      );
    }
    // The primary's pool has settled `allow` and `prefer` already; a direct endpoint of its own
    // settles them with a trial connection.
    const listenConfig =
      direct === undefined
        ? undefined
        : direct === primary
          ? { ...postgres.clientConfig(direct), ssl: postgres.poolTls(pool) }
          : await postgres.negotiatedClientConfig(direct);
    const listener = listenConfig ? await listenPostgres(changes, listenConfig) : undefined;
    const routing =
      replicas.length > 0 ? new ReadRouting(replicas, scale.replicaPinSeconds * 1000) : undefined;
    routing?.attach(pool);
    routing?.checkLag(pool, scale.replicaLagCheckSeconds);
    return {
      db,
      kind: 'postgres',
      onStatement: statements.onStatement,
      changes,
      routing,
      ready: Promise.resolve(),
      close: async () => {
        await listener?.close();
        await routing?.close();
        await pool.end();
      },
      poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    };
  } catch (error) {
    await Promise.all([pool, ...replicas].map((p) => p.end().catch(() => undefined)));
    throw error;
  }
}

const defaultScale: PostgresScaleConfig = {
  usePgbouncer: false,
  direct: undefined,
  replicas: [],
  replicaPinSeconds: 10,
  replicaLagCheckSeconds: 1,
  tls: { mode: 'prefer' },
  statementTimeoutMs: 0,
  connectAttempts: 1,
};

export interface OpenOptions {
  /** Where start-up progress goes (waiting for the server, settings that turn things off). */
  log?: (line: string) => void;
}

export async function openDatabase(config: DatabaseConfig, options: OpenOptions = {}): Promise<Database> {
  const log = options.log ?? ((line: string) => process.stderr.write(`tessera: ${line}\n`));
  const statements = statementListeners();
  const { logger, onStatement } = statements;
  // Each driver is imported only when it is the one configured: the other's modules would add
  // a tenth of a second to every start.
  if (config.kind === 'postgres') return openPostgres(config, statements, log);
  // PGlite opens on its own thread (src/db/pglite-thread.ts). The migrations are sent at once
  // and the app's statements are held until they are done, so the caller can build the app
  // while the database starts; `ready` says when it has.
  const release = config.dataDir === 'memory://' ? () => undefined : lockDataDir(config.dataDir);
  const thread = new PgliteThread({
    dataDir: config.dataDir === 'memory://' ? config.dataDir : clusterDir(config.dataDir),
    template: pgliteTemplate,
    optimizingCompiler: config.embeddedOptimizingCompiler ?? false,
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
