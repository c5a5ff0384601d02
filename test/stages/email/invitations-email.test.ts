/**
 * send_email against a real SMTP server running in the test (smtp-server on 127.0.0.1, port 0):
 * what the server received (envelope, headers, link) is what the assertions look at.
 */
import assert from 'node:assert/strict';
import { after, beforeEach, describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { query } from '../../../src/db/client.js';
import { maskInvitationToken } from '../../../src/events/invitation-token.js';
import { buildTestApp, type TestContext } from '../../helpers/test-app.js';
import { createFlow, createUserWithToken, grantPermission, unique } from '../../helpers/factories.js';
import { REJECTED, startSmtpServer } from '../../helpers/smtp.js';

const smtp = await startSmtpServer();
after(() => smtp.close());

const t = await buildTestApp({
  AUTHENTIK_BOOTSTRAP_EMAIL: 'admin@example.com',
  AUTHENTIK_EMAIL__HOST: '127.0.0.1',
  AUTHENTIK_EMAIL__PORT: String(smtp.port),
  AUTHENTIK_EMAIL__FROM: 'tessera@example.org',
  AUTHENTIK_EMAIL__TIMEOUT: '5',
});
const LIST = '/api/v3/stages/invitation/invitations/';

beforeEach(() => {
  smtp.received.length = 0;
});

async function createInvitation(ctx: TestContext = t, overrides: Record<string, unknown> = {}) {
  const flow = await createFlow(ctx);
  const response = await ctx.client.post(LIST, { name: unique('mail'), flow: flow.pk, ...overrides });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return { invitation: response.body, flow };
}

/**
 * A send_email as a trusted proxy (the test's loopback address is in the default
 * AUTHENTIK_LISTEN__TRUSTED_PROXY_CIDRS) forwards it, naming the public host. The answer
 * comes before delivery: the outbox's worker then runs (as its timer or wake-up would).
 */
async function sendEmail(
  pk: string,
  body: unknown,
  options: { headers?: Record<string, string>; token?: string } = {},
  ctx = t,
) {
  const response = await ctx.client.post(`${LIST}${pk}/send_email/`, body, {
    headers: options.headers ?? { host: 'internal:9000', 'x-forwarded-host': 'auth.example.com' },
    token: options.token,
  });
  await ctx.app.runTask('deliver_outbox');
  return response;
}

/** The invitation's delivery log, oldest message first. */
async function deliveries(pk: string, ctx = t) {
  const response = await ctx.client.get(`${LIST}${pk}/deliveries/`);
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return [...response.body.results].reverse();
}

async function emailEvents(ctx: TestContext, invitationPk: string) {
  return query<{ action: string; app: string; context: Record<string, any> }>(
    ctx.database.db,
    sql`SELECT action, app, context FROM events
        WHERE action = 'email_sent' AND context ->> 'body' LIKE ${`%${maskInvitationToken(invitationPk)}%`}
        ORDER BY created`,
  );
}

describe('send_email: delivery', () => {
  test('one message per To address; cc and bcc get exactly one copy; 204 with no body', async () => {
    const { invitation, flow } = await createInvitation();
    const response = await sendEmail(invitation.pk, {
      email_addresses: ['ann@example.com', 'bob@example.com'],
      cc_addresses: ['hr@example.com'],
      bcc_addresses: ['audit@example.com'],
    });
    assert.equal(response.status, 204);
    assert.equal(response.text, '');
    assert.equal(smtp.received.length, 2);
    const [first, second] = smtp.received;
    assert.deepEqual(first.rcpt, ['ann@example.com', 'hr@example.com', 'audit@example.com']);
    assert.deepEqual(second.rcpt, ['bob@example.com']);
    assert.equal(first.from, 'tessera@example.org');
    assert.equal(first.headers.to, 'ann@example.com');
    assert.equal(first.headers.cc, 'hr@example.com');
    assert.equal(first.headers.bcc, undefined);
    assert.equal(second.headers.to, 'bob@example.com');
    assert.equal(second.headers.cc, undefined);
    for (const message of smtp.received) {
      assert.equal(message.headers.subject, 'You have been invited to auth.example.com');
      assert.match(message.headers['content-type'], /^multipart\/alternative/);
      const link = `http://auth.example.com/if/flow/${flow.slug}/?itoken=${invitation.pk}`;
      assert.ok(message.source.includes(`href="${link}"`), 'HTML button links to the invitation');
      assert.ok(message.source.includes("You're Invited!"));
      assert.ok(message.source.includes('Accept Invitation'));
      assert.ok(message.source.includes('You have been invited to join auth.example.com.'));
      assert.match(message.source, /This invitation expires 23 hours from now\./);
      assert.ok(message.source.split(link).length >= 4, 'the link is in the text part and as HTML text');
    }
  });

  test('each sent message writes an email_sent event with the token masked', async () => {
    const { invitation, flow } = await createInvitation();
    const response = await sendEmail(invitation.pk, {
      email_addresses: ['c1@example.com', 'c2@example.com'],
    });
    assert.equal(response.status, 204);
    const events = await emailEvents(t, invitation.pk);
    assert.equal(events.length, 2);
    const masked = maskInvitationToken(invitation.pk);
    for (const [index, event] of events.entries()) {
      const to = `c${index + 1}@example.com`;
      assert.equal(event.app, 'authentik.stages.email.tasks');
      assert.equal(event.context.message, `Email to ${to} sent`);
      assert.equal(event.context.subject, 'You have been invited to auth.example.com');
      assert.equal(event.context.from_email, 'tessera@example.org');
      assert.deepEqual(event.context.to_email, [to]);
      assert.ok(event.context.body.includes(`/if/flow/${flow.slug}/?itoken=${masked}`));
      assert.equal(event.context.http_request.path, `${LIST}${masked}/send_email/`);
    }
    const hex = invitation.pk.replace(/-/g, '');
    const leaks = await query<{ n: string }>(
      t.database.db,
      sql`SELECT count(*) AS n FROM events
          WHERE position(${invitation.pk} in lower(context::text)) > 0 OR position(${hex} in lower(context::text)) > 0`,
    );
    assert.equal(Number(leaks[0].n), 0);
  });

  test('the template may be named as documented (`invitation`) or as authentik uses it', async () => {
    const { invitation } = await createInvitation();
    for (const template of ['invitation', 'email/invitation.html']) {
      const response = await sendEmail(invitation.pk, { email_addresses: ['tpl@example.com'], template });
      assert.equal(response.status, 204, template);
    }
    assert.equal(smtp.received.length, 2);
  });

  test('a refused To address is recorded as failed in its delivery; the others are sent', async () => {
    const { invitation } = await createInvitation();
    const response = await sendEmail(invitation.pk, {
      email_addresses: ['ok@example.com', REJECTED, 'also-ok@example.com'],
    });
    // Delivery happens after the answer: a refusal is recorded per address, not answered.
    assert.equal(response.status, 204);
    const log = await deliveries(invitation.pk);
    assert.deepEqual(
      log.map((d: any) => [d.to, d.status, d.attempts]),
      [
        ['ok@example.com', 'delivered', 1],
        [REJECTED, 'failed', 1],
        ['also-ok@example.com', 'delivered', 1],
      ],
    );
    assert.match(log[1].last_error, /^550 5\.1\.1 Mailbox unavailable/);
    assert.deepEqual(log[1].recipients, [
      { address: REJECTED, kind: 'to', status: 'failed', error: log[1].last_error },
    ]);
    assert.ok(log[0].delivered_at && log[1].delivered_at === null);
    assert.deepEqual(
      smtp.received.map((m) => m.rcpt),
      [['ok@example.com'], ['also-ok@example.com']],
    );
    assert.equal((await emailEvents(t, invitation.pk)).length, 2);
  });

  test('a refused cc address is recorded; the message still reaches its To address', async () => {
    const { invitation } = await createInvitation();
    const response = await sendEmail(invitation.pk, {
      email_addresses: ['to1@example.com', 'to2@example.com'],
      cc_addresses: ['cc-ok@example.com', REJECTED],
    });
    assert.equal(response.status, 204);
    const [first, second] = await deliveries(invitation.pk);
    assert.equal(first.status, 'delivered');
    assert.deepEqual(
      first.recipients.map((r: any) => [r.address, r.kind, r.status]),
      [
        ['to1@example.com', 'to', 'delivered'],
        ['cc-ok@example.com', 'cc', 'delivered'],
        [REJECTED, 'cc', 'failed'],
      ],
    );
    assert.match(first.recipients[2].error, /^550/);
    assert.deepEqual(second.recipients, [
      { address: 'to2@example.com', kind: 'to', status: 'delivered', error: null },
    ]);
    // Every cc rides on the first message only: the accepted one is not repeated.
    assert.deepEqual(
      smtp.received.map((m) => m.rcpt),
      [['to1@example.com', 'cc-ok@example.com'], ['to2@example.com']],
    );
  });

  test('a refused To address does not cost its cc their copy, nor send it twice', async () => {
    const { invitation } = await createInvitation();
    const response = await sendEmail(invitation.pk, {
      email_addresses: [REJECTED, 'second@example.com'],
      cc_addresses: ['copy@example.com'],
    });
    assert.equal(response.status, 204);
    const [first] = await deliveries(invitation.pk);
    assert.equal(first.status, 'failed');
    assert.deepEqual(
      first.recipients.map((r: any) => [r.address, r.status]),
      [
        [REJECTED, 'failed'],
        ['copy@example.com', 'delivered'],
      ],
    );
    // The server took the first message for the cc address alone, so it is not sent twice.
    assert.deepEqual(
      smtp.received.map((m) => m.rcpt),
      [['copy@example.com'], ['second@example.com']],
    );
  });
});

describe('send_email: refusals (nothing sent)', () => {
  test('invalid addresses: 400 per list and index, in DRF’s ListField shape', async () => {
    const { invitation } = await createInvitation();
    const response = await sendEmail(invitation.pk, {
      email_addresses: ['fine@example.com', 'not-an-email'],
      cc_addresses: ['also bad'],
      bcc_addresses: [42],
    });
    assert.equal(response.status, 400);
    assert.deepEqual(response.body, {
      email_addresses: { '1': ['Enter a valid email address.'] },
      cc_addresses: { '0': ['Enter a valid email address.'] },
      bcc_addresses: { '0': ['Enter a valid email address.'] },
    });
    assert.equal(smtp.received.length, 0);
  });

  test('missing, empty or non-list addresses; unknown template', async () => {
    const { invitation } = await createInvitation();
    const cases: [unknown, unknown][] = [
      [{}, { email_addresses: ['This field is required.'] }],
      [{ email_addresses: [] }, { email_addresses: ['This list may not be empty.'] }],
      [
        { email_addresses: 'a@example.com' },
        { email_addresses: ['Expected a list of items but got type "str".'] },
      ],
      [
        { email_addresses: ['a@example.com'], template: 'email/password_reset.html' },
        {
          template: ['"email/password_reset.html" is not a valid choice.'],
        },
      ],
      [{ email_addresses: ['a@example.com'], template: '' }, { template: ['This field may not be blank.'] }],
    ];
    for (const [body, expected] of cases) {
      const response = await sendEmail(invitation.pk, body);
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.deepEqual(response.body, expected);
    }
    assert.equal(smtp.received.length, 0);
  });

  test('an invitation without a flow', async () => {
    const created = await t.client.post(LIST, { name: unique('noflow') });
    assert.equal(created.status, 201);
    const pk = created.body.pk;
    const response = await sendEmail(pk, { email_addresses: ['a@example.com'] });
    assert.equal(response.status, 400);
    assert.deepEqual(response.body, { non_field_errors: ['Invitation has no associated flow'] });
    assert.equal(smtp.received.length, 0);
  });

  test('an expired invitation, and one with no uses left', async () => {
    const { invitation: expired } = await createInvitation(t, { expires: '2001-01-01T00:00:00Z' });
    const response = await sendEmail(expired.pk, { email_addresses: ['a@example.com'] });
    assert.equal(response.status, 400);
    assert.deepEqual(response.body, { non_field_errors: ['Invitation has expired'] });

    const { invitation: used } = await createInvitation(t, { max_uses: 2 });
    await t.database.db.execute(sql`UPDATE invitations SET uses = 2 WHERE invite_uuid = ${used.pk}`);
    const exhausted = await sendEmail(used.pk, { email_addresses: ['a@example.com'] });
    assert.equal(exhausted.status, 400);
    assert.deepEqual(exhausted.body, { non_field_errors: ['Invitation has no uses left'] });
    assert.equal(smtp.received.length, 0);
  });

  test('unknown and malformed invitations are 404s', async () => {
    const missing = await sendEmail('6d6f2f0e-1a2b-4c3d-8e9f-001122334455', {
      email_addresses: ['a@example.com'],
    });
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.body, { detail: 'No Invitation matches the given query.' });
    const malformed = await sendEmail('nope', { email_addresses: ['a@example.com'] });
    assert.equal(malformed.status, 404);
  });

  test('permission: change_invitation (globally or on the invitation); add alone is not enough', async () => {
    const { invitation } = await createInvitation();
    const user = await createUserWithToken(t);
    await grantPermission(t, user, 'authentik_stages_invitation.view_invitation');
    await grantPermission(t, user, 'authentik_stages_invitation.add_invitation');
    const body = { email_addresses: ['perm@example.com'] };
    const denied = await sendEmail(invitation.pk, body, { token: user.token });
    assert.equal(denied.status, 403);
    assert.deepEqual(denied.body, { detail: 'You do not have permission to perform this action.' });
    assert.equal(smtp.received.length, 0);
    await grantPermission(t, user, 'authentik_stages_invitation.change_invitation', invitation.pk);
    assert.equal((await sendEmail(invitation.pk, body, { token: user.token })).status, 204);
    assert.equal(smtp.received.length, 1);

    const stranger = await createUserWithToken(t);
    const invisible = await sendEmail(invitation.pk, body, { token: stranger.token });
    assert.equal(invisible.status, 403);
  });
});

describe('send_email: configuration', () => {
  test('TESSERA_EXTERNAL_URL is the link base; an unreachable server is retried, naming it', async () => {
    // A port nothing listens on: open a server, note its port, close it.
    const probe = await startSmtpServer();
    await probe.close();
    const other = await buildTestApp({
      AUTHENTIK_BOOTSTRAP_EMAIL: 'admin@example.com',
      AUTHENTIK_EMAIL__HOST: '127.0.0.1',
      AUTHENTIK_EMAIL__PORT: String(probe.port),
      AUTHENTIK_EMAIL__TIMEOUT: '5',
      TESSERA_EXTERNAL_URL: 'https://id.example.net/auth',
    });
    const { invitation } = await createInvitation(other);
    const response = await sendEmail(
      invitation.pk,
      { email_addresses: ['x@example.com', 'y@example.com'], bcc_addresses: ['z@example.com'] },
      {},
      other,
    );
    // Queued: the unreachable server shows in each message's delivery, which waits to retry.
    assert.equal(response.status, 204);
    const log = await deliveries(invitation.pk, other);
    assert.deepEqual(
      log.map((d: any) => [d.to, d.status, d.attempts]),
      [
        ['x@example.com', 'retrying', 1],
        ['y@example.com', 'retrying', 1],
      ],
    );
    for (const delivery of log) {
      assert.ok(
        delivery.last_error.startsWith(`The mail server at 127.0.0.1:${probe.port} could not be reached: `),
        delivery.last_error,
      );
      assert.ok(delivery.next_attempt_at && delivery.delivered_at === null);
      assert.ok(delivery.recipients.every((r: any) => r.status === 'pending'));
    }
    assert.equal((await emailEvents(other, invitation.pk)).length, 0);

    // Pointed at the working server, the link and subject use the external URL, not the Host header.
    const working = await buildTestApp({
      AUTHENTIK_BOOTSTRAP_EMAIL: 'admin@example.com',
      AUTHENTIK_EMAIL__HOST: '127.0.0.1',
      AUTHENTIK_EMAIL__PORT: String(smtp.port),
      TESSERA_EXTERNAL_URL: 'https://id.example.net/auth',
    });
    const { invitation: second, flow } = await createInvitation(working);
    // With TESSERA_EXTERNAL_URL set, no Host or X-Forwarded-Host changes the link.
    const sent = await sendEmail(
      second.pk,
      { email_addresses: ['ext@example.com'] },
      { headers: { host: 'attacker.example', 'x-forwarded-host': 'attacker.example' } },
      working,
    );
    assert.equal(sent.status, 204);
    assert.equal(smtp.received.length, 1);
    assert.equal(smtp.received[0].headers.subject, 'You have been invited to id.example.net');
    assert.ok(
      smtp.received[0].source.includes(
        `https://id.example.net/auth/if/flow/${flow.slug}/?itoken=${second.pk}`,
      ),
    );
  });
});

describe('send_email: where the link points', () => {
  test('a client that is not a trusted proxy cannot choose the host: refused, naming the setting', async () => {
    const direct = await buildTestApp({
      AUTHENTIK_BOOTSTRAP_EMAIL: 'admin@example.com',
      AUTHENTIK_EMAIL__HOST: '127.0.0.1',
      AUTHENTIK_EMAIL__PORT: String(smtp.port),
      // The test's requests come from 127.0.0.1, which is then not a proxy.
      AUTHENTIK_LISTEN__TRUSTED_PROXY_CIDRS: '10.99.0.0/16',
    });
    const { invitation } = await createInvitation(direct);
    const forged: Record<string, string>[] = [
      { host: 'attacker.example' },
      { host: 'attacker.example', 'x-forwarded-host': 'attacker.example', 'x-forwarded-proto': 'https' },
    ];
    for (const headers of forged) {
      const response = await sendEmail(
        invitation.pk,
        { email_addresses: ['victim@example.com'] },
        { headers },
        direct,
      );
      assert.equal(response.status, 400);
      assert.deepEqual(Object.keys(response.body), ['non_field_errors']);
      assert.match(response.body.non_field_errors[0], /TESSERA_EXTERNAL_URL/);
    }
    assert.equal(smtp.received.length, 0);
    assert.equal((await emailEvents(direct, invitation.pk)).length, 0);
  });

  test('through a trusted proxy, only X-Forwarded-Host names the host, never the Host header', async () => {
    const { invitation, flow } = await createInvitation();
    const bare = await sendEmail(
      invitation.pk,
      { email_addresses: ['a@example.com'] },
      {
        headers: { host: 'attacker.example' },
      },
    );
    assert.equal(bare.status, 400);
    assert.match(bare.body.non_field_errors[0], /TESSERA_EXTERNAL_URL/);
    const junk = await sendEmail(
      invitation.pk,
      { email_addresses: ['a@example.com'] },
      {
        headers: { host: 'x', 'x-forwarded-host': 'evil.example/path?' },
      },
    );
    assert.equal(junk.status, 400);
    assert.equal(smtp.received.length, 0);

    const proxied = await sendEmail(
      invitation.pk,
      { email_addresses: ['b@example.com'] },
      {
        headers: {
          host: 'attacker.example',
          'x-forwarded-host': 'id.example.org',
          'x-forwarded-proto': 'https',
        },
      },
    );
    assert.equal(proxied.status, 204);
    assert.equal(smtp.received.length, 1);
    assert.ok(
      smtp.received[0].source.includes(
        `https://id.example.org/if/flow/${flow.slug}/?itoken=${invitation.pk}`,
      ),
    );
    assert.ok(!smtp.received[0].source.includes('attacker.example'));
  });
});
