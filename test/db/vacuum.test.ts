/**
 * The embedded database has no autovacuum workers: a periodic task vacuums the tables that
 * churn. PostgreSQL vacuums itself, so the task exists only on PGlite.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'drizzle-orm';
import { query } from '../../src/db/client.js';
import { buildTestApp } from '../helpers/test-app.js';

const t = await buildTestApp();

test('the embedded database vacuums sessions, events and rate_limits; PostgreSQL has no such task', async () => {
  if (t.database.kind === 'postgres') {
    await assert.rejects(t.app.runTask('vacuum_embedded_database'), /unknown task/);
    return;
  }
  await t.app.runTask('vacuum_embedded_database');
  const rows = await query<{ relname: string }>(
    t.database.db,
    sql`SELECT relname FROM pg_stat_user_tables
        WHERE relname IN ('sessions', 'events', 'rate_limits') AND last_vacuum IS NOT NULL ORDER BY relname`,
  );
  assert.deepEqual(
    rows.map((r) => r.relname),
    ['events', 'rate_limits', 'sessions'],
  );
});
