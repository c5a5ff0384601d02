/**
 * The user_logout stage: `/api/v3/stages/user_logout/` in authentik's shapes, and signing out
 * through authentik's default invalidation flow, which Tessera creates at start.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildTestApp } from '../../helpers/test-app.js';
import { bindStage, createFlow, createUserWithToken, unique } from '../../helpers/factories.js';
import { FlowBrowser } from '../../helpers/flow-client.js';
import { createPasswordUser, eventsFor, signIn } from '../../helpers/sign-in.js';

const t = await buildTestApp();

describe('/stages/user_logout/', () => {
  test('creates, lists, updates, reports used_by and deletes', async () => {
    const created = await t.client.post('/api/v3/stages/user_logout/', { name: unique('logout') });
    assert.equal(created.status, 201);
    assert.equal(created.body.component, 'ak-stage-user-logout-form');
    assert.equal(created.body.verbose_name, 'User Logout Stage');
    assert.equal(created.body.meta_model_name, 'authentik_stages_user_logout.userlogoutstage');
    assert.deepEqual(created.body.flow_set, []);

    const listed = await t.client.get(`/api/v3/stages/user_logout/?name=${created.body.name}`);
    assert.deepEqual(
      listed.body.results.map((stage: { pk: string }) => stage.pk),
      [created.body.pk],
    );
    const renamed = await t.client.patch(`/api/v3/stages/user_logout/${created.body.pk}/`, {
      name: `${created.body.name}-renamed`,
    });
    assert.equal(renamed.body.name, `${created.body.name}-renamed`);

    const flow = await createFlow(t, { designation: 'invalidation' });
    await bindStage(t, flow.pk, created.body.pk);
    const usedBy = await t.client.get(`/api/v3/stages/user_logout/${created.body.pk}/used_by/`);
    assert.ok(
      usedBy.body.some((item: { model_name: string }) => item.model_name === 'flowstagebinding'),
      JSON.stringify(usedBy.body),
    );

    assert.equal((await t.client.delete(`/api/v3/stages/user_logout/${created.body.pk}/`)).status, 204);
    assert.equal((await t.client.get(`/api/v3/stages/user_logout/${created.body.pk}/`)).status, 404);
  });

  test('a name is required, and a user without the permission is refused', async () => {
    const blank = await t.client.post('/api/v3/stages/user_logout/', { name: '' });
    assert.equal(blank.status, 400);
    assert.ok(blank.body.name);
    const stranger = await createUserWithToken(t);
    const refused = await t.client
      .as(stranger.token)
      .post('/api/v3/stages/user_logout/', { name: unique('logout') });
    assert.equal(refused.status, 403);
  });
});

describe('signing out', () => {
  test('the default invalidation flow exists, as authentik creates it', async () => {
    const flow = await t.client.get('/api/v3/flows/instances/default-invalidation-flow/');
    assert.equal(flow.status, 200);
    assert.equal(flow.body.designation, 'invalidation');
    const bindings = await t.client.get(`/api/v3/flows/bindings/?target=${flow.body.pk}`);
    assert.deepEqual(
      bindings.body.results.map((b: { stage_obj: { name: string; component: string } }) => [
        b.stage_obj.name,
        b.stage_obj.component,
      ]),
      [['default-invalidation-logout', 'ak-stage-user-logout-form']],
    );
  });

  test('/flows/-/default/invalidation/ runs the flow: the session ends, logout is written, the browser goes to /', async () => {
    const user = await createPasswordUser(t);
    const { browser } = await signIn(t, user);
    const out = await browser.request('GET', '/flows/-/default/invalidation/');
    assert.equal(out.status, 302);
    assert.equal(out.headers.location, '/if/flow/default-invalidation-flow/');
    const done = await browser.get('default-invalidation-flow');
    assert.equal(done.body.component, 'xak-flow-redirect');
    assert.equal(done.body.to, '/');
    assert.equal(browser.sessionKey, undefined);
    assert.equal((await browser.request('GET', '/if/user/')).status, 302);
    assert.equal((await eventsFor(t, 'logout', user.username)).length, 1);
  });

  test('a visitor who is not signed in passes through without an event or a session', async () => {
    const browser = new FlowBrowser(t.app);
    const done = await browser.get('default-invalidation-flow');
    assert.equal(done.body.component, 'xak-flow-redirect');
    assert.equal(browser.sessionKey, undefined);
  });
});
