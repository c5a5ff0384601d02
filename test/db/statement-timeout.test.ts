/**
 * On PostgreSQL: a statement that runs past TESSERA_POSTGRESQL_STATEMENT_TIMEOUT_MS answers 503
 * in authentik's error shape, and the start waits for a server that is not up yet, saying what
 * it waits for, but not for one that refuses. Uses the machine's server directly, whichever
 * database the rest of the suite runs on.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import pg from 'pg';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/client.js';
import { scratchDatabase, serverSettings } from '../helpers/database.js';
import { requireServices } from '../helpers/services.js';
import { buildTestApp } from '../helpers/test-app.js';

function serverEnv(name: string, extra: Record<string, string> = {}): Record<string, string> {
  const server = serverSettings();
  return {
    AUTHENTIK_POSTGRESQL__HOST: server.host,
    AUTHENTIK_POSTGRESQL__PORT: String(server.port),
    AUTHENTIK_POSTGRESQL__USER: server.user,
    AUTHENTIK_POSTGRESQL__NAME: name,
    ...extra,
  };
}

const skip = await requireServices({ postgresql: serverSettings().port });

async function setUp() {
  const scratch = await scratchDatabase();
  after(() => scratch.drop());
  const env = serverEnv(scratch.name, { TESSERA_POSTGRESQL_STATEMENT_TIMEOUT_MS: '300' });
  const config = loadConfig(env).database;
  return {
    scratch,
    t: await buildTestApp(env, { opened: { database: await openDatabase(config), config } }),
  };
}
const context = skip ? undefined : await setUp();
function ctx() {
  if (!context) throw new Error('not set up');
  return context;
}

test(
  'a statement past the timeout answers 503 with a detail and Retry-After, not 500',
  { skip },
  async () => {
    const { scratch, t } = ctx();
    // Another session holds the table, so the list waits on its lock until the timeout.
    const blocker = new pg.Client({ ...serverSettings(), database: scratch.name });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE groups IN ACCESS EXCLUSIVE MODE');
      const response = await t.client.get('/api/v3/core/groups/');
      assert.equal(response.status, 503);
      assert.equal(typeof response.body.detail, 'string');
      assert.equal(response.headers['retry-after'], '5');
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    assert.equal((await t.client.get('/api/v3/core/groups/')).status, 200);
  },
);

test('the start waits for a server that does not answer yet, and says so', { skip }, async () => {
  const { scratch } = ctx();
  const lines: string[] = [];
  // Port 1: nothing listens there.
  const unreachable = loadConfig(
    serverEnv(scratch.name, { AUTHENTIK_POSTGRESQL__PORT: '1', TESSERA_POSTGRESQL_CONNECT_ATTEMPTS: '2' }),
  ).database;
  await assert.rejects(
    openDatabase(unreachable, { log: (line) => lines.push(line) }),
    /did not accept a connection in 2 attempts .*TESSERA_POSTGRESQL_CONNECT_ATTEMPTS/,
  );
  assert.equal(lines.length, 1);
  assert.match(lines[0], /waiting for PostgreSQL at 127\.0\.0\.1:1 .*attempt 1 of 2/);
});

test('a server that refuses (no such database) fails the start at once', { skip }, async () => {
  const lines: string[] = [];
  const missing = loadConfig(serverEnv('tessera_no_such_database')).database;
  await assert.rejects(openDatabase(missing, { log: (line) => lines.push(line) }), /does not exist/);
  assert.deepEqual(lines, []);
});
