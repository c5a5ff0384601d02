/**
 * Signing in through authentik's default authentication flow, created at first start:
 * identification, password, login; wrong passwords, unknown users, the failure limit, `next`.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildTestApp, type TestContext } from '../../helpers/test-app.js';
import { FlowBrowser } from '../../helpers/flow-client.js';
import { bindStage, createFlow, unique } from '../../helpers/factories.js';
import { AUTH_FLOW, createPasswordUser, eventsFor, signIn } from '../../helpers/sign-in.js';

const t = await buildTestApp();

const identify = (browser: FlowBrowser, uid: string, flow = AUTH_FLOW, query = '') =>
  browser.post(flow, { component: 'ak-stage-identification', uid_field: uid }, query);
const password = (browser: FlowBrowser, value: string, flow = AUTH_FLOW, query = '') =>
  browser.post(flow, { component: 'ak-stage-password', password: value }, query);

/** A flow of the given stages (created through the API), in order. */
async function flowOf(context: TestContext, stages: { type: string; body: Record<string, unknown> }[]) {
  const flow = await createFlow(context, { designation: 'authentication' });
  let order = 10;
  for (const stage of stages) {
    const created = await context.client.post(`/api/v3/stages/${stage.type}/`, {
      name: unique(stage.type),
      ...stage.body,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    await bindStage(context, flow.pk, created.body.pk, order);
    order += 10;
  }
  return flow;
}

describe('the default authentication flow', () => {
  test('is created at first start with authentik names, in order', async () => {
    const flows = await t.client.get(`/api/v3/flows/instances/?slug=${AUTH_FLOW}`);
    assert.equal(flows.body.results.length, 1);
    assert.equal(flows.body.results[0].designation, 'authentication');
    const bindings = await t.client.get(
      `/api/v3/flows/bindings/?target=${flows.body.results[0].pk}&ordering=order`,
    );
    assert.deepEqual(
      bindings.body.results.map((b: any) => [b.order, b.stage_obj.name, b.stage_obj.component]),
      [
        [10, 'default-authentication-identification', 'ak-stage-identification-form'],
        [20, 'default-authentication-password', 'ak-stage-password-form'],
        [100, 'default-authentication-login', 'ak-stage-user-login-form'],
      ],
    );
  });

  test('signs a user in with username then password, and writes login', async () => {
    const user = await createPasswordUser(t);
    const browser = new FlowBrowser(t.app);
    const first = await browser.get(AUTH_FLOW);
    assert.equal(first.body.component, 'ak-stage-identification');
    assert.deepEqual(first.body.user_fields, ['username', 'email']);
    assert.equal(first.body.password_fields, false);
    assert.equal(first.body.primary_action, 'Log in');
    assert.equal(first.body.flow_designation, 'authentication');
    const second = await identify(browser, user.email.toUpperCase());
    assert.equal(second.body.component, 'ak-stage-password');
    assert.equal(second.body.pending_user, user.username);
    const done = await password(browser, user.password);
    assert.deepEqual(
      { component: done.body.component, to: done.body.to },
      { component: 'xak-flow-redirect', to: '/' },
    );
    const me = await browser.request('GET', '/api/v3/core/users/me/');
    assert.equal(me.status, 200);
    assert.equal(me.body.user.username, user.username);
    assert.equal((await eventsFor(t, 'login', user.username)).length, 1);
  });

  test('a wrong password shows the challenge again with "Invalid password" and writes login_failed', async () => {
    const user = await createPasswordUser(t);
    const browser = new FlowBrowser(t.app);
    await browser.get(AUTH_FLOW);
    await identify(browser, user.username);
    const wrong = await password(browser, 'not-the-password');
    assert.equal(wrong.body.component, 'ak-stage-password');
    assert.deepEqual(wrong.body.response_errors, {
      password: [{ string: 'Invalid password', code: 'invalid' }],
    });
    const failed = await eventsFor(t, 'login_failed', user.username);
    assert.equal(failed.length, 1);
    assert.equal(failed[0].context.password, '********************');
    assert.equal(failed[0].context.stage.name, 'default-authentication-password');
    assert.equal(failed[0].user.username, user.username);
    // Not signed in; the right password still works afterwards.
    assert.equal((await browser.request('GET', '/api/v3/core/users/me/')).status, 403);
    assert.equal((await password(browser, user.password)).body.component, 'xak-flow-redirect');
  });

  test('an inactive user is refused like a wrong password', async () => {
    const user = await createPasswordUser(t, { active: false });
    const browser = new FlowBrowser(t.app);
    await browser.get(AUTH_FLOW);
    await identify(browser, user.username);
    const refused = await password(browser, user.password);
    assert.equal(refused.body.response_errors.password[0].string, 'Invalid password');
  });

  test('an unknown user goes on to the password stage (pretend_user_exists), which refuses any password', async () => {
    const browser = new FlowBrowser(t.app);
    await browser.get(AUTH_FLOW);
    const uid = unique('nobody');
    const pretend = await identify(browser, uid);
    assert.equal(pretend.body.component, 'ak-stage-password');
    assert.equal(pretend.body.pending_user, uid);
    const refused = await password(browser, 'anything');
    assert.equal(refused.body.response_errors.password[0].string, 'Invalid password');
    assert.ok((await eventsFor(t, 'login_failed', uid)).length >= 1);
  });

  test('without pretend_user_exists an unknown user gets "Failed to authenticate."', async () => {
    const flow = await flowOf(t, [
      { type: 'identification', body: { user_fields: ['username'], pretend_user_exists: false } },
    ]);
    const browser = new FlowBrowser(t.app);
    await browser.get(flow.slug);
    const refused = await identify(browser, unique('nobody'), flow.slug);
    assert.equal(refused.body.component, 'ak-stage-identification');
    assert.deepEqual(refused.body.response_errors, {
      non_field_errors: [{ string: 'Failed to authenticate.', code: 'invalid' }],
    });
  });

  test('an inline password stage checks both in one step; case-sensitive matching when asked', async () => {
    const passwordStage = await t.client.post('/api/v3/stages/password/', {
      name: unique('inline'),
      backends: ['authentik.core.auth.InbuiltBackend'],
    });
    const flow = await flowOf(t, [
      {
        type: 'identification',
        body: {
          user_fields: ['username'],
          password_stage: passwordStage.body.pk,
          case_insensitive_matching: false,
        },
      },
      { type: 'user_login', body: {} },
    ]);
    const user = await createPasswordUser(t);
    const browser = new FlowBrowser(t.app);
    assert.equal((await browser.get(flow.slug)).body.password_fields, true);
    const answer = (uid: string, pw: string) =>
      browser.post(flow.slug, { component: 'ak-stage-identification', uid_field: uid, password: pw });
    const wrongCase = await answer(user.username.toUpperCase(), user.password);
    assert.equal(wrongCase.body.response_errors.non_field_errors[0].string, 'Failed to authenticate.');
    const wrong = await answer(user.username, 'nope');
    assert.equal(wrong.body.response_errors.non_field_errors[0].string, 'Failed to authenticate.');
    assert.equal((await answer(user.username, user.password)).body.component, 'xak-flow-redirect');
  });

  test('failed_attempts_before_cancel ends the flow with "Invalid password"', async () => {
    const flow = await flowOf(t, [
      { type: 'identification', body: { user_fields: ['username'] } },
      {
        type: 'password',
        body: { backends: ['authentik.core.auth.InbuiltBackend'], failed_attempts_before_cancel: 2 },
      },
    ]);
    const user = await createPasswordUser(t);
    const browser = new FlowBrowser(t.app);
    await browser.get(flow.slug);
    await identify(browser, user.username, flow.slug);
    assert.equal((await password(browser, 'x', flow.slug)).body.component, 'ak-stage-password');
    const cancelled = await password(browser, 'y', flow.slug);
    assert.equal(cancelled.body.component, 'ak-stage-access-denied');
    assert.equal(cancelled.body.error_message, 'Invalid password');
  });

  test('a stage without the inbuilt backend refuses even the right password', async () => {
    const flow = await flowOf(t, [
      { type: 'identification', body: { user_fields: ['username'] } },
      { type: 'password', body: { backends: ['authentik.sources.ldap.auth.LDAPBackend'] } },
    ]);
    const user = await createPasswordUser(t);
    const browser = new FlowBrowser(t.app);
    await browser.get(flow.slug);
    await identify(browser, user.username, flow.slug);
    assert.equal(
      (await password(browser, user.password, flow.slug)).body.response_errors.password[0].code,
      'invalid',
    );
  });

  test('a relative next is where the flow ends; another site is never a target', async () => {
    const user = await createPasswordUser(t);
    const { done } = await signIn(t, user, 'next=%2Fif%2Fuser%2F%3Ftab%3D1');
    assert.equal(done.body.to, '/if/user/?tab=1');
    for (const next of ['https://evil.example/', '//evil.example/', '/\\evil.example/']) {
      const { done: elsewhere } = await signIn(t, user, `next=${encodeURIComponent(next)}`);
      assert.equal(elsewhere.body.to, '/', next);
    }
  });
});

describe('/flows/-/default/authentication/', () => {
  test('redirects to the default flow with a relative next', async () => {
    const response = await t.app.inject({ url: '/flows/-/default/authentication/?next=%2Fif%2Fadmin%2F' });
    assert.equal(response.statusCode, 302);
    assert.equal(response.headers.location, `/if/flow/${AUTH_FLOW}/?next=%2Fif%2Fadmin%2F`);
  });

  test('drops a next that leaves the site (no open redirect)', async () => {
    for (const next of [
      'https://evil.example/',
      '//evil.example',
      '/\\evil.example',
      'javascript:alert(1)',
    ]) {
      const response = await t.app.inject({
        url: `/flows/-/default/authentication/?next=${encodeURIComponent(next)}`,
      });
      assert.equal(response.statusCode, 302);
      assert.equal(response.headers.location, `/if/flow/${AUTH_FLOW}/`, next);
    }
  });
});

describe('failed sign-ins and the limit', async () => {
  const limited = await buildTestApp({ TESSERA_RATE_LIMIT_FAILED_AUTH: '2' });

  test('count against TESSERA_RATE_LIMIT_FAILED_AUTH: over it, 429 without checking the password', async () => {
    const user = await createPasswordUser(limited);
    const browser = new FlowBrowser(limited.app);
    await browser.get(AUTH_FLOW);
    await identify(browser, user.username);
    assert.equal((await password(browser, 'bad-1')).status, 200);
    assert.equal((await password(browser, 'bad-2')).status, 200);
    const over = await password(browser, 'bad-3');
    assert.equal(over.status, 429);
    assert.match(String(over.headers['retry-after']), /^\d+$/);
    // Limited: even the right password is not looked at.
    assert.equal((await password(browser, user.password)).status, 429);
    assert.equal((await browser.request('GET', '/api/v3/core/users/me/')).status, 403);
  });
});
