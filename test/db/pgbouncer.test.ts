/**
 * Two instances behind pgbouncer in transaction mode (AUTHENTIK_POSTGRESQL__USE_PGBOUNCER), with
 * the change feed on the direct endpoint (AUTHENTIK_POSTGRESQL__DIRECT__PORT): the API,
 * enrollment and the single-use race work as they do on one server. pgbouncer comes from
 * scripts/test-services.sh; the file skips without it, except under CI.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { openDatabase, query } from '../../src/db/client.js';
import { serverSettings, settleChanges } from '../helpers/database.js';
import { answers, buildEnrollmentFlow, createInvitation, race } from '../helpers/enrollment.js';
import { createGroup, unique } from '../helpers/factories.js';
import { FlowBrowser } from '../helpers/flow-client.js';
import { PGBOUNCER_PORT, requireServices, scratchDatabase } from '../helpers/services.js';
import { buildTestApp, TestClient, type TestContext } from '../helpers/test-app.js';

const skip = await requireServices({ pgbouncer: PGBOUNCER_PORT });

/** Settings of a database reached through pgbouncer; `direct` adds the endpoint LISTEN uses. */
function pooledEnv(name: string, direct: boolean): Record<string, string> {
  return {
    AUTHENTIK_POSTGRESQL__HOST: '127.0.0.1',
    AUTHENTIK_POSTGRESQL__PORT: String(PGBOUNCER_PORT),
    AUTHENTIK_POSTGRESQL__USER: serverSettings().user,
    AUTHENTIK_POSTGRESQL__NAME: name,
    AUTHENTIK_POSTGRESQL__USE_PGBOUNCER: 'true',
    ...(direct ? { AUTHENTIK_POSTGRESQL__DIRECT__PORT: String(serverSettings().port) } : {}),
  };
}

async function setUp(): Promise<{ t: TestContext; clients: TestClient[]; other: TestContext['app'] }> {
  const scratch = await scratchDatabase();
  after(() => scratch.drop());
  const env = pooledEnv(scratch.name, true);
  const config = loadConfig(env).database;
  const t = await buildTestApp(env, { opened: { database: await openDatabase(config), config } });
  // A second app on the same database, through the same pooler, plays the other instance.
  const other = await buildApp(t.config, { database: t.database, logger: false, schedule: false });
  after(() => other.close());
  return { t, other, clients: [t.client, new TestClient(other)] };
}

const context = skip ? undefined : await setUp();
function ctx() {
  if (!context) throw new Error('not set up');
  return context;
}

describe('two instances behind pgbouncer in transaction mode', { skip }, () => {
  test('many concurrent reads over both instances succeed: no statement is prepared by name', async () => {
    const { clients } = ctx();
    const urls = ['/api/v3/core/groups/', '/api/v3/flows/instances/', '/api/v3/core/users/?page_size=5'];
    const responses = await Promise.all(
      Array.from({ length: 90 }, (_, i) => clients[i % 2].get(urls[i % urls.length])),
    );
    assert.deepEqual(
      responses.filter((r) => r.status !== 200).map((r) => [r.status, r.body]),
      [],
    );
  });

  test('an object made through one instance is read, changed and deleted through the other', async () => {
    const { t, clients } = ctx();
    const group = await createGroup(t);
    const [a, b] = clients;
    assert.equal((await b.get(`/api/v3/core/groups/${group.pk}/`)).body.name, group.name);
    const renamed = unique('renamed');
    assert.equal((await b.patch(`/api/v3/core/groups/${group.pk}/`, { name: renamed })).status, 200);
    assert.equal((await a.get(`/api/v3/core/groups/${group.pk}/`)).body.name, renamed);
    assert.equal((await a.delete(`/api/v3/core/groups/${group.pk}/`)).status, 204);
    assert.equal((await b.get(`/api/v3/core/groups/${group.pk}/`)).status, 404);
  });

  test('six concurrent DELETEs over both instances: one 204, five 404s', async () => {
    const { t, clients } = ctx();
    const group = await createGroup(t);
    const statuses = await Promise.all(
      Array.from({ length: 6 }, (_, i) => clients[i % 2].delete(`/api/v3/core/groups/${group.pk}/`)),
    );
    assert.deepEqual(statuses.map((r) => r.status).sort(), [204, 404, 404, 404, 404, 404]);
  });

  test('an enrollment started on one instance finishes on the other', async () => {
    const { t, other } = ctx();
    const e = await buildEnrollmentFlow(t);
    const invitation = await createInvitation(t, { flow: e.flow.pk, single_use: true });
    const q = `itoken=${invitation.pk}`;
    const browser = new FlowBrowser(t.app);
    assert.equal((await browser.get(e.flow.slug, q)).body.component, 'ak-stage-prompt');
    const elsewhere = new FlowBrowser(other);
    for (const [name, value] of browser.cookies) elsewhere.cookies.set(name, value);
    const username = unique('pooled');
    const done = await elsewhere.post(e.flow.slug, answers(username), q);
    assert.equal(done.body.component, 'xak-flow-redirect');
    const users = await query<{ username: string }>(
      t.database.db,
      sql`SELECT username FROM users WHERE username = ${username}`,
    );
    assert.equal(users.length, 1);
  });

  test('a single-use invitation raced by 30 answers over both instances makes one user', async () => {
    const { t, other } = ctx();
    const e = await buildEnrollmentFlow(t);
    const invitation = await createInvitation(t, { flow: e.flow.pk, single_use: true });
    const { prefix } = await race([t.app, other], invitation, e.flow.slug, 30);
    const users = await query<{ username: string }>(
      t.database.db,
      sql`SELECT username FROM users WHERE username LIKE ${`${prefix}%`}`,
    );
    assert.equal(users.length, 1);
    const uses = await query<{ username: string }>(
      t.database.db,
      sql`SELECT username FROM invitation_uses WHERE invitation_uuid = ${invitation.pk}`,
    );
    assert.deepEqual(
      uses.map((u) => u.username),
      [users[0].username],
    );
  });

  test('change notifications arrive over the direct endpoint', async () => {
    const { t } = ctx();
    assert.equal(t.database.changes.connected, true);
    await settleChanges(t.database);
  });

  test('TESSERA_POSTGRESQL_STATEMENT_TIMEOUT_MS limits statements and transactions, and leaves no session state', async () => {
    const { t } = ctx();
    const config = loadConfig({
      ...pooledEnv(t.config.database.name, false),
      TESSERA_POSTGRESQL_STATEMENT_TIMEOUT_MS: '300',
    }).database;
    const database = await openDatabase(config, { log: () => undefined });
    // drizzle wraps the driver's error; its cause carries SQLSTATE 57014 (query_canceled).
    const timedOut = (error: { cause?: { code?: string } }) => {
      assert.equal(error.cause?.code, '57014');
      return true;
    };
    try {
      const { db } = database;
      // Without parameters (a simple query) and with them (Parse, Bind, Execute).
      await assert.rejects(query(db, sql`SELECT pg_sleep(1)`), timedOut);
      await assert.rejects(query(db, sql`SELECT pg_sleep(${1})`), timedOut);
      await assert.rejects(
        db.transaction(async (tx) => {
          await query(tx, sql`SELECT 1`);
          await query(tx, sql`SELECT pg_sleep(${1})`);
        }),
        timedOut,
      );
      // Statements that finish in time answer as usual, the limit in force for each.
      const [row] = await query<{ limit: string }>(
        db,
        sql`SELECT current_setting(${'statement_timeout'}) AS limit`,
      );
      assert.equal(row.limit, '300ms');
      const inside = await db.transaction(async (tx) => {
        await query(tx, sql`SELECT pg_sleep(0.1)`);
        return query<{ limit: string }>(tx, sql`SELECT current_setting('statement_timeout') AS limit`);
      });
      assert.deepEqual(inside, [{ limit: '300ms' }]);
    } finally {
      await database.close();
    }
    // The limit was local to each transaction: a client without it finds none on any of the
    // pooler's server connections.
    const plain = await Promise.all(
      Array.from({ length: 5 }, () =>
        query<{ limit: string }>(t.database.db, sql`SELECT current_setting('statement_timeout') AS limit`),
      ),
    );
    assert.deepEqual(
      plain.map(([r]) => r.limit),
      Array.from({ length: 5 }, () => '30s'),
    );
  });

  test('without a direct endpoint the change feed stays off, so caches are bypassed', async () => {
    const { t } = ctx();
    const lines: string[] = [];
    const config = loadConfig(pooledEnv(t.config.database.name, false)).database;
    const database = await openDatabase(config, { log: (line) => lines.push(line) });
    try {
      assert.equal(database.changes.connected, false);
      assert.match(lines.join('\n'), /AUTHENTIK_POSTGRESQL__DIRECT__HOST/);
    } finally {
      await database.close();
    }
  });
});
