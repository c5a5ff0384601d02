/**
 * The admin bundle (src/admin/): the page is never cached, its hashed assets are kept for good,
 * everything under the CSP, and only files the build wrote are served.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { test } from 'node:test';
import { buildTestApp } from '../helpers/test-app.js';
import { createPasswordUser, signIn } from '../helpers/sign-in.js';

const t = await buildTestApp();
const dist = new URL('../../dist/web/admin/', import.meta.url);

test('the page names its bundled script and stylesheet, and is never cached', async () => {
  // The page itself is for a signed-in admin (a visitor is sent to sign in).
  const { browser } = await signIn(t, await createPasswordUser(t, { superuser: true }));
  const cookie = `authentik_session=${browser.sessionKey}`;
  const response = await t.app.inject({ method: 'GET', url: '/if/admin/', headers: { cookie } });
  assert.equal(response.statusCode, 200);
  assert.equal(response.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(response.headers['cache-control'], 'no-store');
  assert.match(
    String(response.headers['content-security-policy']),
    /script-src 'self';.*frame-ancestors 'none'/,
  );
  assert.match(response.body, /<ak-admin-app><\/ak-admin-app>/);
  const assets = [...response.body.matchAll(/(?:src|href)="\/static\/dist\/admin\/([^"]+)"/g)].map(
    (m) => m[1],
  );
  assert.equal(assets.length, 2, response.body);
  for (const name of assets) {
    const asset = await t.app.inject({ method: 'GET', url: `/static/dist/admin/${name}` });
    assert.equal(asset.statusCode, 200, name);
    assert.equal(asset.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.match(
      String(asset.headers['content-type']),
      name.endsWith('.js') ? /^text\/javascript/ : /^text\/css/,
    );
    assert.deepEqual(asset.rawPayload, readFileSync(new URL(name, dist)));
  }
});

test("PatternFly's fonts are bundled and served with their type", async () => {
  const font = readdirSync(new URL('assets/', dist)).find((name) => name.endsWith('.woff2'));
  assert.ok(font, 'a bundled font');
  const response = await t.app.inject({ method: 'GET', url: `/static/dist/admin/assets/${font}` });
  assert.equal(response.statusCode, 200);
  assert.equal(response.headers['content-type'], 'font/woff2');
});

test('anything the build did not write is the not-found page', async () => {
  for (const name of [
    'index.html',
    'nope.js',
    '__proto__',
    'constructor',
    '..%2f..%2fpackage.json',
    'assets/',
  ]) {
    const response = await t.app.inject({ method: 'GET', url: `/static/dist/admin/${name}` });
    assert.equal(response.statusCode, 404, name);
  }
});
