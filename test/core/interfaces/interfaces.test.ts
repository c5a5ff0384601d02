/**
 * The landing pages: `/` sends each visitor where authentik's RootRedirectView does,
 * `/if/user/` shows the signed-in person's account (escaped), `/if/admin/` needs an admin, and
 * signing out ends the session.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildTestApp } from '../../helpers/test-app.js';
import { createGroup, grantPermission } from '../../helpers/factories.js';
import { createPasswordUser, eventsFor, signIn } from '../../helpers/sign-in.js';
import type { FlowBrowser } from '../../helpers/flow-client.js';

const t = await buildTestApp();

const page = (browser: FlowBrowser | null, url: string) =>
  browser
    ? browser.request('GET', url)
    : t.app.inject({ url }).then((r) => ({ status: r.statusCode, headers: r.headers, body: r.body }));

describe('/', () => {
  test('sends a visitor who is not signed in to the sign-in flow, back to /', async () => {
    const response = await page(null, '/');
    assert.equal(response.status, 302);
    assert.equal(response.headers.location, '/flows/-/default/authentication/?next=%2F');
  });

  test('sends a superuser to /if/admin/ and anyone else to /if/user/', async () => {
    const admin = await signIn(t, await createPasswordUser(t, { superuser: true }));
    assert.equal((await page(admin.browser, '/')).headers.location, '/if/admin/');
    const person = await signIn(t, await createPasswordUser(t));
    assert.equal((await page(person.browser, '/')).headers.location, '/if/user/');
  });

  test('sends a user whose role grants access_admin_interface to /if/admin/, which opens', async () => {
    const listed = await t.client.get('/api/v3/rbac/permissions/?codename=access_admin_interface');
    assert.equal(listed.body.results.length, 1, 'the permission is in the catalogue');
    assert.equal(listed.body.results[0].model, 'systempermission');
    const user = await createPasswordUser(t);
    await grantPermission(t, { ...user, token: '' }, 'authentik_rbac.access_admin_interface');
    const operator = await signIn(t, user);
    assert.equal((await page(operator.browser, '/')).headers.location, '/if/admin/');
    assert.equal((await page(operator.browser, '/if/admin/')).status, 200);
  });
});

describe('/if/user/', () => {
  test('greets the person by name and shows their account, escaped', async () => {
    const user = await createPasswordUser(t, { name: 'Ada <script>alert(1)</script>' });
    const group = await createGroup(t, { name: `Readers & <Writers> ${user.username}` });
    await t.client.post(`/api/v3/core/groups/${group.pk}/add_user/`, { pk: user.id });
    const { browser } = await signIn(t, user);
    const response = await page(browser, '/if/user/');
    assert.equal(response.status, 200);
    const html = String(response.body);
    assert.match(html, /<h1>Welcome, Ada &lt;script&gt;alert\(1\)&lt;\/script&gt;<\/h1>/);
    assert.ok(!html.includes('<script>alert'));
    assert.ok(html.includes(`<dd>${user.username}</dd>`));
    assert.ok(html.includes(`<dd>${user.email}</dd>`));
    assert.ok(html.includes(`<li>Readers &amp; &lt;Writers&gt; ${user.username}</li>`));
    assert.ok(html.includes('href="/flows/-/default/invalidation/"'));
    assert.ok(!html.includes('href="/if/admin/"'), 'no admin link for a non-admin');
  });

  test('sends a visitor who is not signed in to sign in, back to /if/user/', async () => {
    const response = await page(null, '/if/user/');
    assert.equal(response.headers.location, '/flows/-/default/authentication/?next=%2Fif%2Fuser%2F');
  });
});

describe('/if/admin/', () => {
  test('needs a signed-in admin', async () => {
    assert.equal(
      (await page(null, '/if/admin/')).headers.location,
      '/flows/-/default/authentication/?next=%2Fif%2Fadmin%2F',
    );
    const person = await signIn(t, await createPasswordUser(t));
    assert.equal((await page(person.browser, '/if/admin/')).headers.location, '/if/user/');
    const admin = await signIn(t, await createPasswordUser(t, { superuser: true }));
    assert.equal((await page(admin.browser, '/if/admin/')).status, 200);
  });

  test('the API accepts the admin session with the CSRF header, and refuses it without', async () => {
    const { browser } = await signIn(t, await createPasswordUser(t, { superuser: true }));
    const created = await browser.request('POST', '/api/v3/stages/invitation/stages/', {
      name: `via-session-${Date.now()}`,
    });
    assert.equal(created.status, 201);
    const csrf = browser.cookies.get('authentik_csrf');
    browser.cookies.delete('authentik_csrf');
    const refused = await browser.request('POST', '/api/v3/stages/invitation/stages/', {
      name: `no-csrf-${Date.now()}`,
    });
    assert.equal(refused.status, 403);
    browser.cookies.set('authentik_csrf', String(csrf));
  });
});

describe('signing out', () => {
  test('ends the session through the default invalidation flow, writes logout and goes to /', async () => {
    const user = await createPasswordUser(t);
    const { browser } = await signIn(t, user);
    const out = await page(browser, '/flows/-/default/invalidation/');
    assert.equal(out.status, 302);
    assert.equal(out.headers.location, '/if/flow/default-invalidation-flow/');
    const done = await browser.get('default-invalidation-flow');
    assert.equal(done.body.to, '/');
    assert.equal(browser.sessionKey, undefined);
    assert.equal((await page(browser, '/if/user/')).status, 302);
    assert.equal((await eventsFor(t, 'logout', user.username)).length, 1);
  });
});
