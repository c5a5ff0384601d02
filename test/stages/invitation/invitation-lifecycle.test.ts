/**
 * The invitation lifecycle (Tessera extension): `status`, revocation that keeps the record,
 * retention instead of deletion on use, and the timeline, with Tessera's default retention
 * (TESSERA_INVITATIONS_RETENTION=keep). authentik's retention is covered at the end with an
 * app of its own, and in invitation-consumption.test.ts.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { sql } from 'drizzle-orm';
import { query } from '../../../src/db/client.js';
import { maskInvitationToken } from '../../../src/events/invitation-token.js';
import { buildTestApp, type TestContext } from '../../helpers/test-app.js';
import { createUserWithToken, grantPermission, insertInvitation, unique } from '../../helpers/factories.js';
import { FlowBrowser } from '../../helpers/flow-client.js';
import {
  answers,
  buildEnrollmentFlow,
  createInvitation,
  DENIED,
  enrollmentProbes,
} from '../../helpers/enrollment.js';

/** An SMTP server that accepts every message, for send_email in the timeline. */
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  onData(stream, _session, callback) {
    stream.resume();
    stream.on('end', () => callback());
  },
});
await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
after(() => new Promise<void>((resolve) => smtp.close(() => resolve())));

const t = await buildTestApp({
  AUTHENTIK_EMAIL__HOST: '127.0.0.1',
  AUTHENTIK_EMAIL__PORT: String((smtp.server.address() as AddressInfo).port),
  TESSERA_EXTERNAL_URL: 'https://id.example.com',
});
const db = t.database.db;
const { usersNamed, eventsFor, invitationExists } = enrollmentProbes(t);
const BASE = '/api/v3/stages/invitation/invitations/';

async function status(pk: string): Promise<string> {
  const response = await t.client.get(`${BASE}${pk}/`);
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body.status;
}

async function refusalReasons(pk: string): Promise<string[]> {
  return (await eventsFor(pk))
    .filter((ev) => ev.action === 'suspicious_request')
    .map((ev) => ev.context.reason);
}

describe('status', () => {
  test('a single-use invitation is kept when used and becomes used_up; a second browser is refused', async () => {
    const e = await buildEnrollmentFlow(t);
    const invitation = await createInvitation(t, { flow: e.flow.pk, single_use: true });
    assert.equal(await status(invitation.pk), 'active');
    const first = new FlowBrowser(t.app);
    assert.equal((await first.get(e.flow.slug, `itoken=${invitation.pk}`)).body.component, 'ak-stage-prompt');
    assert.equal(await invitationExists(invitation.pk), true);
    assert.equal(await status(invitation.pk), 'used_up');
    const events = await eventsFor(invitation.pk);
    assert.equal(events.filter((ev) => ev.action === 'model_deleted').length, 0);
    const second = new FlowBrowser(t.app);
    assert.equal((await second.get(e.flow.slug, `itoken=${invitation.pk}`)).body.error_message, DENIED);
    assert.deepEqual(await refusalReasons(invitation.pk), ['exhausted']);
    const username = unique('kept');
    assert.equal(
      (await first.post(e.flow.slug, answers(username), `itoken=${invitation.pk}`)).body.component,
      'xak-flow-redirect',
    );
    const row = (await t.client.get(`${BASE}${invitation.pk}/`)).body;
    assert.equal(row.uses, 1);
    assert.equal(row.status, 'used_up');
  });

  test('30 browsers opening one kept single-use link at once enroll exactly one user', async () => {
    const e = await buildEnrollmentFlow(t);
    const invitation = await createInvitation(t, { flow: e.flow.pk, single_use: true });
    const prefix = unique('keep-race');
    const q = `itoken=${invitation.pk}`;
    const results = await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        const browser = new FlowBrowser(t.app);
        const first = await browser.get(e.flow.slug, q);
        if (first.body.component !== 'ak-stage-prompt') return first.body.component;
        return (await browser.post(e.flow.slug, answers(`${prefix}-${i}`), q)).body.component;
      }),
    );
    assert.equal(results.filter((c) => c === 'xak-flow-redirect').length, 1);
    assert.equal((await usersNamed(prefix)).length, 1);
    const [row] = await query<{ uses: number }>(
      db,
      sql`SELECT uses FROM invitations WHERE invite_uuid = ${invitation.pk}`,
    );
    assert.equal(row.uses, 1);
  });

  test('a single-use invitation in enrollment consumption is kept used_up after its user is written', async () => {
    const e = await buildEnrollmentFlow(t);
    await t.client.patch(`/api/v3/stages/invitation/stages/${e.invitationStage.pk}/consumption/`, {
      single_use_consumption: 'enrollment',
    });
    const invitation = await createInvitation(t, { flow: e.flow.pk, single_use: true });
    const q = `itoken=${invitation.pk}`;
    const browser = new FlowBrowser(t.app);
    assert.equal((await browser.get(e.flow.slug, q)).body.component, 'ak-stage-prompt');
    assert.equal(await status(invitation.pk), 'active');
    assert.equal(
      (await browser.post(e.flow.slug, answers(unique('lease')), q)).body.component,
      'xak-flow-redirect',
    );
    assert.equal(await status(invitation.pk), 'used_up');
    assert.equal((await new FlowBrowser(t.app).get(e.flow.slug, q)).body.error_message, DENIED);
  });

  test('filter by every status and order by status', async () => {
    const flow = (
      await t.client.post('/api/v3/flows/instances/', {
        name: 'lifecycle-status',
        slug: unique('lifecycle-status'),
        title: 'Status',
        designation: 'enrollment',
      })
    ).body;
    const active = await insertInvitation(t, { flow: flow.pk, max_uses: 2 });
    const usedUp = await insertInvitation(t, { flow: flow.pk, single_use: true });
    await db.execute(
      sql`UPDATE invitations SET uses = 1, used_up_at = now() WHERE invite_uuid = ${usedUp.pk}`,
    );
    const expired = await insertInvitation(t, { flow: flow.pk, expires: '2020-01-01T00:00:00Z' });
    const revoked = await insertInvitation(t, { flow: flow.pk });
    assert.equal((await t.client.post(`${BASE}${revoked.pk}/revoke/`)).status, 200);
    const listed = async (query: string) => {
      const response = await t.client.get(`${BASE}?flow__slug=${flow.slug}&${query}`);
      assert.equal(response.status, 200, JSON.stringify(response.body));
      return response.body.results.map((row: { pk: string }) => row.pk);
    };
    assert.deepEqual(await listed('status=active'), [active.pk]);
    assert.deepEqual(await listed('status=used_up'), [usedUp.pk]);
    assert.deepEqual(await listed('status=expired'), [expired.pk]);
    assert.deepEqual(await listed('status=revoked'), [revoked.pk]);
    // The words in order: active, expired, revoked, used_up.
    assert.deepEqual(await listed('ordering=status'), [active.pk, expired.pk, revoked.pk, usedUp.pk]);
    assert.deepEqual(await listed('ordering=-status'), [usedUp.pk, revoked.pk, expired.pk, active.pk]);
  });
});

describe('revoke', () => {
  test('the link stops working, the record stays, the event is model_updated with action revoke', async () => {
    const e = await buildEnrollmentFlow(t);
    const invitation = await createInvitation(t, { flow: e.flow.pk });
    const response = await t.client.post(`${BASE}${invitation.pk}/revoke/`);
    assert.equal(response.status, 200);
    assert.equal(response.body.status, 'revoked');
    assert.match(response.body.revoked_at, /^\d{4}-\d\d-\d\dT/);
    assert.equal(response.body.revoked_by.username, 'akadmin');
    assert.equal(await invitationExists(invitation.pk), true);
    const browser = new FlowBrowser(t.app);
    assert.equal((await browser.get(e.flow.slug, `itoken=${invitation.pk}`)).body.error_message, DENIED);
    assert.deepEqual(await refusalReasons(invitation.pk), ['revoked']);
    const revokeEvents = (await eventsFor(invitation.pk)).filter(
      (ev) => ev.action === 'model_updated' && ev.context.action === 'revoke',
    );
    assert.equal(revokeEvents.length, 1);
    assert.equal(revokeEvents[0].context.model.pk, maskInvitationToken(invitation.pk));
    assert.equal(revokeEvents[0].user.username, 'akadmin');
    assert.ok(!JSON.stringify(revokeEvents[0].context).includes(invitation.pk));
  });

  test('a second revoke is a 400 and writes nothing', async () => {
    const invitation = await insertInvitation(t);
    assert.equal((await t.client.post(`${BASE}${invitation.pk}/revoke/`)).status, 200);
    const again = await t.client.post(`${BASE}${invitation.pk}/revoke/`);
    assert.equal(again.status, 400);
    assert.deepEqual(again.body, { non_field_errors: ['Invitation is already revoked'] });
    const events = (await eventsFor(invitation.pk)).filter((ev) => ev.context.action === 'revoke');
    assert.equal(events.length, 1);
  });

  test('an enrollment that accepted a multi-use link before the revocation cannot write its user', async () => {
    const e = await buildEnrollmentFlow(t);
    const invitation = await createInvitation(t, { flow: e.flow.pk, max_uses: 5 });
    const q = `itoken=${invitation.pk}`;
    const browser = new FlowBrowser(t.app);
    assert.equal((await browser.get(e.flow.slug, q)).body.component, 'ak-stage-prompt');
    assert.equal((await t.client.post(`${BASE}${invitation.pk}/revoke/`)).status, 200);
    const username = unique('after-revoke');
    const answer = await browser.post(e.flow.slug, answers(username), q);
    assert.equal(answer.body.error_message, DENIED);
    assert.equal((await usersNamed(username)).length, 0);
    assert.equal((await t.client.get(`${BASE}${invitation.pk}/`)).body.uses, 0);
  });

  test('an enrollment holding a single-use link (opened, or leased) cannot write its user after the revocation', async () => {
    for (const consumption of ['open', 'enrollment'] as const) {
      const e = await buildEnrollmentFlow(t);
      await t.client.patch(`/api/v3/stages/invitation/stages/${e.invitationStage.pk}/consumption/`, {
        single_use_consumption: consumption,
      });
      const invitation = await createInvitation(t, { flow: e.flow.pk, single_use: true });
      const q = `itoken=${invitation.pk}`;
      const browser = new FlowBrowser(t.app);
      assert.equal((await browser.get(e.flow.slug, q)).body.component, 'ak-stage-prompt');
      assert.equal((await t.client.post(`${BASE}${invitation.pk}/revoke/`)).status, 200);
      const username = unique(`revoked-${consumption}`);
      assert.equal(
        (await browser.post(e.flow.slug, answers(username), q)).body.error_message,
        DENIED,
        consumption,
      );
      assert.equal((await usersNamed(username)).length, 0, consumption);
    }
  });

  test('view without change is 403, as is neither; change on the object suffices', async () => {
    const invitation = await insertInvitation(t);
    const reader = await createUserWithToken(t);
    await grantPermission(t, reader, 'authentik_stages_invitation.view_invitation', invitation.pk);
    const refused = await t.client.as(reader.token).post(`${BASE}${invitation.pk}/revoke/`);
    assert.equal(refused.status, 403);
    assert.equal(await status(invitation.pk), 'active');
    const stranger = await createUserWithToken(t);
    assert.equal((await t.client.as(stranger.token).post(`${BASE}${invitation.pk}/revoke/`)).status, 403);
    assert.equal((await t.client.as(null).post(`${BASE}${invitation.pk}/revoke/`)).status, 403);
    await grantPermission(t, reader, 'authentik_stages_invitation.change_invitation', invitation.pk);
    assert.equal((await t.client.as(reader.token).post(`${BASE}${invitation.pk}/revoke/`)).status, 200);
    assert.equal(await status(invitation.pk), 'revoked');
  });

  test('send_email refuses a revoked invitation', async () => {
    const e = await buildEnrollmentFlow(t);
    const invitation = await createInvitation(t, { flow: e.flow.pk });
    await t.client.post(`${BASE}${invitation.pk}/revoke/`);
    const response = await t.client.post(`${BASE}${invitation.pk}/send_email/`, {
      email_addresses: ['someone@example.com'],
    });
    assert.equal(response.status, 400);
    assert.deepEqual(response.body, { non_field_errors: ['Invitation has been revoked'] });
  });
});

describe('retention', () => {
  test('ended invitations are kept for the retention days, then the clean-up deletes them', async () => {
    const recent = {
      expired: await insertInvitation(t, { expires: new Date(Date.now() - 86400000).toISOString() }),
      usedUp: await insertInvitation(t, { single_use: true }),
      revoked: await insertInvitation(t),
    };
    const old = {
      expired: await insertInvitation(t, { expires: new Date(Date.now() - 31 * 86400000).toISOString() }),
      usedUp: await insertInvitation(t, { max_uses: 1 }),
      revoked: await insertInvitation(t),
    };
    const active = await insertInvitation(t, { max_uses: 2 });
    await db.execute(
      sql`UPDATE invitations SET uses = 1, used_up_at = now() WHERE invite_uuid = ${recent.usedUp.pk}`,
    );
    await db.execute(
      sql`UPDATE invitations SET uses = 1, used_up_at = now() - interval '31 days' WHERE invite_uuid = ${old.usedUp.pk}`,
    );
    // Used up once, then given more uses: no longer ended, whatever its used_up_at says.
    await db.execute(
      sql`UPDATE invitations SET uses = 1, used_up_at = now() - interval '31 days' WHERE invite_uuid = ${active.pk}`,
    );
    await t.client.post(`${BASE}${recent.revoked.pk}/revoke/`);
    await t.client.post(`${BASE}${old.revoked.pk}/revoke/`);
    await db.execute(
      sql`UPDATE invitations SET revoked_at = now() - interval '31 days' WHERE invite_uuid = ${old.revoked.pk}`,
    );
    await t.app.runTask('clean_expired_invitations');
    for (const [what, invitation] of Object.entries(recent)) {
      assert.equal(await invitationExists(invitation.pk), true, `recent ${what} kept`);
    }
    for (const [what, invitation] of Object.entries(old)) {
      assert.equal(await invitationExists(invitation.pk), false, `old ${what} deleted`);
    }
    assert.equal(await invitationExists(active.pk), true);
    assert.equal(await status(recent.expired.pk), 'expired');
  });
});

describe('bulk', () => {
  const bulkUrl = `${BASE}bulk/`;

  test('count: all created with names, links and one model_created event each', async () => {
    const e = await buildEnrollmentFlow(t);
    const prefix = unique('bulk');
    const response = await t.client.post(bulkUrl, {
      flow: e.flow.pk,
      name_prefix: prefix,
      count: 3,
      max_uses: 2,
      fixed_data: { team: 'blue' },
    });
    assert.equal(response.status, 201, JSON.stringify(response.body));
    assert.equal(response.body.count, 3);
    assert.deepEqual(
      response.body.results.map((row: any) => [row.name, row.email]),
      [
        [`${prefix}-1`, null],
        [`${prefix}-2`, null],
        [`${prefix}-3`, null],
      ],
    );
    for (const row of response.body.results) {
      assert.equal(row.link, `https://id.example.com/if/flow/${e.flow.slug}/?itoken=${row.pk}`);
      const stored = (await t.client.get(`${BASE}${row.pk}/`)).body;
      assert.deepEqual([stored.max_uses, stored.fixed_data, stored.flow], [2, { team: 'blue' }, e.flow.pk]);
      const created = (await eventsFor(row.pk)).filter((ev) => ev.action === 'model_created');
      assert.equal(created.length, 1);
      assert.equal(created[0].user.username, 'akadmin');
      assert.equal(created[0].context.http_request.path, bulkUrl);
    }
    // The link works.
    const browser = new FlowBrowser(t.app);
    const first = response.body.results[0];
    assert.equal((await browser.get(e.flow.slug, `itoken=${first.pk}`)).body.component, 'ak-stage-prompt');
  });

  test('emails: one invitation per address, with its own fixed_data merged over the template', async () => {
    const e = await buildEnrollmentFlow(t);
    const prefix = unique('mail');
    const response = await t.client.post(bulkUrl, {
      flow: e.flow.pk,
      name_prefix: prefix,
      single_use: true,
      fixed_data: { team: 'blue', level: 1 },
      emails: ['ann@example.com', { email: 'bob@example.com', fixed_data: { level: 2 } }],
    });
    assert.equal(response.status, 201, JSON.stringify(response.body));
    assert.deepEqual(
      response.body.results.map((row: any) => row.email),
      ['ann@example.com', 'bob@example.com'],
    );
    const [ann, bob] = await Promise.all(
      response.body.results.map(async (row: any) => (await t.client.get(`${BASE}${row.pk}/`)).body),
    );
    assert.deepEqual(ann.fixed_data, { team: 'blue', level: 1 });
    assert.deepEqual(bob.fixed_data, { team: 'blue', level: 2 });
    assert.equal(bob.single_use, true);
  });

  test('one invalid address, too many, both or neither of count and emails: 400 and nothing created', async () => {
    const e = await buildEnrollmentFlow(t);
    const count = async () =>
      Number((await query<{ n: string }>(db, sql`SELECT count(*) AS n FROM invitations`))[0].n);
    const before = await count();
    const cases: [unknown, unknown][] = [
      [
        { flow: e.flow.pk, emails: ['ok@example.com', 'not-an-address', { email: 'x' }] },
        { emails: { '1': ['Enter a valid email address.'], '2': ['Enter a valid email address.'] } },
      ],
      [{ flow: e.flow.pk, count: 10001 }, { count: ['Ensure this value is less than or equal to 10000.'] }],
      [
        { flow: e.flow.pk, emails: Array.from({ length: 10001 }, (_, i) => `u${i}@example.com`) },
        { emails: ['Ensure this field has no more than 10000 elements.'] },
      ],
      [
        { flow: e.flow.pk, count: 2, emails: ['a@example.com'] },
        { non_field_errors: ['Send exactly one of `count` and `emails`.'] },
      ],
      [{ flow: e.flow.pk }, { non_field_errors: ['Send exactly one of `count` and `emails`.'] }],
      [{ flow: e.flow.pk, count: 0 }, { count: ['Ensure this value is greater than or equal to 1.'] }],
      [
        { flow: e.flow.pk, count: 1, send_email: true },
        {
          send_email: ['Sending needs `emails`: the addresses to send each link to.'],
        },
      ],
      [
        { flow: '00000000-0000-4000-8000-000000000000', count: 1 },
        { flow: ['Invalid pk "00000000-0000-4000-8000-000000000000" - object does not exist.'] },
      ],
    ];
    for (const [body, expected] of cases) {
      const response = await t.client.post(bulkUrl, body);
      assert.equal(response.status, 400, JSON.stringify(body).slice(0, 200));
      assert.deepEqual(response.body, expected);
    }
    assert.equal(await count(), before);
  });

  test('a prototype key in one address’s fixed_data refuses the whole call', async () => {
    const e = await buildEnrollmentFlow(t);
    const before = Number((await query<{ n: string }>(db, sql`SELECT count(*) AS n FROM invitations`))[0].n);
    // `__proto__` itself never passes the JSON parser; a prompt-attribute path through a
    // prototype does, and must be refused as the single create refuses it.
    const response = await t.client.post(bulkUrl, {
      flow: e.flow.pk,
      emails: [
        'a@example.com',
        { email: 'b@example.com', fixed_data: { 'attributes.constructor.prototype.is_superuser': true } },
      ],
    });
    assert.equal(response.status, 400, JSON.stringify(response.body));
    assert.ok(
      Object.prototype.hasOwnProperty.call(response.body, 'fixed_data'),
      JSON.stringify(response.body),
    );
    assert.equal(
      Number((await query<{ n: string }>(db, sql`SELECT count(*) AS n FROM invitations`))[0].n),
      before,
    );
  });

  test('without add_invitation: 403, nothing created', async () => {
    const e = await buildEnrollmentFlow(t);
    const user = await createUserWithToken(t);
    await grantPermission(t, user, 'authentik_stages_invitation.view_invitation');
    const prefix = unique('denied');
    const response = await t.client
      .as(user.token)
      .post(bulkUrl, { flow: e.flow.pk, name_prefix: prefix, count: 2 });
    assert.equal(response.status, 403);
    const rows = await query(db, sql`SELECT 1 FROM invitations WHERE name LIKE ${`${prefix}%`}`);
    assert.equal(rows.length, 0);
    await grantPermission(t, user, 'authentik_stages_invitation.add_invitation');
    const allowed = await t.client
      .as(user.token)
      .post(bulkUrl, { flow: e.flow.pk, name_prefix: prefix, count: 2 });
    assert.equal(allowed.status, 201);
  });
});

describe('timeline', () => {
  test('created, edited, sent, opened, refused, used, revoked, with time and actor', async () => {
    const e = await buildEnrollmentFlow(t);
    const invitation = await createInvitation(t, { flow: e.flow.pk, max_uses: 3 });
    const url = `${BASE}${invitation.pk}/timeline/`;
    assert.equal((await t.client.patch(`${BASE}${invitation.pk}/`, { name: unique('renamed') })).status, 200);
    const sent = await t.client.post(`${BASE}${invitation.pk}/send_email/`, {
      email_addresses: ['guest@example.com'],
    });
    assert.equal(sent.status, 204, JSON.stringify(sent.body));
    // The message is queued; the outbox's worker delivers it and writes email_sent.
    await t.app.runTask('deliver_outbox');
    const q = `itoken=${invitation.pk}`;
    const browser = new FlowBrowser(t.app);
    assert.equal((await browser.get(e.flow.slug, q)).body.component, 'ak-stage-prompt');
    const username = unique('timeline');
    assert.equal((await browser.post(e.flow.slug, answers(username), q)).body.component, 'xak-flow-redirect');
    assert.equal((await t.client.post(`${BASE}${invitation.pk}/revoke/`)).status, 200);
    await new FlowBrowser(t.app).get(e.flow.slug, q);

    const response = await t.client.get(url);
    assert.equal(response.status, 200);
    const entries = response.body as any[];
    assert.deepEqual(
      entries.map((entry) => entry.kind),
      ['created', 'edited', 'sent', 'opened', 'used', 'revoked', 'refused'],
    );
    const byKind = Object.fromEntries(entries.map((entry) => [entry.kind, entry]));
    assert.equal(byKind.created.actor.username, 'akadmin');
    assert.deepEqual(byKind.sent.detail, { to: ['guest@example.com'], delivered: true, error: null });
    assert.equal(byKind.used.actor.username, username);
    assert.equal(byKind.used.detail.username, username);
    assert.equal(byKind.revoked.actor.username, 'akadmin');
    assert.equal(byKind.refused.detail.reason, 'revoked');
    for (const entry of entries) assert.match(entry.at, /^\d{4}-\d\d-\d\dT/);
    const times = entries.map((entry) => Date.parse(entry.at));
    assert.deepEqual(
      [...times].sort((a, b) => a - b),
      times,
    );
  });

  test('an expired invitation ends with expired; another invitation’s events stay out', async () => {
    const invitation = await insertInvitation(t, { expires: '2020-01-01T00:00:00Z' });
    const other = await createInvitation(t);
    await t.client.patch(`${BASE}${other.pk}/`, { name: unique('other') });
    const entries = (await t.client.get(`${BASE}${invitation.pk}/timeline/`)).body;
    assert.deepEqual(entries, [{ kind: 'expired', at: '2020-01-01T00:00:00Z', actor: null, detail: {} }]);
  });

  test('a message not delivered yet shows as sent with its status', async () => {
    const e = await buildEnrollmentFlow(t);
    const invitation = await createInvitation(t, { flow: e.flow.pk });
    const sent = await t.client.post(`${BASE}${invitation.pk}/send_email/`, {
      email_addresses: ['later@example.com'],
    });
    assert.equal(sent.status, 204);
    const timeline = (await t.client.get(`${BASE}${invitation.pk}/timeline/`)).body;
    const pending = timeline.find((entry: any) => entry.kind === 'sent');
    assert.deepEqual(pending.detail, {
      to: ['later@example.com'],
      delivered: false,
      status: 'queued',
      error: null,
    });
    assert.ok(pending.actor?.username);
  });

  test('view_invitation is needed', async () => {
    const invitation = await insertInvitation(t);
    const stranger = await createUserWithToken(t);
    assert.equal((await t.client.as(stranger.token).get(`${BASE}${invitation.pk}/timeline/`)).status, 403);
    await grantPermission(t, stranger, 'authentik_stages_invitation.view_invitation', invitation.pk);
    assert.equal((await t.client.as(stranger.token).get(`${BASE}${invitation.pk}/timeline/`)).status, 200);
  });
});

describe('authentik retention (TESSERA_INVITATIONS_RETENTION=authentik)', async () => {
  const a: TestContext = await buildTestApp({ TESSERA_INVITATIONS_RETENTION: 'authentik' });
  const probes = enrollmentProbes(a);

  test('single use is deleted when used; the clean-up deletes expired and revoked at once', async () => {
    const e = await buildEnrollmentFlow(a);
    const invitation = await createInvitation(a, { flow: e.flow.pk, single_use: true });
    const browser = new FlowBrowser(a.app);
    assert.equal(
      (await browser.get(e.flow.slug, `itoken=${invitation.pk}`)).body.component,
      'ak-stage-prompt',
    );
    assert.equal(await probes.invitationExists(invitation.pk), false);
    const expired = await insertInvitation(a, { expires: new Date(Date.now() - 60000).toISOString() });
    const revoked = await insertInvitation(a);
    const active = await insertInvitation(a);
    assert.equal((await a.client.post(`${BASE}${revoked.pk}/revoke/`)).status, 200);
    await a.app.runTask('clean_expired_invitations');
    assert.equal(await probes.invitationExists(expired.pk), false);
    assert.equal(await probes.invitationExists(revoked.pk), false);
    assert.equal(await probes.invitationExists(active.pk), true);
  });
});
