/**
 * The flow page's own browser files (src/web/static-files.ts) with their headers, and the flow
 * page's escaping. The admin bundle's files: test/admin/admin.routes.test.ts.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { createFlow } from '../helpers/factories.js';
import { buildTestApp } from '../helpers/test-app.js';

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
