/**
 * URLs Fastify's router refuses before any route runs: a path parameter longer than the
 * router's limit, and a malformed percent-encoding. Found by the fuzz test: both answered in
 * Fastify's own `{error, code, message, statusCode}` shape, which no authentik client parses.
 * They get the API's one error shape, `{"detail": ...}`, and change nothing.
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
