/**
 * Invitation-gated enrollment through the flow executor, built and driven through the API
 * alone: the happy path with fixed data, every denial, single use under concurrency, counted
 * invitations and the `enrollment` consumption lease.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { query } from '../src/db/client.js';
import { maskInvitationToken } from '../src/stages/invitation/invitation-token.js';
import { buildTestApp } from './helpers/test-app.js';
import { bindStage, createFlow, createUserWithToken, grantPermission, unique } from './helpers/factories.js';
import { FlowBrowser } from './helpers/flow-client.js';
import { answers, buildEnrollmentFlow, createInvitation, createPrompt } from './helpers/enrollment.js';

const t = await buildTestApp();
const db = t.database.db;
const DENIED = 'Invalid invite/invite not found';

async function userRow(username: string) {
  const [row] = await query<any>(
    db,
    sql`SELECT id, username, name, email, is_active, path, type, attributes, password, last_login
        FROM users WHERE username = ${username}`,
  );
  return row;
}

async function usersNamed(prefix: string) {
  return query<{ username: string }>(db, sql`SELECT username FROM users WHERE username LIKE ${`${prefix}%`}`);
}

async function eventsFor(invitationPk: string) {
  return query<any>(
    db,
    sql`SELECT action, app, context, "user" FROM events
        WHERE context->>'invitation_uuid' = ${maskInvitationToken(invitationPk)}
           OR context->'model'->>'pk' = ${maskInvitationToken(invitationPk)}
        ORDER BY created`,
  );
}

async function sessionUser(browser: FlowBrowser) {
  const [row] = await query<{ user_id: number | null }>(
    db,
    sql`SELECT user_id FROM sessions WHERE session_key = ${browser.sessionKey ?? ''}`,
  );
  return row?.user_id ?? null;
}

async function invitationExists(pk: string) {
  return (await query(db, sql`SELECT 1 FROM invitations WHERE invite_uuid = ${pk}`)).length > 0;
}

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

describe('single use, consumed when opened (authentik behaviour, the default)', () => {
  test('the first open deletes the invitation (model_deleted); a second browser is refused', async () => {
    const e = await buildEnrollmentFlow(t);
    const invitation = await createInvitation(t, { flow: e.flow.pk, single_use: true });
    const first = new FlowBrowser(t.app);
    assert.equal((await first.get(e.flow.slug, `itoken=${invitation.pk}`)).body.component, 'ak-stage-prompt');
    assert.equal(await invitationExists(invitation.pk), false);
    const events = await eventsFor(invitation.pk);
    const deleted = events.find((ev) => ev.action === 'model_deleted');
    assert.deepEqual(deleted.context.model, {
      app: 'authentik_stages_invitation',
      model_name: 'invitation',
      pk: maskInvitationToken(invitation.pk),
      name: deleted.context.model.name,
    });
    assert.ok(!deleted.context.model.name.includes(invitation.pk.replace(/-/g, '').slice(8)));
    const second = new FlowBrowser(t.app);
    assert.equal((await second.get(e.flow.slug, `itoken=${invitation.pk}`)).body.error_message, DENIED);
    // The first browser still finishes, and its use names the user.
    const username = unique('single');
    await first.post(e.flow.slug, answers(username), `itoken=${invitation.pk}`);
    const uses = await t.client.get(`/api/v3/stages/invitation/invitations/${invitation.pk}/uses/`);
    assert.deepEqual(
      uses.body.results.map((u: any) => u.username),
      [username],
    );
  });

  test('50 browsers opening one single-use link at once enroll exactly one user', async () => {
    const e = await buildEnrollmentFlow(t);
    const invitation = await createInvitation(t, { flow: e.flow.pk, single_use: true });
    const prefix = unique('race');
    const q = `itoken=${invitation.pk}`;
    const results = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const browser = new FlowBrowser(t.app);
        const first = await browser.get(e.flow.slug, q);
        if (first.body.component !== 'ak-stage-prompt') return first.body.component;
        return (await browser.post(e.flow.slug, answers(`${prefix}-${i}`), q)).body.component;
      }),
    );
    assert.equal(results.filter((c) => c === 'xak-flow-redirect').length, 1);
    assert.equal(results.filter((c) => c === 'ak-stage-access-denied').length, 49);
    assert.equal((await usersNamed(prefix)).length, 1);
    const events = await eventsFor(invitation.pk);
    assert.equal(events.filter((ev) => ev.action === 'invitation_used').length, 1);
    assert.equal(events.filter((ev) => ev.action === 'model_deleted').length, 1);
    // Every refused browser is in the audit log once, whether it lost the delete itself or
    // found the invitation already gone.
    const refusals = events.filter((ev) => ev.action === 'suspicious_request');
    assert.equal(refusals.length, 49);
    assert.ok(refusals.every((ev) => ev.context.reason === 'unknown' && ev.context.outcome === 'denied'));
  });
});

describe('counted invitations (max_uses)', () => {
  test('max_uses 3 enrolls three people and refuses the fourth', async () => {
    const e = await buildEnrollmentFlow(t);
    const invitation = await createInvitation(t, { flow: e.flow.pk, max_uses: 3 });
    const prefix = unique('three');
    for (let i = 0; i < 3; i += 1) {
      const browser = new FlowBrowser(t.app);
      assert.equal(
        (await browser.get(e.flow.slug, `itoken=${invitation.pk}`)).body.component,
        'ak-stage-prompt',
      );
      const done = await browser.post(e.flow.slug, answers(`${prefix}-${i}`), `itoken=${invitation.pk}`);
      assert.equal(done.body.component, 'xak-flow-redirect');
    }
    const fourth = new FlowBrowser(t.app);
    assert.equal((await fourth.get(e.flow.slug, `itoken=${invitation.pk}`)).body.error_message, DENIED);
    assert.equal((await usersNamed(prefix)).length, 3);
    const [row] = await query<any>(
      db,
      sql`SELECT uses FROM invitations WHERE invite_uuid = ${invitation.pk}`,
    );
    assert.equal(row.uses, 3);
    const uses = await t.client.get(
      `/api/v3/stages/invitation/invitations/${invitation.pk}/uses/?page_size=2`,
    );
    assert.equal(uses.body.pagination.count, 3);
    assert.equal(uses.body.results.length, 2);
    const [event] = await query<any>(
      db,
      sql`SELECT context FROM events WHERE action = 'suspicious_request' AND context->>'flow' = ${e.flow.slug}`,
    );
    assert.equal(event.context.reason, 'exhausted');
  });

  test('the count is claimed when the user is written: 50 concurrent answers on max_uses 1 write one user', async () => {
    const e = await buildEnrollmentFlow(t);
    const invitation = await createInvitation(t, { flow: e.flow.pk, max_uses: 1 });
    const prefix = unique('write-race');
    const q = `itoken=${invitation.pk}`;
    const browsers = Array.from({ length: 50 }, () => new FlowBrowser(t.app));
    // Everyone passes the invitation stage before anyone has written a user...
    for (const browser of browsers)
      assert.equal((await browser.get(e.flow.slug, q)).body.component, 'ak-stage-prompt');
    // ...then all answer at once.
    const results = await Promise.all(
      browsers.map(
        async (browser, i) => (await browser.post(e.flow.slug, answers(`${prefix}-${i}`), q)).body,
      ),
    );
    assert.equal(results.filter((b) => b.component === 'xak-flow-redirect').length, 1);
    assert.ok(
      results
        .filter((b) => b.component === 'ak-stage-access-denied')
        .every((b) => b.error_message === DENIED),
    );
    assert.equal((await usersNamed(prefix)).length, 1);
  });
});

describe('single use consumed at enrollment (the consumption setting)', () => {
  test('the setting is a sub-resource; the InvitationStage shape is unchanged', async () => {
    const e = await buildEnrollmentFlow(t);
    const url = `/api/v3/stages/invitation/stages/${e.invitationStage.pk}/consumption/`;
    assert.deepEqual((await t.client.get(url)).body, { single_use_consumption: 'open', lease_seconds: 900 });
    const patched = await t.client.patch(url, { single_use_consumption: 'enrollment' });
    assert.deepEqual(patched.body, { single_use_consumption: 'enrollment', lease_seconds: 900 });
    const bad = await t.client.put(url, { single_use_consumption: 'later', lease_seconds: 0 });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body, {
      single_use_consumption: ['"later" is not a valid choice.'],
      lease_seconds: ['Ensure this value is greater than or equal to 1.'],
    });
    const stage = await t.client.get(`/api/v3/stages/invitation/stages/${e.invitationStage.pk}/`);
    assert.ok(!('single_use_consumption' in stage.body));
    assert.equal((await t.client.as(null).get(url)).status, 403);
  });

  test('the first session holds a lease; others are refused until it is cancelled or runs out; the use is consumed at user write', async () => {
    const e = await buildEnrollmentFlow(t);
    await t.client.put(`/api/v3/stages/invitation/stages/${e.invitationStage.pk}/consumption/`, {
      single_use_consumption: 'enrollment',
      lease_seconds: 600,
    });
    const invitation = await createInvitation(t, { flow: e.flow.pk, single_use: true });
    const q = `itoken=${invitation.pk}`;

    const a = new FlowBrowser(t.app);
    assert.equal((await a.get(e.flow.slug, q)).body.component, 'ak-stage-prompt');
    assert.equal(await invitationExists(invitation.pk), true, 'not consumed on open');
    // The same browser may reload the link.
    assert.equal((await a.get(e.flow.slug, q)).body.component, 'ak-stage-prompt');
    const b = new FlowBrowser(t.app);
    assert.equal((await b.get(e.flow.slug, q)).body.error_message, DENIED);
    const [leased] = await query<any>(
      db,
      sql`SELECT context FROM events WHERE action = 'suspicious_request' AND context->>'flow' = ${e.flow.slug}`,
    );
    assert.equal(leased.context.reason, 'leased');

    // A cancels: the lease is freed and B gets the invitation.
    const cancel = await a.request('GET', '/flows/-/cancel/');
    assert.equal(cancel.status, 302);
    assert.equal(cancel.headers.location, '/');
    assert.equal((await b.get(e.flow.slug, q)).body.component, 'ak-stage-prompt');

    // B abandons the flow; once the lease runs out, C may take it.
    const c = new FlowBrowser(t.app);
    assert.equal((await c.get(e.flow.slug, q)).body.error_message, DENIED);
    await db.execute(
      sql`UPDATE invitations SET lease_expires = now() - interval '1 second' WHERE invite_uuid = ${invitation.pk}`,
    );
    await t.app.runTask('release_expired_invitation_leases');
    const [freed] = await query<any>(
      db,
      sql`SELECT lease_holder FROM invitations WHERE invite_uuid = ${invitation.pk}`,
    );
    assert.equal(freed.lease_holder, null);
    assert.equal((await c.get(e.flow.slug, q)).body.component, 'ak-stage-prompt');

    // B comes back too late: the invitation is C's now.
    const lateB = await b.post(e.flow.slug, answers(unique('late')), q);
    assert.equal(lateB.body.error_message, DENIED);

    const username = unique('leased');
    const done = await c.post(e.flow.slug, answers(username), q);
    assert.equal(done.body.component, 'xak-flow-redirect');
    assert.equal(await invitationExists(invitation.pk), false, 'consumed at user write');
    const deleted = (await eventsFor(invitation.pk)).filter((ev) => ev.action === 'model_deleted');
    assert.equal(deleted.length, 1);
    const uses = await t.client.get(`/api/v3/stages/invitation/invitations/${invitation.pk}/uses/`);
    assert.deepEqual(
      uses.body.results.map((u: any) => u.username),
      [username],
    );
  });

  test('50 concurrent sessions: one lease, one user', async () => {
    const e = await buildEnrollmentFlow(t);
    await t.client.patch(`/api/v3/stages/invitation/stages/${e.invitationStage.pk}/consumption/`, {
      single_use_consumption: 'enrollment',
    });
    const invitation = await createInvitation(t, { flow: e.flow.pk, single_use: true });
    const prefix = unique('lease-race');
    const q = `itoken=${invitation.pk}`;
    const results = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const browser = new FlowBrowser(t.app);
        const first = await browser.get(e.flow.slug, q);
        if (first.body.component !== 'ak-stage-prompt') return first.body.component;
        return (await browser.post(e.flow.slug, answers(`${prefix}-${i}`), q)).body.component;
      }),
    );
    assert.equal(results.filter((c) => c === 'xak-flow-redirect').length, 1);
    assert.equal((await usersNamed(prefix)).length, 1);
  });
});

describe('the plan and the session', () => {
  test('a new itoken for the same flow starts a fresh plan', async () => {
    const e = await buildEnrollmentFlow(t);
    const one = await createInvitation(t, { flow: e.flow.pk, fixed_data: { name: 'First' } });
    const two = await createInvitation(t, { flow: e.flow.pk, fixed_data: { name: 'Second' } });
    const browser = new FlowBrowser(t.app);
    const first = await browser.get(e.flow.slug, `itoken=${one.pk}`);
    assert.equal(first.body.fields.find((f: any) => f.field_key === 'name').initial_value, 'First');
    const second = await browser.get(e.flow.slug, `itoken=${two.pk}`);
    assert.equal(second.body.fields.find((f: any) => f.field_key === 'name').initial_value, 'Second');
    const username = unique('second');
    await browser.post(e.flow.slug, answers(username, { name: undefined }), `itoken=${two.pk}`);
    assert.equal((await userRow(username)).name, 'Second');
  });

  test('the flow continues on another instance: the plan is in the shared database', async () => {
    const e = await buildEnrollmentFlow(t);
    const invitation = await createInvitation(t, { flow: e.flow.pk });
    const browser = new FlowBrowser(t.app);
    await browser.get(e.flow.slug, `itoken=${invitation.pk}`);
    // A second app on the same database plays the other instance.
    const { buildApp } = await import('../src/app.js');
    const other = await buildApp(t.config, { database: t.database, logger: false, schedule: false });
    try {
      const elsewhere = new FlowBrowser(other);
      for (const [k, v] of browser.cookies) elsewhere.cookies.set(k, v);
      const username = unique('other-instance');
      const done = await elsewhere.post(e.flow.slug, answers(username), `itoken=${invitation.pk}`);
      assert.equal(done.body.component, 'xak-flow-redirect');
      assert.ok(await userRow(username));
    } finally {
      await other.close();
    }
  });
});

describe('prompt validation', () => {
  test("errors come back in authentik's response_errors shape, on the same challenge", async () => {
    const e = await buildEnrollmentFlow(t);
    const invitation = await createInvitation(t, { flow: e.flow.pk });
    const taken = unique('taken');
    const q = `itoken=${invitation.pk}`;
    const browser = new FlowBrowser(t.app);
    await browser.get(e.flow.slug, q);
    await browser.post(e.flow.slug, answers(taken), q);
    const second = new FlowBrowser(t.app);
    await second.get(e.flow.slug, q);
    const invalid = await second.post(
      e.flow.slug,
      { component: 'ak-stage-prompt', username: taken, email: 'nope', password: 'a', name: '' },
      q,
    );
    assert.equal(invalid.body.component, 'ak-stage-prompt');
    assert.deepEqual(Object.keys(invalid.body), ['flow_info', 'component', 'response_errors', 'fields']);
    assert.deepEqual(invalid.body.response_errors, {
      username: [{ string: 'Username is already taken.', code: 'invalid' }],
      password_repeat: [{ string: 'This field is required.', code: 'required' }],
      name: [{ string: 'This field may not be blank.', code: 'blank' }],
      email: [{ string: 'Enter a valid email address.', code: 'invalid' }],
    });
    const mismatch = await second.post(e.flow.slug, answers(unique('pw'), { password_repeat: 'other' }), q);
    assert.deepEqual(mismatch.body.response_errors, {
      non_field_errors: [{ string: "Passwords don't match.", code: 'invalid' }],
    });
    const fine = await second.post(e.flow.slug, answers(unique('pw')), q);
    assert.equal(fine.body.component, 'xak-flow-redirect');
  });

  test('hidden, static and read-only fields keep the invitation value whatever is sent', async () => {
    const e = await buildEnrollmentFlow(t, {
      extraPrompts: [
        { field_key: 'attributes.plan', type: 'hidden', placeholder: 'free', order: 5 },
        { field_key: 'attributes.role', type: 'text_read_only', required: false, order: 6 },
        { field_key: 'attributes.accepted', label: 'I agree', type: 'checkbox', required: false, order: 7 },
        {
          field_key: 'attributes.notice',
          type: 'static',
          placeholder: 'Welcome!',
          required: false,
          order: 8,
        },
      ],
    });
    const invitation = await createInvitation(t, {
      flow: e.flow.pk,
      fixed_data: { 'attributes.plan': 'gold', 'attributes.role': 'member' },
    });
    const q = `itoken=${invitation.pk}`;
    const browser = new FlowBrowser(t.app);
    const challenge = await browser.get(e.flow.slug, q);
    const byKey = Object.fromEntries(challenge.body.fields.map((f: any) => [f.field_key, f]));
    assert.equal(byKey['attributes.plan'].initial_value, 'gold');
    assert.equal(byKey['attributes.role'].initial_value, 'member');
    assert.equal(byKey['attributes.notice'].initial_value, '');
    const username = unique('fixed');
    await browser.post(
      e.flow.slug,
      answers(username, {
        'attributes.plan': 'platinum',
        'attributes.role': 'admin',
        'attributes.accepted': true,
      }),
      q,
    );
    assert.deepEqual((await userRow(username)).attributes, {
      plan: 'gold',
      role: 'member',
      accepted: true,
      notice: 'Welcome!',
    });
  });
});

describe('prompt and stage management API', () => {
  test('prompts: create, list with filters and search, retrieve, update, used_by, delete', async () => {
    const key = unique('key');
    const prompt = await createPrompt(t, {
      field_key: key,
      label: 'Label',
      type: 'email',
      placeholder: 'you@x',
    });
    assert.deepEqual(Object.keys(prompt), [
      'pk',
      'name',
      'field_key',
      'label',
      'type',
      'required',
      'placeholder',
      'initial_value',
      'order',
      'prompt_stages_obj',
      'sub_text',
      'placeholder_expression',
      'initial_value_expression',
    ]);
    const list = await t.client.get(`/api/v3/stages/prompt/prompts/?field_key=${key}`);
    assert.equal(list.body.pagination.count, 1);
    assert.equal(
      (await t.client.get(`/api/v3/stages/prompt/prompts/?search=${key}&type=email`)).body.pagination.count,
      1,
    );
    assert.deepEqual((await t.client.get('/api/v3/stages/prompt/prompts/?type=bogus')).body, {
      type: ['Select a valid choice. bogus is not one of the available choices.'],
    });
    const duplicate = await t.client.post('/api/v3/stages/prompt/prompts/', {
      name: prompt.name,
      field_key: 'x',
      label: 'x',
      type: 'text',
    });
    assert.deepEqual(duplicate.body, { name: ['Prompt with this name already exists.'] });
    const stage = await t.client.post('/api/v3/stages/prompt/stages/', {
      name: unique('ps'),
      fields: [prompt.pk],
    });
    assert.equal(stage.status, 201);
    assert.deepEqual(stage.body.fields, [prompt.pk]);
    assert.deepEqual(stage.body.validation_policies, []);
    const withStage = await t.client.get(`/api/v3/stages/prompt/prompts/${prompt.pk}/`);
    assert.equal(withStage.body.prompt_stages_obj[0].pk, stage.body.pk);
    const usedBy = await t.client.get(`/api/v3/stages/prompt/prompts/${prompt.pk}/used_by/`);
    assert.deepEqual(usedBy.body, [
      {
        app: 'authentik_stages_prompt',
        model_name: 'promptstage',
        pk: stage.body.pk,
        name: `Stage ${stage.body.name}`,
        action: 'cascade_many',
      },
    ]);
    const patched = await t.client.patch(`/api/v3/stages/prompt/prompts/${prompt.pk}/`, {
      label: 'New label',
    });
    assert.equal(patched.body.label, 'New label');
    const preview = await t.client.post('/api/v3/stages/prompt/prompts/preview/', {
      name: 'x',
      field_key: 'color',
      label: 'Color',
      type: 'dropdown',
      placeholder: 'blue',
    });
    assert.deepEqual(preview.body.fields[0].choices, [{ value: 'blue', label: 'blue' }]);
    const missing = await t.client.post('/api/v3/stages/prompt/stages/', {
      name: unique('ps'),
      fields: ['00000000-0000-4000-8000-000000000000'],
    });
    assert.deepEqual(missing.body, {
      fields: ['Invalid pk "00000000-0000-4000-8000-000000000000" - object does not exist.'],
    });
    assert.equal(
      (await t.client.get(`/api/v3/stages/prompt/stages/?fields=${prompt.pk}`)).body.pagination.count,
      1,
    );
    assert.equal((await t.client.delete(`/api/v3/stages/prompt/prompts/${prompt.pk}/`)).status, 204);
    assert.deepEqual((await t.client.get(`/api/v3/stages/prompt/stages/${stage.body.pk}/`)).body.fields, []);
  });

  test('user_write and user_login stages: defaults, validation, shared name uniqueness, delete', async () => {
    const write = await t.client.post('/api/v3/stages/user_write/', { name: unique('w') });
    assert.equal(write.status, 201);
    assert.equal(write.body.component, 'ak-stage-user-write-form');
    assert.equal(write.body.meta_model_name, 'authentik_stages_user_write.userwritestage');
    assert.equal(write.body.user_creation_mode, 'create_when_required');
    assert.equal(write.body.create_users_group, null);
    assert.equal(write.body.user_type, 'external');
    const badGroup = await t.client.patch(`/api/v3/stages/user_write/${write.body.pk}/`, {
      create_users_group: '00000000-0000-4000-8000-000000000000',
    });
    assert.deepEqual(badGroup.body, {
      create_users_group: ['Invalid pk "00000000-0000-4000-8000-000000000000" - object does not exist.'],
    });
    const malformed = await t.client.patch(`/api/v3/stages/user_write/${write.body.pk}/`, {
      create_users_group: 'not-a-uuid',
    });
    assert.deepEqual(malformed.body, { create_users_group: ['“not-a-uuid” is not a valid UUID.'] });
    const login = await t.client.post('/api/v3/stages/user_login/', {
      name: unique('l'),
      session_duration: 'hours=2',
    });
    assert.equal(login.body.session_duration, 'hours=2');
    assert.equal(login.body.remember_device, 'days=30');
    const badDuration = await t.client.patch(`/api/v3/stages/user_login/${login.body.pk}/`, {
      session_duration: 'hours=two',
      remember_device: 'fortnights=1',
    });
    assert.deepEqual(badDuration.body, {
      session_duration: ["hours=two is not in the correct format of 'hours=3;minutes=1'."],
      remember_device: ["fortnights=1 is not in the correct format of 'hours=3;minutes=1'."],
    });
    const clash = await t.client.post('/api/v3/stages/user_login/', { name: write.body.name });
    assert.deepEqual(clash.body, { name: ['stage with this name already exists.'] });
    const list = await t.client.get(`/api/v3/stages/user_write/?name=${write.body.name}&user_type=external`);
    assert.equal(list.body.pagination.count, 1);
    assert.equal((await t.client.get(`/api/v3/stages/user_write/?user_type=nope`)).status, 400);
    assert.equal((await t.client.delete(`/api/v3/stages/user_write/${write.body.pk}/`)).status, 204);
    assert.equal((await t.client.get(`/api/v3/stages/user_write/${write.body.pk}/`)).status, 404);
    assert.equal((await t.client.as(null).get('/api/v3/stages/user_login/')).status, 403);
  });
});

describe('flow pages', () => {
  test('/if/flow/<slug>/ serves the page; an unknown slug is a 404 page', async () => {
    const e = await buildEnrollmentFlow(t);
    const page = await t.app.inject({ method: 'GET', url: `/if/flow/${e.flow.slug}/?itoken=x` });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.ok(page.body.includes(`<title>${e.flow.title}</title>`));
    assert.ok(page.body.includes('/static/tessera/flow/flow.js'));
    assert.match(String(page.headers['content-security-policy']), /script-src 'self'/);
    const missing = await t.app.inject({ method: 'GET', url: '/if/flow/no-such-flow/' });
    assert.equal(missing.statusCode, 404);
    assert.match(String(missing.headers['content-type']), /^text\/html/);
    const script = await t.app.inject({ method: 'GET', url: '/static/tessera/flow/flow.js' });
    assert.equal(script.statusCode, 200);
    assert.match(String(script.headers['content-type']), /javascript/);
  });
});

describe('flow mechanics', () => {
  test('invalid_response_action restart: a wrong answer starts the flow over, without errors shown', async () => {
    const flow = await createFlow(t, { designation: 'enrollment' });
    const invitationStage = await t.client.post('/api/v3/stages/invitation/stages/', { name: unique('inv') });
    const prompt = await createPrompt(t, { field_key: 'username', type: 'username' });
    const promptStage = await t.client.post('/api/v3/stages/prompt/stages/', {
      name: unique('ps'),
      fields: [prompt.pk],
    });
    await bindStage(t, flow.pk, invitationStage.body.pk, 0);
    await bindStage(t, flow.pk, promptStage.body.pk, 10, { invalid_response_action: 'restart' });
    const invitation = await createInvitation(t, { flow: flow.pk, fixed_data: { username: '' } });
    const browser = new FlowBrowser(t.app);
    const q = `itoken=${invitation.pk}`;
    assert.equal((await browser.get(flow.slug, q)).body.component, 'ak-stage-prompt');
    const again = await browser.post(flow.slug, { component: 'ak-stage-prompt', username: '' }, q);
    assert.equal(again.body.component, 'ak-stage-prompt');
    assert.equal(again.body.response_errors, undefined);
    // The invitation stage ran again: a second use of this multi-use invitation was accepted.
    const used = (await eventsFor(invitation.pk)).filter((ev) => ev.action === 'invitation_used');
    assert.equal(used.length, 2);
  });

  test('/flows/-/cancel/ drops the plan and follows a relative next only', async () => {
    const e = await buildEnrollmentFlow(t);
    const invitation = await createInvitation(t, { flow: e.flow.pk, single_use: true });
    const browser = new FlowBrowser(t.app);
    await browser.get(e.flow.slug, `itoken=${invitation.pk}`);
    const cancel = await browser.request('GET', '/flows/-/cancel/?next=%2Fafter%2F');
    assert.equal(cancel.headers.location, '/after/');
    const [row] = await query<any>(
      db,
      sql`SELECT data FROM sessions WHERE session_key = ${browser.sessionKey}`,
    );
    assert.equal(row.data['authentik/flows/plan'], undefined);
    // The open-mode invitation was consumed on open: starting over is refused.
    assert.equal((await browser.get(e.flow.slug, `itoken=${invitation.pk}`)).body.error_message, DENIED);
    const away = await browser.request('GET', '/flows/-/cancel/?next=https%3A%2F%2Fevil.example%2F');
    assert.equal(away.headers.location, '/');
  });

  test('a password in fixed_data is a default but never sent back to the browser', async () => {
    const e = await buildEnrollmentFlow(t);
    const invitation = await createInvitation(t, {
      flow: e.flow.pk,
      fixed_data: { password: 's3cret-from-admin', password_repeat: 's3cret-from-admin' },
    });
    const browser = new FlowBrowser(t.app);
    const challenge = await browser.get(e.flow.slug, `itoken=${invitation.pk}`);
    for (const field of challenge.body.fields.filter((f: any) => f.type === 'password')) {
      assert.equal(field.initial_value, '');
    }
    assert.ok(!JSON.stringify(challenge.body).includes('s3cret-from-admin'));
  });
});

describe('hostile input', () => {
  test('NUL characters, broken cookies and odd bodies never make a 500', async () => {
    const e = await buildEnrollmentFlow(t);
    const invitation = await createInvitation(t, { flow: e.flow.pk });
    const requests: [string, string, Record<string, string>, string?][] = [
      ['GET', '/api/v3/flows/executor/%00/?query=', {}],
      ['GET', FlowBrowser.executorUrl(e.flow.slug, 'itoken=%00abc&next=%00'), {}],
      ['GET', FlowBrowser.executorUrl(e.flow.slug), { cookie: 'authentik_session=%E0%A4%A' }],
      ['GET', FlowBrowser.executorUrl(e.flow.slug), { cookie: 'authentik_session=a%00b' }],
      ['GET', '/if/flow/%00/', {}],
      ['GET', '/flows/-/cancel/?next=%00', { cookie: 'authentik_session=%00' }],
      [
        'POST',
        FlowBrowser.executorUrl(e.flow.slug, `itoken=${invitation.pk}`),
        { 'content-type': 'application/json' },
        '[1,2]',
      ],
      [
        'POST',
        FlowBrowser.executorUrl(e.flow.slug, `itoken=${invitation.pk}`),
        { 'content-type': 'application/json' },
        '"x"',
      ],
      [
        'POST',
        FlowBrowser.executorUrl(e.flow.slug, `itoken=${invitation.pk}`),
        { 'content-type': 'application/json' },
        '{"username": {"a": 1}, "email": ["x"], "password": null}',
      ],
      [
        'POST',
        FlowBrowser.executorUrl(e.flow.slug, `itoken=${invitation.pk}`),
        { 'content-type': 'text/plain' },
        'hello',
      ],
    ];
    for (const [method, url, headers, payload] of requests) {
      const response = await t.app.inject({ method: method as 'GET', url, headers, payload });
      assert.ok(response.statusCode < 500, `${method} ${url}: ${response.statusCode} ${response.body}`);
      if (url.includes('/executor/') && response.statusCode === 200) {
        assert.notEqual(JSON.parse(response.body).component, 'ak-stage-flow-error', url);
      }
    }
  });
});

describe('permissions of the extensions', () => {
  test('uses: view permission on the invitation; after consumption only the global one', async () => {
    const e = await buildEnrollmentFlow(t);
    const kept = await createInvitation(t, { flow: e.flow.pk });
    const consumed = await createInvitation(t, { flow: e.flow.pk, single_use: true });
    const browser = new FlowBrowser(t.app);
    await browser.get(e.flow.slug, `itoken=${consumed.pk}`);
    const viewer = await createUserWithToken(t);
    await grantPermission(t, viewer, 'authentik_stages_invitation.view_invitation', kept.pk);
    const client = t.client.as(viewer.token);
    assert.equal((await client.get(`/api/v3/stages/invitation/invitations/${kept.pk}/uses/`)).status, 200);
    const gone = await client.get(`/api/v3/stages/invitation/invitations/${consumed.pk}/uses/`);
    assert.equal(gone.status, 404);
    assert.deepEqual(gone.body, { detail: 'No Invitation matches the given query.' });
    assert.equal(
      (await t.client.get(`/api/v3/stages/invitation/invitations/${consumed.pk}/uses/`)).status,
      200,
    );
    const stranger = await createUserWithToken(t);
    assert.equal(
      (await t.client.as(stranger.token).get(`/api/v3/stages/invitation/invitations/${kept.pk}/uses/`))
        .status,
      403,
    );
    assert.equal((await t.client.get('/api/v3/stages/invitation/invitations/not-a-uuid/uses/')).status, 404);
  });

  test('consumption: view to read, change to write', async () => {
    const e = await buildEnrollmentFlow(t);
    const url = `/api/v3/stages/invitation/stages/${e.invitationStage.pk}/consumption/`;
    const reader = await createUserWithToken(t);
    await grantPermission(t, reader, 'authentik_stages_invitation.view_invitationstage');
    assert.equal((await t.client.as(reader.token).get(url)).status, 200);
    const refused = await t.client.as(reader.token).patch(url, { lease_seconds: 60 });
    assert.equal(refused.status, 403);
    await grantPermission(
      t,
      reader,
      'authentik_stages_invitation.change_invitationstage',
      e.invitationStage.pk,
    );
    const changed = await t.client.as(reader.token).patch(url, { lease_seconds: 60 });
    assert.deepEqual(changed.body, { single_use_consumption: 'open', lease_seconds: 60 });
  });
});

describe('user_write and user_login settings', () => {
  test('create_users_as_inactive: the user is written inactive and user_login refuses to sign them in', async () => {
    const e = await buildEnrollmentFlow(t);
    await t.client.patch(`/api/v3/stages/user_write/${e.userWriteStage.pk}/`, {
      create_users_as_inactive: true,
    });
    const invitation = await createInvitation(t, { flow: e.flow.pk });
    const browser = new FlowBrowser(t.app);
    await browser.get(e.flow.slug, `itoken=${invitation.pk}`);
    const username = unique('inactive');
    const done = await browser.post(e.flow.slug, answers(username), `itoken=${invitation.pk}`);
    assert.equal(done.body.component, 'ak-stage-access-denied');
    assert.equal(done.body.pending_user, username);
    assert.equal((await userRow(username)).is_active, false);
    assert.equal(await sessionUser(browser), null);
  });

  test('stage settings are those of when the plan was made, as authentik pickles its plan', async () => {
    const e = await buildEnrollmentFlow(t);
    const invitation = await createInvitation(t, { flow: e.flow.pk });
    const browser = new FlowBrowser(t.app);
    await browser.get(e.flow.slug, `itoken=${invitation.pk}`);
    // Changed while this browser is on the prompt: its plan keeps the settings it was made with.
    await t.client.patch(`/api/v3/stages/user_write/${e.userWriteStage.pk}/`, {
      create_users_as_inactive: true,
    });
    const username = unique('planned');
    const done = await browser.post(e.flow.slug, answers(username), `itoken=${invitation.pk}`);
    assert.equal(done.body.component, 'xak-flow-redirect');
    assert.equal((await userRow(username)).is_active, true);
    // A plan made after the change uses the new settings.
    const next = new FlowBrowser(t.app);
    await next.get(e.flow.slug, `itoken=${invitation.pk}`);
    const later = unique('planned-later');
    await next.post(e.flow.slug, answers(later), `itoken=${invitation.pk}`);
    assert.equal((await userRow(later)).is_active, false);
  });

  test('a plan stored without stage settings (made before plans kept them) reads them', async () => {
    const e = await buildEnrollmentFlow(t);
    const invitation = await createInvitation(t, { flow: e.flow.pk });
    const browser = new FlowBrowser(t.app);
    await browser.get(e.flow.slug, `itoken=${invitation.pk}`);
    // Changed after the plan was made: only a plan without settings reads the new value.
    await t.client.patch(`/api/v3/stages/user_write/${e.userWriteStage.pk}/`, {
      create_users_as_inactive: true,
    });
    await db.execute(
      sql`UPDATE sessions SET data = jsonb_set(data, '{authentik/flows/plan,bindings}',
            (SELECT jsonb_agg(b - 'settings') FROM jsonb_array_elements(data #> '{authentik/flows/plan,bindings}') b))
          WHERE session_key = ${browser.sessionKey ?? ''}`,
    );
    const username = unique('old-plan');
    const done = await browser.post(e.flow.slug, answers(username), `itoken=${invitation.pk}`);
    // user_write read create_users_as_inactive, and user_login then refused the inactive user.
    assert.equal(done.body.component, 'ak-stage-access-denied');
    assert.equal((await userRow(username)).is_active, false);
  });

  test('a non-zero session_duration gives a persistent cookie of that age', async () => {
    const e = await buildEnrollmentFlow(t);
    await t.client.patch(`/api/v3/stages/user_login/${e.userLoginStage.pk}/`, {
      session_duration: 'hours=2',
    });
    const invitation = await createInvitation(t, { flow: e.flow.pk });
    const browser = new FlowBrowser(t.app);
    await browser.get(e.flow.slug, `itoken=${invitation.pk}`);
    const done = await browser.request(
      'POST',
      FlowBrowser.executorUrl(e.flow.slug, `itoken=${invitation.pk}`),
      answers(unique('persist')),
    );
    const cookie = ([] as string[])
      .concat(done.headers['set-cookie'] as string[])
      .find((c) => c.startsWith('authentik_session='));
    assert.match(String(cookie), /Max-Age=7200;/);
  });
});
