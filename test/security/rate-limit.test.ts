/**
 * Rate limiting of failures per client address (src/api/rate-limit.ts): failed API
 * authentications and refused invitation lookups are counted in PostgreSQL, and once over the
 * limit the address is answered 429 with Retry-After and DRF's throttled message. Successful
 * requests are not counted, the limit is shared by every instance on the database, and a
 * burst writes a bounded number of audit rows.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { buildApp } from '../../src/app.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { openDatabase, query } from '../../src/db/client.js';
import { limitAddress } from '../../src/api/rate-limit.js';
import { createUserWithToken } from '../helpers/factories.js';
import { buildEnrollmentFlow, createInvitation } from '../helpers/enrollment.js';
import { FlowBrowser } from '../helpers/flow-client.js';
import { buildTestApp, TestClient, type TestContext } from '../helpers/test-app.js';

const LIST = '/api/v3/stages/invitation/stages/';
const THROTTLED = /^Request was throttled\. Expected available in \d+ seconds?\.$/;

/** Windows longer than any test runs, so that none closes in the middle of one. */
const HOUR = { TESSERA_RATE_LIMIT_WINDOW_SECONDS: '3600' };

let addresses = 0;
/** A fresh client address per test (TEST-NET-3), sent through the trusted loopback proxy. */
function newAddress(): string {
  addresses += 1;
  return `203.0.113.${addresses}`;
}

function from(address: string): Record<string, string> {
  return { 'x-forwarded-for': address };
}

async function badToken(client: TestClient, address: string) {
  return client.as(`wrong-${randomUUID()}`).get(LIST, { headers: from(address) });
}

function assertThrottled(response: { status: number; body: any; headers: Record<string, unknown> }) {
  assert.equal(response.status, 429);
  assert.match(response.body.detail, THROTTLED);
  const retryAfter = Number(response.headers['retry-after']);
  assert.ok(
    Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 3600,
    `Retry-After ${retryAfter}`,
  );
  assert.ok(response.body.detail.includes(` ${retryAfter} second`));
}

async function counters(t: TestContext, address: string): Promise<number> {
  const [row] = await query<{ n: number }>(
    t.database.db,
    sql`SELECT coalesce(sum(count), 0)::int AS n FROM rate_limits WHERE address = ${address}`,
  );
  return row.n;
}

async function suspiciousEvents(t: TestContext, address: string) {
  return query<{ context: Record<string, unknown> }>(
    t.database.db,
    sql`SELECT context FROM events WHERE action = 'suspicious_request' AND client_ip = ${address}`,
  );
}

describe('failed API authentications', async () => {
  const t = await buildTestApp({ TESSERA_RATE_LIMIT_FAILED_AUTH: '5', ...HOUR });

  it('answers 429 with Retry-After once an address is over the limit', async () => {
    const address = newAddress();
    for (let i = 0; i < 5; i += 1) {
      const refused = await badToken(t.client, address);
      assert.equal(refused.status, 403);
      assert.deepEqual(refused.body, { detail: 'Token invalid/expired' });
    }
    assertThrottled(await badToken(t.client, address));
    assertThrottled(await badToken(t.client, address));
    // One audit row for the burst, however long it goes on.
    const events = await suspiciousEvents(t, address);
    assert.equal(events.length, 1);
    assert.equal(events[0].context.reason, 'rate_limited');
    assert.equal(events[0].context.scope, 'auth');
    assert.equal(events[0].context.attempts, 6);
  });

  it('refuses even a valid token from a limited address, and serves it from another', async () => {
    const user = await createUserWithToken(t, { superuser: true });
    const limited = newAddress();
    for (let i = 0; i < 6; i += 1) await badToken(t.client, limited);
    // A right guess must look like a wrong one while the address is limited.
    assertThrottled(await t.client.as(user.token).get(LIST, { headers: from(limited) }));
    const other = newAddress();
    assert.equal((await t.client.as(user.token).get(LIST, { headers: from(other) })).status, 200);
    assert.equal((await badToken(t.client, other)).status, 403);
  });

  it('does not count successful requests', async () => {
    const user = await createUserWithToken(t, { superuser: true });
    const address = newAddress();
    for (let i = 0; i < 30; i += 1) {
      assert.equal((await t.client.as(user.token).get(LIST, { headers: from(address) })).status, 200);
    }
    assert.equal(await counters(t, address), 0);
    for (let i = 0; i < 5; i += 1) assert.equal((await badToken(t.client, address)).status, 403);
    assert.equal(await counters(t, address), 5);
  });

  it('counts the IPv6 addresses of one /64 together', async () => {
    assert.equal(limitAddress('2001:db8:1:2::1'), limitAddress('2001:db8:1:2:ffff::9'));
    assert.notEqual(limitAddress('2001:db8:1:2::1'), limitAddress('2001:db8:1:3::1'));
    assert.equal(limitAddress('::ffff:198.51.100.7'), '198.51.100.7');
    for (let i = 0; i < 5; i += 1) {
      assert.equal((await badToken(t.client, `2001:db8:7:7::${i + 1}`)).status, 403);
    }
    assertThrottled(await badToken(t.client, '2001:db8:7:7::abcd'));
  });

  it('opens a new window once one has closed, and the cleanup removes closed ones', async () => {
    const closed = sql`now() - interval '2 hours', 99, now() - interval '1 hour'`;
    const reopened = newAddress();
    const idle = newAddress();
    for (const address of [reopened, idle]) {
      await t.database.db.execute(
        sql`INSERT INTO rate_limits (scope, address, window_start, count, expires)
            VALUES ('auth', ${address}, ${closed})`,
      );
    }
    // A closed window no longer limits its address: the next failure opens a new one.
    assert.equal((await badToken(t.client, reopened)).status, 403);
    assert.equal(await counters(t, reopened), 1);
    await t.app.runTask('clean_expired_rate_limits');
    assert.equal(await counters(t, idle), 0);
    assert.equal(await counters(t, reopened), 1);
  });
});

describe('limit switched off', async () => {
  const t = await buildTestApp({ TESSERA_RATE_LIMIT_FAILED_AUTH: '0' });

  it('TESSERA_RATE_LIMIT_FAILED_AUTH=0 counts nothing', async () => {
    const address = newAddress();
    for (let i = 0; i < 30; i += 1) assert.equal((await badToken(t.client, address)).status, 403);
    assert.equal(await counters(t, address), 0);
  });

  it('rejects settings that are not whole numbers', () => {
    assert.throws(() => loadConfig({ TESSERA_RATE_LIMIT_FAILED_AUTH: 'many' }), ConfigError);
    assert.throws(() => loadConfig({ TESSERA_RATE_LIMIT_WINDOW_SECONDS: '0' }), ConfigError);
    const defaults = loadConfig({}).rateLimit;
    assert.deepEqual(defaults, { failedAuth: 20, failedInvitations: 20, windowSeconds: 60 });
  });
});

describe('refused invitation lookups', async () => {
  // The default limit (20 refusals per address and window), which the suite's helper raises.
  const t = await buildTestApp({ TESSERA_RATE_LIMIT_FAILED_INVITATIONS: '20', ...HOUR });
  const e = await buildEnrollmentFlow(t);

  it('a burst of 300 is throttled and writes a bounded number of audit rows', async () => {
    const address = newAddress();
    const statuses = new Map<number, number>();
    for (let i = 0; i < 300; i += 1) {
      const browser = new FlowBrowser(t.app, from(address));
      const response = await browser.get(e.flow.slug, `itoken=${randomUUID()}`);
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      if (response.status === 200) assert.equal(response.body.component, 'ak-stage-access-denied');
      else assertThrottled(response);
    }
    assert.deepEqual(Object.fromEntries(statuses), { 200: 20, 429: 280 });
    const events = await suspiciousEvents(t, address);
    assert.equal(events.length, 21, 'twenty refusals and one throttle event');
    const throttle = events.filter((event) => event.context.reason === 'rate_limited');
    assert.equal(throttle.length, 1);
    assert.equal(throttle[0].context.scope, 'invitation');
  });

  it('a limited address cannot use even a valid invitation; another address can', async () => {
    const invitation = await createInvitation(t, { flow: e.flow.pk });
    const limited = newAddress();
    for (let i = 0; i < 21; i += 1) {
      await new FlowBrowser(t.app, from(limited)).get(e.flow.slug, `itoken=${randomUUID()}`);
    }
    assertThrottled(await new FlowBrowser(t.app, from(limited)).get(e.flow.slug, `itoken=${invitation.pk}`));
    const other = await new FlowBrowser(t.app, from(newAddress())).get(
      e.flow.slug,
      `itoken=${invitation.pk}`,
    );
    assert.equal(other.status, 200);
    assert.equal(other.body.component, 'ak-stage-prompt');
  });

  it('visits without a token to a flow that continues without one are not counted', async () => {
    const open = await buildEnrollmentFlow(t, { continueWithoutInvitation: true });
    const address = newAddress();
    for (let i = 0; i < 30; i += 1) {
      const response = await new FlowBrowser(t.app, from(address)).get(open.flow.slug);
      assert.equal(response.body.component, 'ak-stage-prompt');
    }
    assert.equal(await counters(t, address), 0);
  });
});

describe('two instances on one database', async () => {
  const t = await buildTestApp({ TESSERA_RATE_LIMIT_FAILED_AUTH: '5', ...HOUR });

  it('share one limit', async () => {
    // A second instance in all but process: its own pool (on PostgreSQL) and its own caches.
    const otherDatabase = t.database.kind === 'postgres' ? await openDatabase(t.config.database) : t.database;
    const other = await buildApp(t.config, { database: otherDatabase, logger: false, schedule: false });
    try {
      const second = new TestClient(other);
      const address = newAddress();
      for (let i = 0; i < 3; i += 1) assert.equal((await badToken(t.client, address)).status, 403);
      for (let i = 0; i < 2; i += 1) assert.equal((await badToken(second, address)).status, 403);
      // The sixth failure, on the second instance, is over the limit of five.
      assertThrottled(await badToken(second, address));
      // The first instance has not seen the address limited, but the shared counter has.
      assertThrottled(await badToken(t.client, address));
      assert.equal((await suspiciousEvents(t, address)).length, 1);
    } finally {
      await other.close();
      if (otherDatabase !== t.database) await otherDatabase.close();
    }
  });
});
