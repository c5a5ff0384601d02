/**
 * Read replicas (AUTHENTIK_POSTGRESQL__READ_REPLICAS__0__*): list and retrieve requests of a
 * client that has not written lately are answered by the replica; a client that has just
 * written reads its own writes from the primary, even while the replica lags; a replica that
 * cannot be reached is skipped. The replica is a streaming standby of the machine's server made
 * by scripts/test-services.sh; the file skips without it, except under CI.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { sql } from 'drizzle-orm';
import { openDatabase, query } from '../../src/db/client.js';
import type { ReadRouting } from '../../src/db/read-routing.js';
import { serverSettings } from '../helpers/database.js';
import { createUserWithToken } from '../helpers/factories.js';
import {
  onReplica,
  REPLICA_PORT,
  replicaHas,
  requireServices,
  scratchDatabase,
} from '../helpers/services.js';
import { buildTestApp, TestClient, type TestContext } from '../helpers/test-app.js';

const skip = await requireServices({ replica: REPLICA_PORT });

function replicatedEnv(name: string, replicaPort: number, lagCheckSeconds = 0): Record<string, string> {
  const server = serverSettings();
  return {
    // The lag check is off unless a test is about it: the others pause the replica and must
    // see what routing does without it.
    TESSERA_POSTGRESQL_READ_REPLICA_LAG_CHECK_SECONDS: String(lagCheckSeconds),
    AUTHENTIK_POSTGRESQL__HOST: server.host,
    AUTHENTIK_POSTGRESQL__PORT: String(server.port),
    AUTHENTIK_POSTGRESQL__USER: server.user,
    AUTHENTIK_POSTGRESQL__NAME: name,
    AUTHENTIK_POSTGRESQL__READ_REPLICAS__0__HOST: server.host,
    AUTHENTIK_POSTGRESQL__READ_REPLICAS__0__PORT: String(replicaPort),
  };
}

/** Waits until the replica has replayed whatever the primary has committed so far. */
async function caughtUp(t: TestContext): Promise<void> {
  const [{ lsn }] = await query<{ lsn: string }>(
    t.database.db,
    sql`SELECT pg_current_wal_lsn()::text AS lsn`,
  );
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const [row] = await onReplica<{ done: boolean }>(
      t.config.database.name,
      `SELECT pg_last_wal_replay_lsn() >= '${lsn}'::pg_lsn AS done`,
    );
    if (row.done) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the replica did not catch up');
}

async function setUp() {
  const scratch = await scratchDatabase();
  after(() => scratch.drop());
  const env = replicatedEnv(scratch.name, REPLICA_PORT);
  const config = loadConfig(env).database;
  const t = await buildTestApp(env, { opened: { database: await openDatabase(config), config } });
  await replicaHas(scratch.name);
  await caughtUp(t);
  const routing = t.database.routing as ReadRouting;
  // A superuser who has made no request yet: nothing pins it to the primary.
  const reader = t.client.as((await createUserWithToken(t, { superuser: true })).token);
  return { t, routing, reader };
}

const context = skip ? undefined : await setUp();
function ctx() {
  if (!context) throw new Error('not set up');
  return context;
}

/** Pauses the replica's replay for `fn`, so that it lags behind the primary. */
async function whileReplicaLags(database: string, fn: () => Promise<void>): Promise<void> {
  await onReplica(database, 'SELECT pg_wal_replay_pause()');
  try {
    await fn();
  } finally {
    await onReplica(database, 'SELECT pg_wal_replay_resume()');
  }
}

describe('read replicas', { skip }, () => {
  test('lists and retrieves of a client that has not written are answered by the replica', async () => {
    const { t, routing, reader } = ctx();
    await caughtUp(t);
    const before = routing.replicaStatements;
    const list = await reader.get('/api/v3/core/groups/');
    assert.equal(list.status, 200);
    assert.ok(list.body.results.some((g: { name: string }) => g.name === 'authentik Admins'));
    assert.ok(routing.replicaStatements > before, 'the list was not read from the replica');
  });

  test('a client reads its own write at once from the primary, even while the replica lags', async () => {
    const { t, routing, reader } = ctx();
    await caughtUp(t);
    await whileReplicaLags(t.config.database.name, async () => {
      const created = await t.client.post('/api/v3/core/groups/', { name: 'made-while-lagging' });
      assert.equal(created.status, 201);
      const before = routing.replicaStatements;
      // The writer is pinned to the primary: not one statement goes to the replica.
      const own = await t.client.get(`/api/v3/core/groups/${created.body.pk}/`);
      assert.equal(own.status, 200);
      assert.equal(own.body.name, 'made-while-lagging');
      assert.equal(routing.replicaStatements, before);
      // Another client asks the replica first, which has not seen the group: "not found" from
      // a replica is asked again of the primary.
      const others = await reader.get(`/api/v3/core/groups/${created.body.pk}/`);
      assert.equal(others.status, 200);
      assert.ok(routing.replicaStatements > before);
    });
    await caughtUp(t);
  });

  test('a token created a moment ago authenticates at once and finds its user, while the replica lags', async () => {
    const { t } = ctx();
    await caughtUp(t);
    await whileReplicaLags(t.config.database.name, async () => {
      const fresh = await createUserWithToken(t, { superuser: true });
      const response = await t.client.as(fresh.token).get('/api/v3/core/users/me/');
      assert.equal(response.status, 200);
      assert.equal(response.body.user.username, fresh.username);
    });
    await caughtUp(t);
  });

  test('a replica that falls behind is left out until it catches up', async () => {
    const { t } = ctx();
    await caughtUp(t);
    const env = replicatedEnv(t.config.database.name, REPLICA_PORT, 1);
    const config = loadConfig(env).database;
    const database = await openDatabase(config);
    const routing = database.routing as ReadRouting;
    const app = await buildApp(
      { ...t.config, database: config },
      { database, logger: false, schedule: false },
    );
    const reader = new TestClient(app, (await createUserWithToken(t, { superuser: true })).token);
    const until = async (state: boolean) => {
      for (let i = 0; i < 100 && routing.isBehind(0) !== state; i += 1) {
        await t.client.post('/api/v3/core/groups/', { name: `lag-${Date.now()}-${i}` });
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal(routing.isBehind(0), state);
    };
    try {
      await whileReplicaLags(t.config.database.name, async () => {
        await until(true);
        const before = routing.replicaStatements;
        assert.equal((await reader.get('/api/v3/core/groups/')).status, 200);
        assert.equal(routing.replicaStatements, before);
      });
      await until(false);
      const before = routing.replicaStatements;
      assert.equal((await reader.get('/api/v3/core/groups/')).status, 200);
      assert.ok(routing.replicaStatements > before);
    } finally {
      await app.close();
      await database.close();
    }
  });

  test('a flow never reads from the replica', async () => {
    const { routing } = ctx();
    const before = routing.replicaStatements;
    const response = await new TestClient(ctx().t.app, null).get(
      '/api/v3/flows/executor/no-such-flow/?query=',
    );
    assert.equal(response.status, 404);
    assert.equal(routing.replicaStatements, before);
  });

  test('a replica that cannot be reached is skipped and the primary answers', async () => {
    const { t } = ctx();
    // Port 1: nothing listens there, so connecting fails at once.
    const env = replicatedEnv(t.config.database.name, 1);
    const config = loadConfig(env).database;
    const database = await openDatabase(config);
    const app = await buildApp(
      { ...t.config, database: config },
      { database, logger: false, schedule: false },
    );
    try {
      const reader = new TestClient(app, (await createUserWithToken(t, { superuser: true })).token);
      for (let i = 0; i < 3; i += 1) assert.equal((await reader.get('/api/v3/core/groups/')).status, 200);
      // Only the first statement tried it: the replica is then left out for a while.
      assert.equal((database.routing as ReadRouting).replicaStatements, 1);
    } finally {
      await app.close();
      await database.close();
    }
  });
});
