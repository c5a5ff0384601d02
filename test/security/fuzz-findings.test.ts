/**
 * Holes the schema-driven fuzz test (test/security/fuzz.test.ts) found, each pinned here.
 *
 * URLs Fastify's router refuses before any route runs (a path parameter longer than the
 * router's limit, a malformed percent-encoding) were answered in Fastify's own
 * `{error, code, message, statusCode}` shape, which no authentik client parses; an `attributes`
 * filter that is not a JSON object was answered with a bare JSON list, where the schema promises
 * an object. Each gets the API's error shape and changes nothing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'drizzle-orm';
import { query } from '../../src/db/client.js';
import { buildTestApp } from '../helpers/test-app.js';

const t = await buildTestApp();

async function groupCount(): Promise<number> {
  const [row] = await query<{ n: number }>(t.database.db, sql`SELECT count(*)::int AS n FROM groups`);
  return row.n;
}

test('a path parameter over the length limit is a 414 with a detail', async () => {
  const before = await groupCount();
  const response = await t.client.patch(`/api/v3/core/groups/${'a'.repeat(600)}/`, { name: 'x' });
  assert.equal(response.status, 414);
  assert.match(String(response.headers['content-type']), /^application\/json/);
  assert.deepEqual(Object.keys(response.body), ['detail']);
  assert.equal(typeof response.body.detail, 'string');
  assert.equal(await groupCount(), before);
});

test('a malformed percent-encoding in the path is a 400 with a detail', async () => {
  for (const url of [
    '/api/v3/core/groups/%zz/',
    '/api/v3/core/groups/%/',
    '/api/v3/core/users/%ff/',
    '/if/flow/%zz/',
  ]) {
    const response = await t.client.get(url);
    assert.equal(response.status, 400, url);
    assert.deepEqual(Object.keys(response.body), ['detail'], url);
    assert.equal(typeof response.body.detail, 'string', url);
  }
});

test('an attributes filter that is not a JSON object is a 400 naming the field', async () => {
  for (const list of ['/api/v3/core/users/', '/api/v3/core/groups/']) {
    for (const value of ['not-json', '[1]', '%7B']) {
      const response = await t.client.get(`${list}?attributes=${value}`);
      assert.equal(response.status, 400, `${list} ${value}`);
      assert.equal(Array.isArray(response.body), false, `${list} ${value}: ${response.text}`);
      assert.equal(Array.isArray(response.body.attributes), true, `${list} ${value}: ${response.text}`);
    }
  }
});
