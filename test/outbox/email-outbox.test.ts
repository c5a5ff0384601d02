/**
 * The outbox with a real SMTP server (test/helpers/smtp.ts): send_email answers before the
 * message is sent; the worker delivers it, retries while the server is down, and nothing is
 * lost when the instance that queued a message stops before sending it.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { query } from '../../src/db/client.js';
import { createOutboxRepository } from '../../src/outbox/outbox.repository.js';
import { ADMIN_TOKEN, buildTestApp, type TestContext } from '../helpers/test-app.js';
import { createFlow, createUserWithToken, grantPermission, unique } from '../helpers/factories.js';
import { startSmtpServer, type Received } from '../helpers/smtp.js';

const LIST = '/api/v3/stages/invitation/invitations/';
const PROXIED = { host: 'internal:9000', 'x-forwarded-host': 'auth.example.com' };

/** A port nothing listens on: a server is opened there, its port noted, and closed. */
async function freePort(): Promise<number> {
  const probe = await startSmtpServer();
  await probe.close();
  return probe.port;
}

function smtpEnv(port: number, extra: Record<string, string> = {}) {
  return {
    AUTHENTIK_EMAIL__HOST: '127.0.0.1',
    AUTHENTIK_EMAIL__PORT: String(port),
    AUTHENTIK_EMAIL__TIMEOUT: '5',
    ...extra,
  };
}

async function queueEmail(ctx: TestContext, to: string[]) {
  const flow = await createFlow(ctx);
  const created = await ctx.client.post(LIST, { name: unique('outbox'), flow: flow.pk });
  assert.equal(created.status, 201);
  const sent = await ctx.client.post(
    `${LIST}${created.body.pk}/send_email/`,
    { email_addresses: to },
    { headers: PROXIED },
  );
  assert.equal(sent.status, 204);
  assert.equal(sent.text, '');
  return created.body.pk as string;
}

async function deliveries(ctx: TestContext, pk: string) {
  const response = await ctx.client.get(`${LIST}${pk}/deliveries/`);
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body.results as any[];
}

async function emailEvents(ctx: TestContext, to: string) {
  return query<{ context: Record<string, any> }>(
    ctx.database.db,
    sql`SELECT context FROM events WHERE action = 'email_sent' AND context -> 'to_email' ->> 0 = ${to}`,
  );
}

/** Makes every pending message due now: its backoff or lease is over. */
async function makeDue(ctx: TestContext) {
  await ctx.database.db.execute(
    sql`UPDATE outbox SET next_attempt_at = now() WHERE status IN ('queued', 'retrying')`,
  );
}

/** An app on `ctx`'s database, as another instance of the same deployment would be. */
async function sameDatabase(ctx: TestContext, env: Record<string, string>, schedule = false) {
  const config = loadConfig({ AUTHENTIK_BOOTSTRAP_TOKEN: ADMIN_TOKEN, ...env });
  config.database = ctx.config.database;
  return buildApp(config, { database: ctx.database, logger: false, schedule });
}

const smtp = await startSmtpServer();
after(() => smtp.close());

const t = await buildTestApp(smtpEnv(smtp.port));

describe('email outbox', () => {
  test('send_email answers at once; the worker delivers and writes email_sent', async () => {
    const to = `${unique('first')}@example.com`;
    const pk = await queueEmail(t, [to]);
    // Queued, not sent: the answer did not wait for the mail server.
    let [delivery] = await deliveries(t, pk);
    assert.deepEqual(
      [delivery.to, delivery.status, delivery.attempts, delivery.delivered_at],
      [to, 'queued', 0, null],
    );
    assert.equal(smtp.received.filter((m) => m.rcpt.includes(to)).length, 0);
    assert.equal((await emailEvents(t, to)).length, 0);

    await t.app.runTask('deliver_outbox');
    [delivery] = await deliveries(t, pk);
    assert.deepEqual([delivery.status, delivery.attempts, delivery.last_error], ['delivered', 1, null]);
    assert.ok(delivery.delivered_at);
    assert.deepEqual(delivery.recipients, [{ address: to, kind: 'to', status: 'delivered', error: null }]);
    assert.equal(smtp.received.filter((m) => m.rcpt.includes(to)).length, 1);
    const [event] = await emailEvents(t, to);
    assert.equal(event.context.message, `Email to ${to} sent`);
    assert.equal(event.context.invitation.pk.slice(0, 8), pk.replace(/-/g, '').slice(0, 8));

    // Delivered once: another run sends nothing again.
    await t.app.runTask('deliver_outbox');
    assert.equal(smtp.received.filter((m) => m.rcpt.includes(to)).length, 1);
  });

  test('settled messages are kept as long as audit events, pending ones always', async () => {
    const old = await queueEmail(t, [`${unique('old')}@example.com`]);
    const pending = await queueEmail(t, [`${unique('pending')}@example.com`]);
    await t.app.runTask('deliver_outbox');
    await t.database.db.execute(
      sql`UPDATE outbox SET updated = now() - interval '366 days' WHERE target = ${old}`,
    );
    await t.database.db.execute(
      sql`UPDATE outbox SET status = 'retrying', updated = now() - interval '366 days' WHERE target = ${pending}`,
    );
    await t.app.runTask('clean_settled_outbox');
    assert.deepEqual(await deliveries(t, old), []);
    assert.equal((await deliveries(t, pending)).length, 1);
    await t.database.db.execute(sql`UPDATE outbox SET status = 'delivered' WHERE target = ${pending}`);
  });

  test('the deliveries are for whoever may view the invitation', async () => {
    const pk = await queueEmail(t, [`${unique('perm')}@example.com`]);
    const user = await createUserWithToken(t);
    const url = `${LIST}${pk}/deliveries/`;
    // No view permission at all: authentik's permission filter answers 403.
    assert.equal((await t.client.get(url, { token: user.token })).status, 403);
    // View permission on another invitation shows nothing of this one.
    const other = await queueEmail(t, [`${unique('other')}@example.com`]);
    await grantPermission(t, user, 'authentik_stages_invitation.view_invitation', other);
    assert.equal((await t.client.get(url, { token: user.token })).status, 404);
    await grantPermission(t, user, 'authentik_stages_invitation.view_invitation', pk);
    const allowed = await t.client.get(url, { token: user.token });
    assert.equal(allowed.status, 200);
    assert.equal(allowed.body.results.length, 1);
  });

  test('a message claimed by a worker that died is sent once its lease runs out', async () => {
    const to = `${unique('lease')}@example.com`;
    const pk = await queueEmail(t, [to]);
    // A worker claims it and dies before sending.
    const claimed = await createOutboxRepository(t.database.db).claim(10, 300, 8);
    assert.ok(claimed.some((m) => (m.payload as { to: string }).to === to));
    await t.app.runTask('deliver_outbox');
    assert.equal(smtp.received.filter((m) => m.rcpt.includes(to)).length, 0, 'leased: left alone');
    await makeDue(t);
    await t.app.runTask('deliver_outbox');
    const [delivery] = await deliveries(t, pk);
    assert.deepEqual([delivery.status, delivery.attempts], ['delivered', 2]);
    assert.equal(smtp.received.filter((m) => m.rcpt.includes(to)).length, 1);
  });

  test('an instance that stops before delivering loses nothing: another one sends it', async () => {
    const to = `${unique('crash')}@example.com`;
    const first = await sameDatabase(t, smtpEnv(smtp.port));
    const created = await first.inject({
      method: 'POST',
      url: LIST,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ name: unique('crash'), flow: (await createFlow(t)).pk }),
    });
    const pk = created.json().pk as string;
    const sent = await first.inject({
      method: 'POST',
      url: `${LIST}${pk}/send_email/`,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', ...PROXIED },
      payload: JSON.stringify({ email_addresses: [to] }),
    });
    assert.equal(sent.statusCode, 204);
    // The instance goes away between the answer and the delivery.
    await first.close();
    assert.equal(smtp.received.filter((m) => m.rcpt.includes(to)).length, 0);

    const second = await sameDatabase(t, smtpEnv(smtp.port));
    try {
      await second.runTask('deliver_outbox');
    } finally {
      await second.close();
    }
    assert.equal(smtp.received.filter((m) => m.rcpt.includes(to)).length, 1);
    const [delivery] = await deliveries(t, pk);
    assert.equal(delivery.status, 'delivered');
  });

  test('with its timers running, an instance sends a queued message without waiting for the tick', async () => {
    const to = `${unique('wake')}@example.com`;
    let arrived: (message: Received) => void = () => undefined;
    const delivered = new Promise<Received>((resolve) => (arrived = resolve));
    const server = await startSmtpServer(0, (message) => {
      if (message.rcpt.includes(to)) arrived(message);
    });
    // The periodic run is an hour away: only the wake-up on the commit can send it.
    const live = await sameDatabase(
      t,
      smtpEnv(server.port, { TESSERA_OUTBOX_INTERVAL_SECONDS: '3600' }),
      true,
    );
    try {
      const response = await live.inject({
        method: 'POST',
        url: `${LIST}${await invitationFor(t)}/send_email/`,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', ...PROXIED },
        payload: JSON.stringify({ email_addresses: [to] }),
      });
      assert.equal(response.statusCode, 204);
      const message = await delivered;
      assert.deepEqual(message.rcpt, [to]);
    } finally {
      await live.close();
      await server.close();
    }
  });
});

async function invitationFor(ctx: TestContext): Promise<string> {
  const flow = await createFlow(ctx);
  const created = await ctx.client.post(LIST, { name: unique('wake'), flow: flow.pk });
  assert.equal(created.status, 201);
  return created.body.pk;
}

describe('email outbox: a mail server that is down', () => {
  test('is retried with backoff and delivers once it is back', async () => {
    const port = await freePort();
    const down = await buildTestApp(smtpEnv(port));
    const to = `${unique('down')}@example.com`;
    const pk = await queueEmail(down, [to]);
    await down.app.runTask('deliver_outbox');
    let [delivery] = await deliveries(down, pk);
    assert.deepEqual([delivery.status, delivery.attempts], ['retrying', 1]);
    assert.match(
      delivery.last_error,
      new RegExp(`^The mail server at 127\\.0\\.0\\.1:${port} could not be reached`),
    );
    assert.deepEqual(
      delivery.recipients.map((r: any) => r.status),
      ['pending'],
    );
    // Its backoff is not over: the next run leaves it alone.
    await down.app.runTask('deliver_outbox');
    [delivery] = await deliveries(down, pk);
    assert.equal(delivery.attempts, 1);

    const back = await startSmtpServer(port);
    try {
      await makeDue(down);
      await down.app.runTask('deliver_outbox');
      [delivery] = await deliveries(down, pk);
      assert.deepEqual([delivery.status, delivery.attempts, delivery.last_error], ['delivered', 2, null]);
      assert.deepEqual(
        back.received.map((m) => m.rcpt),
        [[to]],
      );
      assert.equal((await emailEvents(down, to)).length, 1);
    } finally {
      await back.close();
    }
  });

  test('is given up on after TESSERA_OUTBOX_MAX_ATTEMPTS attempts', async () => {
    const port = await freePort();
    const capped = await buildTestApp(smtpEnv(port, { TESSERA_OUTBOX_MAX_ATTEMPTS: '2' }));
    const pk = await queueEmail(capped, [`${unique('cap')}@example.com`]);
    await capped.app.runTask('deliver_outbox');
    assert.equal((await deliveries(capped, pk))[0].status, 'retrying');
    await makeDue(capped);
    await capped.app.runTask('deliver_outbox');
    const [delivery] = await deliveries(capped, pk);
    assert.deepEqual([delivery.status, delivery.attempts, delivery.next_attempt_at], ['failed', 2, null]);
    assert.match(delivery.last_error, /could not be reached/);
    await makeDue(capped);
    await capped.app.runTask('deliver_outbox');
    assert.equal((await deliveries(capped, pk))[0].attempts, 2);
  });
});
