/**
 * The server's own browser files (src/web/static-files.ts), served for the flow page and the
 * admin page by one implementation, each with its page's headers; and the flow page's escaping.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { createFlow } from '../helpers/factories.js';
import { buildTestApp } from '../helpers/test-app.js';
import { createPasswordUser, signIn } from '../helpers/sign-in.js';

const t = await buildTestApp();

const file = (relative: string) =>
  readFileSync(new URL(`../../src/web/static/${relative}`, import.meta.url), 'utf8');

test('flow assets: their bytes and type, revalidated on each use', async () => {
  const cases: [string, string][] = [
    ['flow/flow.js', 'text/javascript; charset=utf-8'],
    ['flow/flow.css', 'text/css; charset=utf-8'],
  ];
  for (const [relative, type] of cases) {
    const response = await t.app.inject({ method: 'GET', url: `/static/tessera/${relative}` });
    assert.equal(response.statusCode, 200, relative);
    assert.equal(response.headers['content-type'], type);
    assert.equal(response.headers['cache-control'], 'no-cache');
    assert.equal(response.body, file(relative));
  }
});

test('admin files: the page is never cached, its assets briefly, all under the CSP', async () => {
  const cases: [string, string, string, string][] = [
    ['/if/admin/', 'admin/index.html', 'text/html; charset=utf-8', 'no-store'],
    [
      '/static/tessera/admin/admin.js',
      'admin/admin.js',
      'text/javascript; charset=utf-8',
      'public, max-age=300',
    ],
    ['/static/tessera/admin/admin.css', 'admin/admin.css', 'text/css; charset=utf-8', 'public, max-age=300'],
  ];
  // The page itself is for a signed-in admin (a visitor is sent to sign in).
  const { browser } = await signIn(t, await createPasswordUser(t, { superuser: true }));
  const cookie = `authentik_session=${browser.sessionKey}`;
  for (const [url, relative, type, cache] of cases) {
    const response = await t.app.inject({ method: 'GET', url, headers: { cookie } });
    assert.equal(response.statusCode, 200, url);
    assert.equal(response.headers['content-type'], type);
    assert.equal(response.headers['cache-control'], cache);
    assert.match(String(response.headers['content-security-policy']), /frame-ancestors 'none'/);
    assert.equal(response.body, file(relative));
  }
});

test('a file not in the list is the not-found page, even one that exists on disk', async () => {
  for (const name of ['index.html', 'admin.js', '__proto__', 'constructor', '..%2fadmin%2fadmin.js']) {
    const response = await t.app.inject({ method: 'GET', url: `/static/tessera/flow/${name}` });
    assert.equal(response.statusCode, 404, name);
    assert.match(response.body, /<title>Not Found<\/title>/);
  }
});

test("the flow page escapes the flow's title as Django's escape() does", async () => {
  const flow = await createFlow(t, { title: `<img src=x onerror="alert('x')"> & co` });
  const page = await t.app.inject({ method: 'GET', url: `/if/flow/${flow.slug}/` });
  assert.equal(page.statusCode, 200);
  const escaped = '&lt;img src=x onerror=&quot;alert(&#x27;x&#x27;)&quot;&gt; &amp; co';
  assert.ok(page.body.includes(`<title>${escaped}</title>`), page.body);
  assert.ok(!page.body.includes('<img'));
});
