/**
 * Webhooks against a real receiver (an http server on 127.0.0.1 in the test, which needs
 * TESSERA_WEBHOOKS_ALLOW_PRIVATE): what it received is checked with the Standard Webhooks
 * library's own verifier. Endpoints are managed through /api/v3/tessera/webhooks/.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { Webhook } from 'standardwebhooks';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { query } from '../../src/db/client.js';
import { maskInvitationToken } from '../../src/events/invitation-token.js';
import { ADMIN_TOKEN, buildTestApp } from '../helpers/test-app.js';
import { createUserWithToken, grantPermission, unique } from '../helpers/factories.js';
import { answers, buildEnrollmentFlow, createInvitation } from '../helpers/enrollment.js';
import { FlowBrowser } from '../helpers/flow-client.js';
import { REJECTED, startSmtpServer } from '../helpers/smtp.js';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A receiver that records every request and answers each path with its queued statuses (then 204). */
async function startReceiver() {
  const received: Received[] = [];
  const answersByPath = new Map<string, number[]>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = request.url ?? '';
      received.push({ path, headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.statusCode = answersByPath.get(path)?.shift() ?? 204;
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    received,
    at: (path: string) => received.filter((r) => r.path === path),
    answer: (path: string, ...statuses: number[]) => answersByPath.set(path, statuses),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const receiver = await startReceiver();
after(() => receiver.close());

const smtp = await startSmtpServer();
after(() => smtp.close());

const t = await buildTestApp({
  TESSERA_WEBHOOKS_ALLOW_PRIVATE: 'true',
  AUTHENTIK_EMAIL__HOST: '127.0.0.1',
  AUTHENTIK_EMAIL__PORT: String(smtp.port),
});
const BASE = '/api/v3/tessera/webhooks/';

async function createEndpoint(events: string[], overrides: Record<string, unknown> = {}) {
  const path = `/hook/${unique('ep')}`;
  const response = await t.client.post(BASE, {
    name: unique('endpoint'),
    url: receiver.url(path),
    events,
    ...overrides,
  });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return { ...response.body, path };
}

/** The payloads an endpoint's receiver got, verified with the library's verifier. */
function verified(path: string, secret: string) {
  return receiver.at(path).map((request) => {
    const payload = new Webhook(secret).verify(
      request.body,
      request.headers as Record<string, string>,
    ) as any;
    return { payload, id: request.headers['webhook-id'] as string };
  });
}

async function deliveries(pk: string) {
  const response = await t.client.get(`${BASE}${pk}/deliveries/`);
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body.results as any[];
}

describe('webhook endpoints API', () => {
  test('create generates a whsec_ secret shown once; list and retrieve never show it', async () => {
    const created = await createEndpoint(['invitation.created']);
    assert.match(created.secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
    assert.equal(created.enabled, true);
    assert.deepEqual(created.events, ['invitation.created']);
    const retrieved = await t.client.get(`${BASE}${created.pk}/`);
    assert.equal(retrieved.status, 200);
    assert.equal(retrieved.body.secret, undefined);
    assert.ok(!retrieved.text.includes(created.secret));
    const list = await t.client.get(`${BASE}?name=${encodeURIComponent(created.name)}`);
    assert.equal(list.body.pagination.count, 1);
    assert.equal(list.body.results[0].pk, created.pk);
    assert.ok(!list.text.includes(created.secret));

    const given = `whsec_${Buffer.alloc(24, 7).toString('base64')}`;
    const own = await createEndpoint(['user.enrolled'], { secret: given });
    assert.equal(own.secret, given);

    const patched = await t.client.patch(`${BASE}${created.pk}/`, {
      enabled: false,
      events: ['user.enrolled'],
    });
    assert.equal(patched.status, 200);
    assert.equal(patched.body.enabled, false);
    assert.deepEqual(patched.body.events, ['user.enrolled']);
    assert.equal(patched.body.url, created.url);
    assert.equal(patched.body.secret, undefined);

    assert.equal((await t.client.delete(`${BASE}${created.pk}/`)).status, 204);
    assert.equal((await t.client.get(`${BASE}${created.pk}/`)).status, 404);
  });

  test('bad input is a 400 in DRF shape and creates nothing', async () => {
    const name = unique('bad');
    const cases: [Record<string, unknown>, Record<string, unknown>][] = [
      [{ name, url: receiver.url('/x'), events: [] }, { events: ['This list may not be empty.'] }],
      [
        { name, url: receiver.url('/x'), events: ['user.deleted'] },
        { events: { '0': ['"user.deleted" is not a valid choice.'] } },
      ],
      [
        { name, url: 'ftp://example.com/', events: ['user.enrolled'] },
        { url: ['Enter a valid URL: only http and https are allowed.'] },
      ],
      [{ name, url: 'not a url', events: ['user.enrolled'] }, { url: ['Enter a valid URL.'] }],
      [
        { name, url: receiver.url('/x'), events: ['user.enrolled'], secret: 'whsec_short' },
        { secret: ['Enter a Standard Webhooks secret: "whsec_" followed by the base64 of 24 to 64 bytes.'] },
      ],
      [{ url: receiver.url('/x'), events: ['user.enrolled'] }, { name: ['This field is required.'] }],
    ];
    for (const [body, expected] of cases) {
      const response = await t.client.post(BASE, body);
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.deepEqual(response.body, expected);
    }
    const existing = await createEndpoint(['user.enrolled']);
    const duplicate = await t.client.post(BASE, {
      name: existing.name,
      url: receiver.url('/y'),
      events: ['user.enrolled'],
    });
    assert.equal(duplicate.status, 400);
    assert.deepEqual(duplicate.body, { name: ['webhook endpoint with this name already exists.'] });
    const [row] = await query<{ n: string }>(
      t.database.db,
      sql`SELECT count(*) AS n FROM webhook_endpoints WHERE name = ${name}`,
    );
    assert.equal(Number(row.n), 0);
  });

  test('permissions go through RBAC: view to read, add to create, change on the object to update', async () => {
    const endpoint = await createEndpoint(['user.enrolled']);
    const user = await createUserWithToken(t);
    const body = { name: unique('mine'), url: receiver.url('/mine'), events: ['user.enrolled'] };
    assert.equal((await t.client.get(BASE, { token: user.token })).status, 403);
    assert.equal((await t.client.post(BASE, body, { token: user.token })).status, 403);
    await grantPermission(t, user, 'tessera_webhooks.view_webhookendpoint', endpoint.pk);
    const list = await t.client.get(BASE, { token: user.token });
    assert.equal(list.status, 200);
    assert.deepEqual(
      list.body.results.map((r: any) => r.pk),
      [endpoint.pk],
    );
    assert.equal(
      (await t.client.get(`${BASE}${endpoint.pk}/deliveries/`, { token: user.token })).status,
      200,
    );
    // Viewing is not changing: a URL change is refused before the URL is even looked at.
    const patch = await t.client.patch(
      `${BASE}${endpoint.pk}/`,
      { url: 'http://10.0.0.1/' },
      { token: user.token },
    );
    assert.equal(patch.status, 403);
    assert.equal((await t.client.post(BASE, body, { token: user.token })).status, 403);
    await grantPermission(t, user, 'tessera_webhooks.add_webhookendpoint');
    // Adding endpoints does not let anyone receive data they may not read: user.enrolled
    // carries the enrolled user, which needs view_user everywhere.
    const escalation = await t.client.post(BASE, body, { token: user.token });
    assert.equal(escalation.status, 400);
    assert.deepEqual(escalation.body, {
      events: [
        'You cannot subscribe to user.enrolled: it needs the global permission authentik_core.view_user, which you do not hold.',
      ],
    });
    await grantPermission(t, user, 'authentik_core.view_user', String(user.id));
    assert.equal((await t.client.post(BASE, body, { token: user.token })).status, 400, 'on one user only');
    await grantPermission(t, user, 'authentik_core.view_user');
    const mine = await t.client.post(BASE, body, { token: user.token });
    assert.equal(mine.status, 201);
    await grantPermission(t, user, 'tessera_webhooks.change_webhookendpoint', endpoint.pk);
    const renamed = await t.client.patch(
      `${BASE}${endpoint.pk}/`,
      { name: unique('renamed') },
      { token: user.token },
    );
    assert.equal(renamed.status, 200);
    // Nor can a change subscribe it to data its changer may not read.
    const widened = await t.client.patch(
      `${BASE}${endpoint.pk}/`,
      { events: ['user.enrolled', 'invitation.created'] },
      { token: user.token },
    );
    assert.equal(widened.status, 400);
    assert.match(widened.body.events[0], /^You cannot subscribe to invitation\.created: /);
    assert.deepEqual((await t.client.get(`${BASE}${endpoint.pk}/`)).body.events, ['user.enrolled']);
    const stranger = await createUserWithToken(t);
    // Viewing one endpoint shows nothing of another.
    await grantPermission(t, stranger, 'tessera_webhooks.view_webhookendpoint', mine.body.pk);
    assert.equal(
      (await t.client.get(`${BASE}${endpoint.pk}/deliveries/`, { token: stranger.token })).status,
      404,
    );
  });
});

describe('webhook delivery', () => {
  test('the delivery log shows a reader only the types whose data they may read', async () => {
    const endpoint = await createEndpoint(['invitation.created', 'user.enrolled']);
    await createInvitation(t);
    await t.app.runTask('deliver_outbox');
    const reader = await createUserWithToken(t);
    await grantPermission(t, reader, 'tessera_webhooks.view_webhookendpoint', endpoint.pk);
    const url = `${BASE}${endpoint.pk}/deliveries/`;
    const hidden = await t.client.get(url, { token: reader.token });
    assert.equal(hidden.status, 200);
    assert.deepEqual(hidden.body.results, []);
    await grantPermission(t, reader, 'authentik_stages_invitation.view_invitation');
    const shown = await t.client.get(url, { token: reader.token });
    assert.deepEqual(
      shown.body.results.map((d: any) => d.type),
      ['invitation.created'],
    );
  });

  test('an enrollment through an invitation sends signed invitation.used and user.enrolled', async () => {
    const endpoint = await createEndpoint(['invitation.used', 'user.enrolled']);
    const e = await buildEnrollmentFlow(t);
    const invitation = await createInvitation(t, { flow: e.flow.pk });
    const browser = new FlowBrowser(t.app);
    const q = `itoken=${invitation.pk}`;
    assert.equal((await browser.get(e.flow.slug, q)).body.component, 'ak-stage-prompt');
    const username = unique('hooked');
    const done = await browser.post(e.flow.slug, answers(username), q);
    assert.equal(done.status, 200);
    await t.app.runTask('deliver_outbox');

    const got = verified(endpoint.path, endpoint.secret);
    assert.deepEqual(
      got.map((g) => g.payload.type),
      ['invitation.used', 'user.enrolled'],
    );
    const [used, enrolled] = got.map((g) => g.payload);
    assert.equal(used.data.invitation.pk, maskInvitationToken(invitation.pk));
    assert.equal(enrolled.data.user.username, username);
    assert.equal(enrolled.data.user.email, `${username}@example.com`);
    assert.match(enrolled.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    // The token never leaves in clear.
    for (const request of receiver.at(endpoint.path)) {
      assert.ok(
        !request.body.includes(invitation.pk) && !request.body.includes(invitation.pk.replace(/-/g, '')),
      );
    }
    const log = await deliveries(endpoint.pk);
    assert.deepEqual(
      log.map((d) => [d.type, d.status, d.attempts, d.response_code]),
      [
        ['user.enrolled', 'delivered', 1, 204],
        ['invitation.used', 'delivered', 1, 204],
      ],
    );
    assert.ok(got.every((g, index) => g.id === `msg_${log[log.length - 1 - index].pk}`));
  });

  test('a receiver that fails first gets the same message again, and it is delivered', async () => {
    const endpoint = await createEndpoint(['invitation.created']);
    receiver.answer(endpoint.path, 503);
    const invitation = await createInvitation(t);
    await t.app.runTask('deliver_outbox');
    let [delivery] = await deliveries(endpoint.pk);
    assert.deepEqual([delivery.status, delivery.attempts, delivery.response_code], ['retrying', 1, 503]);
    assert.equal(delivery.last_error, 'The receiver answered 503.');
    assert.ok(delivery.next_attempt_at && delivery.delivered_at === null);

    // Not due yet: nothing is sent again.
    await t.app.runTask('deliver_outbox');
    assert.equal(receiver.at(endpoint.path).length, 1);
    // Its backoff over, it is retried.
    await t.database.db.execute(sql`UPDATE outbox SET next_attempt_at = now() WHERE id = ${delivery.pk}`);
    await t.app.runTask('deliver_outbox');
    [delivery] = await deliveries(endpoint.pk);
    assert.deepEqual([delivery.status, delivery.attempts, delivery.response_code], ['delivered', 2, 204]);
    const got = verified(endpoint.path, endpoint.secret);
    assert.equal(got.length, 2);
    assert.equal(got[0].id, got[1].id);
    assert.equal(got[1].payload.type, 'invitation.created');
    assert.equal(got[1].payload.data.invitation.pk, maskInvitationToken(invitation.pk));
    assert.equal(got[1].payload.data.invitation.name, invitation.name);
    assert.equal(got[1].payload.data.actor.username, 'akadmin');
  });

  test('a delivered invitation email sends invitation.sent; a refused one does not', async () => {
    const endpoint = await createEndpoint(['invitation.sent']);
    const invitation = await createInvitation(t, { flow: (await buildEnrollmentFlow(t)).flow.pk });
    const sent = await t.client.post(
      `/api/v3/stages/invitation/invitations/${invitation.pk}/send_email/`,
      { email_addresses: ['ann@example.com', REJECTED] },
      { headers: { host: 'internal:9000', 'x-forwarded-host': 'auth.example.com' } },
    );
    assert.equal(sent.status, 204);
    // Nothing before the mail is delivered.
    assert.equal(receiver.at(endpoint.path).length, 0);
    // One run sends the emails and then the webhook their delivery caused.
    await t.app.runTask('deliver_outbox');
    const got = verified(endpoint.path, endpoint.secret).map((g) => g.payload);
    assert.deepEqual(
      got.map((p) => [p.type, p.data.to, p.data.invitation.pk, p.data.invitation.name]),
      [['invitation.sent', ['ann@example.com'], maskInvitationToken(invitation.pk), invitation.name]],
    );
  });

  test('a disabled endpoint and one subscribed to other events get nothing', async () => {
    const disabled = await createEndpoint(['invitation.created'], { enabled: false });
    const other = await createEndpoint(['user.enrolled']);
    const listening = await createEndpoint(['invitation.created']);
    await createInvitation(t);
    await t.app.runTask('deliver_outbox');
    assert.equal(receiver.at(listening.path).length, 1);
    assert.equal(receiver.at(disabled.path).length, 0);
    assert.equal(receiver.at(other.path).length, 0);
    assert.deepEqual(await deliveries(disabled.pk), []);
    assert.deepEqual(await deliveries(other.pk), []);
  });

  test('the expiry clean-up sends invitation.expired; the revoke event sends invitation.revoked', async () => {
    const endpoint = await createEndpoint(['invitation.expired', 'invitation.revoked']);
    const expired = await createInvitation(t, { expires: new Date(Date.now() - 60_000).toISOString() });
    await t.app.runTask('clean_expired_invitations');
    // Retention keeps the expired invitation; its expiry is recorded once, not at every run.
    await t.app.runTask('clean_expired_invitations');
    assert.equal(
      (await t.client.get(`/api/v3/stages/invitation/invitations/${expired.pk}/`)).body.status,
      'expired',
    );
    // The revoke action, and a plain edit, whose model_updated is no revocation.
    const revoked = await createInvitation(t);
    await t.client.patch(`/api/v3/stages/invitation/invitations/${revoked.pk}/`, { name: unique('edited') });
    const revoking = await t.client.post(`/api/v3/stages/invitation/invitations/${revoked.pk}/revoke/`, {});
    assert.equal(revoking.status, 200);
    await t.app.runTask('deliver_outbox');
    const got = verified(endpoint.path, endpoint.secret).map((g) => g.payload);
    assert.deepEqual(
      got.map((p) => [p.type, p.data.invitation.pk, p.data.invitation.name]),
      [
        ['invitation.expired', maskInvitationToken(expired.pk), expired.name],
        ['invitation.revoked', maskInvitationToken(revoked.pk), revoking.body.name],
      ],
    );
  });
});

/** An instance without TESSERA_WEBHOOKS_ALLOW_PRIVATE, on a database of its own. */
const strict = await buildTestApp();

describe('webhook addresses (SSRF)', () => {
  test('without TESSERA_WEBHOOKS_ALLOW_PRIVATE, non-public hosts are refused with a 400', async () => {
    const refused = [
      'http://127.0.0.1:8080/hook',
      'http://localhost/hook',
      'http://[::1]/hook',
      'http://[::ffff:127.0.0.1]/hook',
      'http://[::ffff:a9fe:a9fe]/hook',
      'http://0.0.0.0/',
      'http://10.1.2.3/',
      'http://172.20.0.1/',
      'http://192.168.1.1/',
      'http://169.254.169.254/latest/meta-data/',
      'http://100.64.0.1/',
      'http://224.0.0.1/',
      'http://[fd00::1]/',
      'http://[fe80::1]/',
      'http://[ff02::1]/',
      'http://[::]/',
      'http://[64:ff9b::7f00:1]/',
      'http://[2002:a00:1::1]/',
      'http://2130706433/',
    ];
    for (const url of refused) {
      const response = await strict.client.post(BASE, {
        name: unique('ssrf'),
        url,
        events: ['user.enrolled'],
      });
      assert.equal(response.status, 400, url);
      assert.deepEqual(Object.keys(response.body), ['url'], url);
      assert.match(response.body.url[0], /webhooks are only sent to public addresses/, url);
    }
    const [row] = await query<{ n: string }>(
      strict.database.db,
      sql`SELECT count(*) AS n FROM webhook_endpoints`,
    );
    assert.equal(Number(row.n), 0);
    // A public address literal needs no lookup and is accepted.
    const accepted = await strict.client.post(BASE, {
      name: unique('public'),
      url: 'https://93.184.215.14/hook',
      events: ['user.enrolled'],
    });
    assert.equal(accepted.status, 201, JSON.stringify(accepted.body));
    // An update to a private address is refused too.
    const moved = await strict.client.patch(`${BASE}${accepted.body.pk}/`, { url: 'http://127.0.0.1/' });
    assert.equal(moved.status, 400);
    assert.equal(
      (await strict.client.get(`${BASE}${accepted.body.pk}/`)).body.url,
      'https://93.184.215.14/hook',
    );
  });

  test('the address is checked again at delivery: an instance without the setting does not send', async () => {
    const endpoint = await createEndpoint(['invitation.created']);
    // A name rather than an address: the check is in the connection's own lookup.
    const named = await createEndpoint(['invitation.created'], {
      url: receiver.url('/named').replace('127.0.0.1', 'localhost'),
    });
    // Another instance on the same database, without TESSERA_WEBHOOKS_ALLOW_PRIVATE.
    const config = loadConfig({ AUTHENTIK_BOOTSTRAP_TOKEN: ADMIN_TOKEN });
    config.database = t.config.database;
    const other = await buildApp(config, { database: t.database, logger: false, schedule: false });
    try {
      await createInvitation(t);
      await other.runTask('deliver_outbox');
      assert.equal(receiver.at(endpoint.path).length, 0);
      const [delivery] = await deliveries(endpoint.pk);
      assert.equal(delivery.status, 'retrying');
      assert.match(delivery.last_error, /is a loopback address \(127\.0\.0\.1\)/);
      const [byName] = await deliveries(named.pk);
      assert.equal(byName.status, 'retrying');
      assert.match(
        byName.last_error,
        /^The host localhost is a (loopback|unspecified, loopback or IPv4-compatible) address/,
      );
      assert.equal(receiver.at('/named').length, 0);
    } finally {
      await other.close();
    }
  });
});
