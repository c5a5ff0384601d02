/**
 * Answers that must be clean 4xx in authentik's shape, whatever the input: deep JSON, bad
 * UTF-8, lone surrogates, NUL characters, out-of-range date offsets, prototype names in static
 * lookups, and URLs beyond node's header limit (issue 13, "Also fix").
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import YAML from 'yaml';
import { query } from '../../src/db/client.js';
import { ADMIN_TOKEN, buildTestApp } from '../helpers/test-app.js';
import { unique } from '../helpers/factories.js';

const t = await buildTestApp();
const GROUPS = '/api/v3/core/groups/';

async function groupCount(name: string): Promise<number> {
  const rows = await query<{ n: number }>(
    t.database.db,
    sql`SELECT count(*)::int AS n FROM groups WHERE name LIKE ${`${name}%`}`,
  );
  return rows[0].n;
}

/** A request with a raw byte payload, bypassing TestClient's JSON encoding. */
async function postBytes(url: string, payload: Buffer) {
  const response = await t.app.inject({
    method: 'POST',
    url,
    payload,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
  });
  return { status: response.statusCode, body: JSON.parse(response.body) as Record<string, unknown> };
}

describe('JSON bodies', () => {
  test('nesting 10,000 deep is a 400 parse error on every kind of endpoint, and creates nothing', async () => {
    const name = unique('deep');
    const nested = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    const bodies: [string, string][] = [
      [GROUPS, `{"name":"${name}","attributes":${nested}}`],
      ['/api/v3/core/users/', `{"username":"${name}","name":"x","attributes":${nested}}`],
      ['/api/v3/stages/invitation/invitations/', `{"name":"${name}","fixed_data":${nested}}`],
      ['/api/v3/rbac/roles/', `${'['.repeat(6000)}${']'.repeat(6000)}`],
    ];
    for (const [url, raw] of bodies) {
      const response = await t.client.request('POST', url, {
        raw,
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(response.status, 400, `${url}: ${response.text.slice(0, 200)}`);
      assert.match(String(response.body.detail), /^JSON parse error - nested deeper than 128 levels/);
    }
    assert.equal(await groupCount(name), 0);
    const users = await query(t.database.db, sql`SELECT 1 FROM users WHERE username = ${name}`);
    assert.equal(users.length, 0);
  });

  test('nesting up to the limit is still accepted', async () => {
    const name = unique('nest');
    const nested = `${'{"a":'.repeat(120)}1${'}'.repeat(120)}`;
    const response = await t.client.request('POST', GROUPS, {
      raw: `{"name":"${name}","attributes":${nested}}`,
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(response.status, 201, response.text.slice(0, 200));
  });

  test('bytes that are not UTF-8 are refused, not stored as U+FFFD', async () => {
    const name = unique('utf8');
    const payload = Buffer.concat([
      Buffer.from(`{"name":"${name}`),
      Buffer.from([0xff, 0xfe, 0xc3]),
      Buffer.from('"}'),
    ]);
    const response = await postBytes(GROUPS, payload);
    assert.equal(response.status, 400);
    assert.match(String(response.body.detail), /^JSON parse error - str is not valid UTF-8/);
    assert.equal(await groupCount(name), 0);
  });

  test('a lone surrogate escape is refused, as orjson does', async () => {
    const name = unique('surrogate');
    for (const raw of [
      `{"name":"${name}\\ud800"}`,
      `{"name":"${name}","attributes":{"k":"\\udc00"}}`,
      `{"name":"${name}","attributes":{"\\ud83d":1}}`,
    ]) {
      const response = await postBytes(GROUPS, Buffer.from(raw));
      assert.equal(response.status, 400, raw);
      assert.equal(response.body.detail, 'JSON parse error - str is not valid UTF-8: surrogates not allowed');
    }
    assert.equal(await groupCount(name), 0);
    // A well-formed pair is a character like any other.
    const paired = await postBytes(GROUPS, Buffer.from(`{"name":"${name}\\ud83d\\ude00"}`));
    assert.equal(paired.status, 201);
  });

  test('a NUL inside a free-form JSON field is a 400 naming the field', async () => {
    const name = unique('nul');
    for (const attributes of [{ k: 'a\u0000b' }, { 'a\u0000': 1 }, { list: [{ deep: '\u0000' }] }]) {
      const response = await t.client.post(GROUPS, { name, attributes });
      assert.equal(response.status, 400);
      assert.deepEqual(response.body, { attributes: ['Null characters are not allowed.'] });
    }
    const invitation = await t.client.post('/api/v3/stages/invitation/invitations/', {
      name,
      fixed_data: { username: 'x\u0000' },
    });
    assert.equal(invitation.status, 400);
    assert.deepEqual(invitation.body, { fixed_data: ['Null characters are not allowed.'] });
    assert.equal(await groupCount(name), 0);
  });
});

describe('query parameters', () => {
  test('a date offset of 24 hours or more is an invalid date, not a 500', async () => {
    for (const [url, key] of [
      ['/api/v3/stages/invitation/invitations/?expires=2030-01-01T00:00:00-25:00', 'expires'],
      ['/api/v3/core/users/?date_joined__gt=2020-01-01T00:00:00-25:00', 'date_joined__gt'],
      ['/api/v3/core/users/?date_joined__lt=2020-01-01T00:00:00%2B24:00', 'date_joined__lt'],
      ['/api/v3/core/users/?date_joined=2020-01-01T00:00:00%2B2400', 'date_joined'],
      ['/api/v3/core/tokens/?expires=2020-01-01T00:00:00-23:60', 'expires'],
    ]) {
      const response = await t.client.get(url);
      assert.equal(response.status, 400, url);
      assert.deepEqual(response.body, { [key]: ['Enter a valid date/time.'] });
    }
  });

  test('offsets Python accepts but PostgreSQL does not (over 15:59) are applied, not a 500', async () => {
    const response = await t.client.get('/api/v3/core/users/?date_joined__gt=2000-01-01T00:00:00%2B23:59');
    assert.equal(response.status, 200);
    assert.ok(response.body.results.length > 0);
    const future = await t.client.get('/api/v3/core/users/?date_joined__gt=2999-01-01T00:00:00-20:00');
    assert.equal(future.status, 200);
    assert.equal(future.body.results.length, 0);
    const name = unique('offset');
    const created = await t.client.post('/api/v3/stages/invitation/invitations/', {
      name,
      expires: '2999-06-01T12:00:00+20:00',
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(new Date(created.body.expires).toISOString(), '2999-05-31T16:00:00.000Z');
    const refused = await t.client.post('/api/v3/stages/invitation/invitations/', {
      name: unique('offset'),
      expires: '2999-06-01T12:00:00+24:00',
    });
    assert.equal(refused.status, 400);
    assert.ok(Array.isArray(refused.body.expires));
  });

  test('a NUL in `search` is a field error object on every list endpoint', async () => {
    const document = YAML.parse(readFileSync('openapi.yml', 'utf8')) as {
      paths: Record<string, { get?: { parameters?: { name?: string }[] } }>;
    };
    const lists = Object.entries(document.paths)
      .filter(([path, item]) => !path.includes('{') && item.get?.parameters?.some((p) => p.name === 'search'))
      .map(([path]) => path);
    assert.ok(lists.length >= 10);
    for (const path of lists) {
      const response = await t.client.get(`/api/v3${path}?search=a%00b`);
      assert.equal(response.status, 400, path);
      assert.deepEqual(response.body, { search: ['Null characters are not allowed.'] }, path);
    }
  });
});

describe('URLs', () => {
  test('prototype names under /static/tessera/flow/ are unknown files', async () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
      const response = await t.client.get(`/static/tessera/flow/${name}`);
      assert.equal(response.status, 404, name);
    }
    assert.equal((await t.client.get('/static/tessera/flow/flow.js')).status, 200);
  });

  test('a 64 KB URL is answered 431 in the API shape, even while the client sends a body', async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.app.server.address() as AddressInfo;
    const path = `/api/v3/core/groups/?search=${'a'.repeat(64 * 1024)}`;
    for (const method of ['GET', 'POST']) {
      const answer = await new Promise<{ status?: number; body: string; error?: string }>((resolve) => {
        const request = http.request(
          {
            host: '127.0.0.1',
            port,
            path,
            method,
            headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
          },
          (response) => {
            let body = '';
            response.on('data', (chunk: Buffer) => (body += chunk.toString()));
            response.on('end', () => resolve({ status: response.statusCode, body }));
          },
        );
        request.on('error', (error) => resolve({ body: '', error: error.message }));
        request.end(method === 'POST' ? JSON.stringify({ name: 'x'.repeat(256 * 1024) }) : undefined);
      });
      assert.equal(answer.error, undefined, `${method}: ${answer.error}`);
      assert.equal(answer.status, 431, method);
      assert.deepEqual(JSON.parse(answer.body), {
        detail: 'Request header fields too large (the URL counts towards them).',
      });
    }
  });
});
