/**
 * The PostgreSQL services beside the machine's server that some files test against: pgbouncer
 * in transaction mode and a streaming replica, both started by scripts/test-services.sh. A file
 * calls `requireServices` at its top and skips when they are absent, except under CI
 * (CI=true, set by .ci/run after starting them), where an absent service fails the file.
 */
import { spawnSync } from 'node:child_process';
import pg from 'pg';
import { serverSettings } from './database.js';

export { scratchDatabase } from './database.js';

export const PGBOUNCER_PORT = Number(process.env.TESSERA_TEST_PGBOUNCER_PORT ?? 6432);
export const REPLICA_PORT = Number(process.env.TESSERA_TEST_REPLICA_PORT ?? 5433);

async function answers(port: number, database = 'postgres'): Promise<boolean> {
  const client = new pg.Client({ ...serverSettings(), port, database, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Undefined when every named service answers (after running scripts/test-services.sh once if
 * one did not); otherwise the reason to skip. Throws under CI instead of skipping.
 */
export async function requireServices(services: Record<string, number>): Promise<string | undefined> {
  const missing = async () => {
    const absent: string[] = [];
    for (const [name, port] of Object.entries(services))
      if (!(await answers(port))) absent.push(`${name} on ${port}`);
    return absent;
  };
  let absent = await missing();
  if (absent.length > 0) {
    const run = spawnSync('scripts/test-services.sh', { encoding: 'utf8' });
    absent = await missing();
    if (absent.length > 0) {
      const reason =
        `${absent.join(', ')} not running and scripts/test-services.sh could not start it ` +
        `(${(run.stderr || run.error?.message || '').trim() || 'no output'})`;
      if (process.env.CI === 'true') throw new Error(`CI requires the test services: ${reason}`);
      return `skipped: ${reason}`;
    }
  }
  return undefined;
}

/** Runs `sql` on the replica's copy of `database`. */
export async function onReplica<T extends pg.QueryResultRow>(database: string, text: string): Promise<T[]> {
  const client = new pg.Client({ ...serverSettings(), port: REPLICA_PORT, database });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

/** Waits until the replica can open `database` (its creation has been replayed). */
export async function replicaHas(database: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    if (await answers(REPLICA_PORT, database)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the replica did not receive database ${database}`);
}
