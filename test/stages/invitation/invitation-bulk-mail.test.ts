/**
 * Issue 17's journey through the API: a thousand invitations from one template, each bound to
 * its address, carrying groups and roles, mailed through the outbox to a real SMTP server; one
 * is revoked and its link refused; another enrolls its person, who receives the grants, and
 * nobody else can enroll with it.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { query } from '../../../src/db/client.js';
import { buildTestApp } from '../../helpers/test-app.js';
import {
  createGroup,
  createRole,
  createUserWithToken,
  grantPermission,
  unique,
} from '../../helpers/factories.js';
import { FlowBrowser } from '../../helpers/flow-client.js';
import { answers, buildEnrollmentFlow, DENIED, enrollmentProbes } from '../../helpers/enrollment.js';
import { startSmtpServer } from '../../helpers/smtp.js';

const smtp = await startSmtpServer();
after(() => smtp.close());
const t = await buildTestApp({
  AUTHENTIK_EMAIL__HOST: '127.0.0.1',
  AUTHENTIK_EMAIL__PORT: String(smtp.port),
  TESSERA_EXTERNAL_URL: 'https://id.example.com',
});
const { usersNamed } = enrollmentProbes(t);
const BULK = '/api/v3/stages/invitation/invitations/bulk/';
const BASE = '/api/v3/stages/invitation/invitations/';

/** The invitation link in a received message (quoted-printable already undone). */
function linkIn(source: string): string {
  const match = /https:\/\/id\.example\.com(\/if\/flow\/[^/]+\/\?itoken=[0-9a-f-]{36})/.exec(source);
  assert.ok(match, 'the message carries the invitation link');
  return match[1];
}

describe('bulk invitations, bound and mailed', () => {
  test('1,000 bound invitations with grants are mailed; one is revoked; another enrolls its person', async () => {
    const e = await buildEnrollmentFlow(t);
    const group = await createGroup(t, { name: unique('cohort') });
    const role = await createRole(t, { name: unique('reviewer') });
    const domain = `${unique('bulk')}.example.com`;
    const addresses = Array.from({ length: 1000 }, (_, i) => `person-${i}@${domain}`);
    const response = await t.client.post(BULK, {
      flow: e.flow.pk,
      // One enrollment each, counted when the user is written: a stranger who opens the link
      // and is refused for the address does not use it up (a single-use link is consumed on open).
      max_uses: 1,
      groups: [group.pk],
      roles: [role.pk],
      emails: addresses,
      send_email: true,
    });
    assert.equal(response.status, 201, JSON.stringify(response.body).slice(0, 500));
    assert.equal(response.body.count, 1000);
    const byAddress = new Map<string, { pk: string; link: string }>(
      response.body.results.map((row: { email: string; pk: string; link: string }) => [row.email, row]),
    );

    const first = (await t.client.get(`${BASE}${byAddress.get(addresses[0])!.pk}/`)).body;
    assert.equal(first.email, addresses[0]);
    assert.deepEqual([first.groups, first.roles], [[group.pk], [role.pk]]);

    // Queued in the creating transaction; the worker delivers every one, each to its address.
    const before = smtp.received.length;
    await t.app.runTask('deliver_outbox');
    const mails = smtp.received.slice(before);
    assert.equal(mails.length, 1000);
    for (const mail of mails) {
      const [to] = mail.rcpt;
      assert.equal(
        linkIn(mail.source),
        new URL(byAddress.get(to)!.link).pathname + new URL(byAddress.get(to)!.link).search,
      );
    }

    // Revoked: its link is refused at once.
    const revoked = byAddress.get(addresses[1])!;
    assert.equal((await t.client.post(`${BASE}${revoked.pk}/revoke/`, {})).status, 200);
    const refused = await new FlowBrowser(t.app).get(e.flow.slug, `itoken=${revoked.pk}`);
    assert.equal(refused.body.component, 'ak-stage-access-denied');
    assert.equal(refused.body.error_message, DENIED);

    // Another: only its own address may enroll with it, and that person receives the grants.
    const invited = byAddress.get(addresses[2])!;
    const q = `itoken=${invited.pk}`;
    const impostor = new FlowBrowser(t.app);
    await impostor.get(e.flow.slug, q);
    const impostorName = unique('impostor');
    const denied = await impostor.post(
      e.flow.slug,
      answers(impostorName, { email: `someone-else@${domain}` }),
      q,
    );
    assert.equal(denied.body.component, 'ak-stage-access-denied');
    assert.equal((await usersNamed(impostorName)).length, 0);

    const person = new FlowBrowser(t.app);
    await person.get(e.flow.slug, q);
    const username = unique('invitee');
    const done = await person.post(e.flow.slug, answers(username, { email: addresses[2].toUpperCase() }), q);
    assert.equal(done.body.component, 'xak-flow-redirect', JSON.stringify(done.body));
    const user = (await t.client.get(`/api/v3/core/users/?username=${username}`)).body.results[0];
    // The invitation's group, beside the one the flow's user_write stage puts new users in.
    assert.ok(user.groups.includes(group.pk), JSON.stringify(user.groups));
    const roles = await query<{ role_uuid: string }>(
      t.database.db,
      sql`SELECT role_uuid::text FROM user_roles WHERE user_id = ${user.pk}`,
    );
    assert.deepEqual(
      roles.map((r) => r.role_uuid),
      [role.pk],
    );
  });

  test('send_email without emails, or emails with email_domains: 400, nothing created', async () => {
    const e = await buildEnrollmentFlow(t);
    const prefix = unique('refused');
    const noAddresses = await t.client.post(BULK, {
      flow: e.flow.pk,
      count: 3,
      send_email: true,
      name_prefix: prefix,
    });
    assert.equal(noAddresses.status, 400);
    assert.ok(noAddresses.body.send_email);
    const both = await t.client.post(BULK, {
      flow: e.flow.pk,
      emails: ['a@example.com'],
      email_domains: ['example.com'],
      name_prefix: prefix,
    });
    assert.equal(both.status, 400);
    assert.equal((await t.client.get(`${BASE}?search=${prefix}`)).body.pagination.count, 0);
  });

  test('unbound on request, and a template bound to domains', async () => {
    const e = await buildEnrollmentFlow(t);
    const unbound = await t.client.post(BULK, {
      flow: e.flow.pk,
      emails: ['c@example.com'],
      bind_email: false,
    });
    assert.equal(unbound.status, 201);
    assert.equal((await t.client.get(`${BASE}${unbound.body.results[0].pk}/`)).body.email, null);
    const domains = await t.client.post(BULK, { flow: e.flow.pk, count: 2, email_domains: ['Example.COM'] });
    assert.equal(domains.status, 201);
    const bound = (await t.client.get(`${BASE}${domains.body.results[1].pk}/`)).body;
    assert.deepEqual(bound.email_domains, ['example.com']);
  });

  test('a creator may not put a group they could not grant on a bulk template', async () => {
    const creator = await createUserWithToken(t);
    await grantPermission(t, creator, 'authentik_stages_invitation.add_invitation');
    await grantPermission(t, creator, 'authentik_flows.view_flow');
    const e = await buildEnrollmentFlow(t);
    const admins = (await t.client.get('/api/v3/core/groups/?name=authentik%20Admins')).body.results[0];
    const prefix = unique('escalate');
    const response = await t.client
      .as(creator.token)
      .post(BULK, { flow: e.flow.pk, count: 2, groups: [admins.pk], name_prefix: prefix });
    assert.equal(response.status, 400, JSON.stringify(response.body));
    assert.ok(response.body.groups);
    assert.equal((await t.client.get(`${BASE}?search=${prefix}`)).body.pagination.count, 0);
  });
});
