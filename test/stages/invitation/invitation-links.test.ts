/**
 * Invitation-gated enrollment through the flow executor, built and driven through the API
 * alone: the happy path with fixed data, and every link the invitation stage refuses.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { query } from '../../../src/db/client.js';
import { buildTestApp } from '../../helpers/test-app.js';
import { createFlow, unique } from '../../helpers/factories.js';
import { FlowBrowser } from '../../helpers/flow-client.js';
import {
  answers,
  buildEnrollmentFlow,
  createInvitation,
  DENIED,
  enrollmentProbes,
} from '../../helpers/enrollment.js';

const t = await buildTestApp();
const db = t.database.db;
const { userRow, eventsFor, sessionUser } = enrollmentProbes(t);

describe('a valid invitation link', () => {
  test('shows the prompt pre-filled with fixed_data, enrolls the user with it and signs them in', async () => {
    const e = await buildEnrollmentFlow(t);
    const invitation = await createInvitation(t, {
      flow: e.flow.pk,
      fixed_data: {
        email: 'jane@example.com',
        attributes: { department: 'eng' },
        'attributes.team.name': 'core',
      },
    });
    const browser = new FlowBrowser(t.app, { 'user-agent': 'flow-test' });
    const itoken = `itoken=${invitation.pk}&next=%2Fwelcome%2F`;
    const first = await browser.get(e.flow.slug, itoken);
    assert.equal(first.status, 200);
    assert.equal(first.body.component, 'ak-stage-prompt');
    assert.deepEqual(Object.keys(first.body), ['flow_info', 'component', 'fields']);
    assert.deepEqual(first.body.flow_info, {
      title: e.flow.title,
      background: '/static/dist/assets/images/flow_background.jpg',
      background_themed_urls: null,
      cancel_url: '/flows/-/cancel/',
      layout: 'stacked',
    });
    const email = first.body.fields.find((f: any) => f.field_key === 'email');
    assert.deepEqual(email, {
      field_key: 'email',
      label: 'Email',
      type: 'email',
      required: true,
      placeholder: '',
      initial_value: 'jane@example.com',
      order: 4,
      sub_text: '',
      choices: null,
    });
    assert.deepEqual(
      first.body.fields.map((f: any) => f.field_key),
      ['username', 'password', 'password_repeat', 'name', 'email'],
    );
    // The session cookie is HttpOnly and SameSite=Lax; the CSRF cookie is readable by scripts.
    const setCookie = ([] as string[]).concat(first.headers['set-cookie'] as string[]);
    assert.ok(setCookie.some((c) => /^authentik_session=[^;]+; Path=\/; SameSite=Lax; HttpOnly$/.test(c)));
    assert.ok(setCookie.some((c) => c.startsWith('authentik_csrf=') && !c.includes('HttpOnly')));
    // The plan lives in the database: the session row holds it.
    const [stored] = await query<any>(
      db,
      sql`SELECT data FROM sessions WHERE session_key = ${browser.sessionKey}`,
    );
    assert.equal(stored.data['authentik/flows/plan'].flow_pk, e.flow.pk);

    const username = unique('jane');
    // The email is left out: the invitation's value is its default.
    const { email: _email, ...withoutEmail } = answers(username);
    const done = await browser.post(e.flow.slug, withoutEmail, itoken);
    assert.equal(done.status, 200);
    assert.deepEqual(done.body, { component: 'xak-flow-redirect', to: '/welcome/', final_redirect: true });

    const user = await userRow(username);
    assert.equal(user.email, 'jane@example.com');
    assert.equal(user.name, `Name of ${username}`);
    assert.deepEqual(user.attributes, { department: 'eng', team: { name: 'core' } });
    assert.equal(user.path, 'users/external');
    assert.equal(user.type, 'external');
    assert.equal(user.is_active, true);
    assert.match(user.password, /^scrypt\$/);
    assert.ok(user.last_login);
    const groups = await query(
      db,
      sql`SELECT 1 FROM user_groups WHERE user_id = ${user.id} AND group_uuid = ${e.groupUuid}`,
    );
    assert.equal(groups.length, 1);
    // Signed in: the (new) session key belongs to the user.
    assert.equal(await sessionUser(browser), user.id);
    // The multi-use invitation stays, with one counted use linked to the user.
    const [counted] = await query<any>(
      db,
      sql`SELECT uses FROM invitations WHERE invite_uuid = ${invitation.pk}`,
    );
    assert.equal(counted.uses, 1);
    const uses = await t.client.get(`/api/v3/stages/invitation/invitations/${invitation.pk}/uses/`);
    assert.equal(uses.status, 200);
    assert.equal(uses.body.pagination.count, 1);
    assert.equal(uses.body.results[0].user, user.id);
    assert.equal(uses.body.results[0].username, username);
    assert.equal(uses.body.results[0].client_ip, '127.0.0.1');

    // Audit: invitation_used with the token masked everywhere, user_write, login.
    const events = await eventsFor(invitation.pk);
    const used = events.find((ev) => ev.action === 'invitation_used');
    assert.equal(used.app, 'authentik.events.signals');
    assert.equal(used.user.username, 'AnonymousUser');
    assert.equal(used.context.http_request.args.itoken, '********************');
    assert.equal(used.context.http_request.args.next, '/welcome/');
    assert.equal(used.context.http_request.path, `/api/v3/flows/executor/${e.flow.slug}/`);
    const [all] = await query<{ n: number }>(
      db,
      sql`SELECT count(*)::int AS n FROM events WHERE context::text ILIKE ${`%${invitation.pk}%`}
            OR context::text ILIKE ${`%${invitation.pk.replace(/-/g, '')}%`}`,
    );
    assert.equal(all.n, 0, 'the invitation token appears in clear in an event');
    const [write] = await query<any>(
      db,
      sql`SELECT app, context, "user" FROM events WHERE action = 'user_write' AND "user"->>'username' = ${username}`,
    );
    assert.equal(write.app, 'authentik.events.signals');
    assert.equal(write.context.created, true);
    assert.equal(write.context.password, '********************');
    assert.equal(write.context.email, 'jane@example.com');
    const logins = await query(
      db,
      sql`SELECT 1 FROM events WHERE action = 'login' AND "user"->>'username' = ${username}`,
    );
    assert.equal(logins.length, 1);
  });

  test('the executor never answers an anonymous POST with a CSRF failure', async () => {
    const e = await buildEnrollmentFlow(t);
    const invitation = await createInvitation(t, { flow: e.flow.pk });
    const browser = new FlowBrowser(t.app);
    await browser.get(e.flow.slug, `itoken=${invitation.pk}`);
    browser.cookies.delete('authentik_csrf');
    const done = await browser.post(e.flow.slug, answers(unique('nocsrf')), `itoken=${invitation.pk}`);
    assert.equal(done.body.component, 'xak-flow-redirect');
  });

  test('an absolute or protocol-relative next is not followed', async () => {
    const e = await buildEnrollmentFlow(t);
    for (const next of ['https://evil.example/', '//evil.example/', '/\\evil.example']) {
      const invitation = await createInvitation(t, { flow: e.flow.pk });
      const browser = new FlowBrowser(t.app);
      const q = `itoken=${invitation.pk}&next=${encodeURIComponent(next)}`;
      await browser.get(e.flow.slug, q);
      const done = await browser.post(e.flow.slug, answers(unique('next')), q);
      assert.equal(done.body.to, '/', next);
    }
  });

  test('an invitation without a flow works on any flow with an invitation stage', async () => {
    const e = await buildEnrollmentFlow(t);
    const invitation = await createInvitation(t, { flow: null });
    const browser = new FlowBrowser(t.app);
    const first = await browser.get(e.flow.slug, `itoken=${invitation.pk}`);
    assert.equal(first.body.component, 'ak-stage-prompt');
  });

  test('the token may come as `token` or from a prompt field named token', async () => {
    const e = await buildEnrollmentFlow(t);
    const invitation = await createInvitation(t, { flow: e.flow.pk, fixed_data: { name: 'From token' } });
    const browser = new FlowBrowser(t.app);
    const first = await browser.get(e.flow.slug, `token=${invitation.pk}`);
    assert.equal(first.body.component, 'ak-stage-prompt');
    assert.equal(first.body.fields.find((f: any) => f.field_key === 'name').initial_value, 'From token');
  });
});

describe('links that are refused', () => {
  const cases: [string, (flowPk: string) => Promise<string>, string][] = [
    ['missing', async () => '', 'missing'],
    ['malformed', async () => 'itoken=not-a-uuid', 'malformed'],
    ['unknown', async () => `itoken=${crypto.randomUUID()}`, 'unknown'],
    [
      'expired',
      async (flowPk) =>
        `itoken=${(await createInvitation(t, { flow: flowPk, expires: new Date(Date.now() - 60000).toISOString() })).pk}`,
      'expired',
    ],
    [
      'for another flow',
      async () => `itoken=${(await createInvitation(t, { flow: (await createFlow(t)).pk })).pk}`,
      'wrong_flow',
    ],
  ];

  for (const [label, link, reason] of cases) {
    test(`${label}: access denied with authentik's one message, the reason in the audit log`, async () => {
      const e = await buildEnrollmentFlow(t);
      const q = await link(e.flow.pk);
      const browser = new FlowBrowser(t.app);
      const response = await browser.get(e.flow.slug, q);
      assert.equal(response.status, 200);
      assert.deepEqual(response.body, {
        flow_info: {
          title: e.flow.title,
          background: '/static/dist/assets/images/flow_background.jpg',
          background_themed_urls: null,
          cancel_url: '/flows/-/cancel/',
          layout: 'stacked',
        },
        component: 'ak-stage-access-denied',
        pending_user: '',
        pending_user_avatar: '/static/dist/assets/images/user_default.png',
        error_message: DENIED,
      });
      const entries = await query<any>(
        db,
        sql`SELECT app, context FROM events WHERE action = 'suspicious_request'
              AND context->>'flow' = ${e.flow.slug} ORDER BY created`,
      );
      assert.equal(entries.length, 1, 'one audit entry per refusal');
      const [event] = entries;
      assert.equal(event.context.reason, reason);
      assert.equal(event.context.outcome, 'denied');
      assert.equal(event.context.message, DENIED);
      // A first visit that ends refused leaves nothing to keep: no session row, no session cookie.
      assert.equal(browser.sessionKey, undefined);
      assert.ok(!String(response.headers['set-cookie'] ?? '').includes('authentik_session='));
      // The plan was cancelled: answering now starts over and is refused again.
      const again = await browser.post(e.flow.slug, answers(unique('x')), q);
      assert.equal(again.body.component, 'ak-stage-access-denied');
    });

    test(`${label}: continues without an invitation when the stage allows it`, async () => {
      const e = await buildEnrollmentFlow(t, { continueWithoutInvitation: true });
      const q = await link(e.flow.pk);
      const browser = new FlowBrowser(t.app);
      const response = await browser.get(e.flow.slug, q);
      assert.equal(response.body.component, 'ak-stage-prompt');
      // Recorded as continued, once; a plain visit without a token is not worth an entry.
      const entries = await query<any>(
        db,
        sql`SELECT context FROM events WHERE action = 'suspicious_request' AND context->>'flow' = ${e.flow.slug}`,
      );
      assert.deepEqual(
        entries.map((entry) => [entry.context.reason, entry.context.outcome]),
        reason === 'missing' ? [] : [[reason, 'continued_without_invitation']],
      );
      const username = unique('uninvited');
      const done = await browser.post(e.flow.slug, answers(username), q);
      assert.equal(done.body.component, 'xak-flow-redirect');
      assert.ok(await userRow(username));
    });
  }

  test('an unknown flow slug is a 404', async () => {
    const response = await new FlowBrowser(t.app).get('no-such-flow');
    assert.equal(response.status, 404);
    assert.deepEqual(response.body, { detail: 'No Flow matches the given query.' });
  });

  test('a signed-in user opening a require_unauthenticated flow is refused', async () => {
    const e = await buildEnrollmentFlow(t);
    const invitation = await createInvitation(t, { flow: e.flow.pk });
    const response = await t.client.get(FlowBrowser.executorUrl(e.flow.slug, `itoken=${invitation.pk}`));
    assert.equal(response.body.component, 'ak-stage-access-denied');
    assert.equal(response.body.error_message, 'Flow does not apply to current user.');
  });
});
