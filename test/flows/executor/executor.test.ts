/**
 * Flow executor mechanics seen through an invitation enrollment: the plan and the session,
 * invalid_response_action, cancel, secrets in fixed_data, and hostile input.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { query } from '../../../src/db/client.js';
import { buildTestApp } from '../../helpers/test-app.js';
import { bindStage, createFlow, unique } from '../../helpers/factories.js';
import { FlowBrowser } from '../../helpers/flow-client.js';
import {
  answers,
  buildEnrollmentFlow,
  createInvitation,
  createPrompt,
  DENIED,
  enrollmentProbes,
} from '../../helpers/enrollment.js';

const t = await buildTestApp();
const db = t.database.db;
const { userRow, eventsFor } = enrollmentProbes(t);

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
    const { buildApp } = await import('../../../src/app.js');
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
