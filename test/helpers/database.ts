/**
 * A fresh database per test app: in-memory PGlite by default, or, with
 * TESSERA_TEST_DATABASE=postgres, a new database on the PostgreSQL server (created from
 * scratch, migrated, dropped afterwards). Connection settings for the server come from
 * TESSERA_TEST_PG_HOST / _PORT / _USER / _PASSWORD (default 127.0.0.1:5432, postgres).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/db/client.js';
import type { DatabaseConfig } from '../../src/config.js';

export const usePostgres = process.env.TESSERA_TEST_DATABASE === 'postgres';

export function serverSettings() {
  return {
    host: process.env.TESSERA_TEST_PG_HOST ?? '127.0.0.1',
    port: Number(process.env.TESSERA_TEST_PG_PORT ?? 5432),
    user: process.env.TESSERA_TEST_PG_USER ?? 'postgres',
    password: process.env.TESSERA_TEST_PG_PASSWORD ?? '',
  };
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ ...serverSettings(), database: 'postgres' });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** The settings of an embedded PGlite database in `dataDir` (`memory://` keeps it in memory). */
export function pgliteConfig(dataDir: string): DatabaseConfig {
  return { kind: 'pglite', host: '', port: 0, user: '', password: '', name: '', dataDir, poolSize: 1 };
}

/** Opens a new, empty, migrated database; its `close()` also drops it on PostgreSQL. */
export async function openTestDatabase(): Promise<{ database: Database; config: DatabaseConfig }> {
  if (!usePostgres) {
    const config = pgliteConfig('memory://');
    return { database: await openDatabase(config), config };
  }
  const name = `tessera_test_${randomBytes(6).toString('hex')}`;
  await admin((client) => client.query(`CREATE DATABASE ${name}`));
  const config: DatabaseConfig = { kind: 'postgres', ...serverSettings(), name, dataDir: '', poolSize: 10 };
  const database = await openDatabase(config);
  const close = database.close;
  database.close = async () => {
    await close();
    await admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  };
  return { database, config };
}

/**
 * Waits until every change notification committed so far has reached this process: a marker
 * notification is sent and awaited (PostgreSQL delivers notifications in commit order). Tests
 * that change rows directly and then expect the caches to have followed call it in between,
 * as a real client would simply be later than the notification.
 */
export async function settleChanges(database: Database): Promise<void> {
  const marker = `test:${randomUUID()}` as const;
  let unsubscribe = () => {};
  const arrived = new Promise<void>((resolve) => {
    unsubscribe = database.changes.subscribe(marker, resolve);
  });
  await database.db.execute(sql`SELECT pg_notify('tessera_changes', ${marker})`);
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error('change notifications did not arrive within 5 s')), 5000).unref(),
  );
  try {
    await Promise.race([arrived, timeout]);
  } finally {
    unsubscribe();
  }
}

const statementCounts = new WeakMap<Database, { count: number }>();

/**
 * Statements the database has issued since the first call for it: tests read deltas of it
 * around the requests they measure.
 */
export function statementCount(database: Database): number {
  let counter = statementCounts.get(database);
  if (!counter) {
    const created = { count: 0 };
    database.onStatement(() => {
      created.count += 1;
    });
    statementCounts.set(database, created);
    counter = created;
  }
  return counter.count;
}
