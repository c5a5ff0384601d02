/** Connections the suite uses to set up data: PostgreSQL (pg) or a PGlite data folder. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import pg from 'pg';
import type { SqlRunner } from './generate.js';

export interface PgSettings {
  host: string;
  port: number;
  user: string;
  name: string;
}

export interface OpenRunner extends SqlRunner {
  close(): Promise<void>;
}

/** Drops and recreates the dedicated benchmark database (never anything else). */
export async function recreatePgDatabase(settings: PgSettings): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(settings.name) || !settings.name.includes('bench')) {
    throw new Error(`refusing to drop "${settings.name}": the benchmark database name must contain "bench"`);
  }
  const client = new pg.Client({ ...settings, database: 'postgres' });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${settings.name} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${settings.name}`);
  } finally {
    await client.end();
  }
}

export async function dropPgDatabase(settings: PgSettings): Promise<void> {
  const client = new pg.Client({ ...settings, database: 'postgres' });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${settings.name} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

export async function openPgRunner(settings: PgSettings): Promise<OpenRunner & { client: pg.Client }> {
  const client = new pg.Client({ ...settings, database: settings.name });
  await client.connect();
  await client.query(`SET maintenance_work_mem = '256MB'`);
  return {
    client,
    exec: async (text) => {
      await client.query(text);
    },
    rows: async <T>(text: string) => (await client.query(text)).rows as T[],
    close: () => client.end(),
  };
}

/** Opens a Tessera data folder: the cluster is in `pgdata/` (or at the top level, as src/db/client.ts reads it). */
export async function openPgliteRunner(dataDir: string): Promise<OpenRunner> {
  const cluster = existsSync(path.join(dataDir, 'PG_VERSION')) ? dataDir : path.join(dataDir, 'pgdata');
  const client = await PGlite.create(cluster, { extensions: { pg_trgm } });
  return {
    exec: async (text) => {
      await client.exec(text);
    },
    rows: async <T>(text: string) => (await client.query<T>(text)).rows,
    close: () => client.close(),
  };
}
