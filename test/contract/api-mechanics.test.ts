/**
 * The request mechanics of authentik's API on the seed endpoint (GET
 * /api/v3/stages/invitation/stages/), one rule per test, as ../shared/reference/api-mechanics.md
 * lists them: methods, content negotiation, pagination parsing, repeated parameters,
 * authentication header parsing, token kinds, unknown URLs, headers and request bodies.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { ADMIN_TOKEN, buildTestApp } from '../helpers/test-app.js';
import { createInvitationStage, createUserWithToken, unique } from '../helpers/factories.js';

const t = await buildTestApp();
const LIST = '/api/v3/stages/invitation/stages/';

/** A raw request (no token unless given), for the cases the test client would normalise. */
function raw(method: string, url: string, headers: Record<string, string> = {}, payload?: string) {
  return t.app.inject({ method: method as 'GET', url, headers, payload });
}

const names = (body: { results: { name: string }[] }) => body.results.map((r) => r.name);

describe('methods', () => {
  test('HEAD runs the GET pipeline and answers its status and headers with an empty body', async () => {
    const tag = unique('head');
    await createInvitationStage(t, { name: tag });
    const get = await raw('GET', `${LIST}?name=${tag}`, { authorization: `Bearer ${ADMIN_TOKEN}` });
    const head = await raw('HEAD', `${LIST}?name=${tag}`, { authorization: `Bearer ${ADMIN_TOKEN}` });
    assert.equal(head.statusCode, 200);
    assert.equal(head.body, '');
    assert.equal(head.headers['content-type'], 'application/json');
    assert.equal(head.headers['content-type'], get.headers['content-type']);
    assert.equal(head.headers.vary, get.headers.vary);
    assert.match(String(head.headers['x-authentik-id']), /^[0-9a-f]{32}$/);
    // Authentication, filters and pagination apply as for GET.
    assert.equal((await raw('HEAD', LIST)).statusCode, 403);
    assert.equal(
      (await raw('HEAD', `${LIST}?page=9999`, { authorization: `Bearer ${ADMIN_TOKEN}` })).statusCode,
      404,
    );
    assert.equal(
      (await raw('HEAD', `${LIST}?stage_uuid=x`, { authorization: `Bearer ${ADMIN_TOKEN}` })).statusCode,
      400,
    );
  });

  test('OPTIONS needs authentication; with it, DRF simple metadata and Allow', async () => {
    const anonymous = await raw('OPTIONS', LIST);
    assert.equal(anonymous.statusCode, 403);
    assert.deepEqual(JSON.parse(anonymous.body), { detail: 'Authentication credentials were not provided.' });
    const options = await raw('OPTIONS', LIST, { authorization: `Bearer ${ADMIN_TOKEN}` });
    assert.equal(options.statusCode, 200);
    assert.equal(options.headers.allow, 'GET, POST, HEAD, OPTIONS');
    assert.deepEqual(JSON.parse(options.body), {
      name: 'Invitation Stage List',
      description: 'InvitationStage Viewset',
      renders: ['application/json'],
      parses: ['application/json'],
    });
    const stage = await createInvitationStage(t);
    const detail = await raw('OPTIONS', `${LIST}${stage.pk}/`, { authorization: `Bearer ${ADMIN_TOKEN}` });
    assert.equal(detail.headers.allow, 'GET, PUT, PATCH, DELETE, HEAD, OPTIONS');
    assert.equal(JSON.parse(detail.body).name, 'Invitation Stage Instance');
    const usedBy = await raw('OPTIONS', `${LIST}${stage.pk}/used_by/`, {
      authorization: `Bearer ${ADMIN_TOKEN}`,
    });
    assert.equal(usedBy.headers.allow, 'GET, HEAD, OPTIONS');
  });

  test('a method the route lacks is 405 with Allow, after authentication', async () => {
    const stage = await createInvitationStage(t);
    const response = await t.client.post(`${LIST}${stage.pk}/`, { name: 'x' });
    assert.equal(response.status, 405);
    assert.equal(response.headers.allow, 'GET, PUT, PATCH, DELETE, HEAD, OPTIONS');
    assert.deepEqual(response.body, { detail: 'Method "POST" not allowed.' });
    assert.deepEqual((await t.client.delete(`${LIST}${stage.pk}/used_by/`)).body, {
      detail: 'Method "DELETE" not allowed.',
    });
    assert.equal((await t.client.as(null).delete(LIST)).status, 403);
  });
});

describe('content negotiation (before authentication)', () => {
  test('?format=json is accepted; any other format is a JSON 404, even unauthenticated', async () => {
    assert.equal((await t.client.get(`${LIST}?format=json`)).status, 200);
    // An empty format is no format (DRF tests it for truthiness).
    assert.equal((await t.client.get(`${LIST}?format=`)).status, 200);
    for (const format of ['xml', 'api', 'JSON', 'yaml']) {
      const response = await raw('GET', `${LIST}?format=${format}`);
      assert.equal(response.statusCode, 404, format);
      assert.deepEqual(JSON.parse(response.body), { detail: 'Not found.' });
    }
  });

  test('an Accept without JSON is 406, even unauthenticated; parameters and wildcards are fine', async () => {
    for (const accept of ['text/html', 'application/xml, text/*', '']) {
      const response = await raw('GET', LIST, { accept });
      assert.equal(response.statusCode, 406, accept);
      assert.deepEqual(JSON.parse(response.body), { detail: 'Could not satisfy the request Accept header.' });
      assert.equal(response.headers['content-type'], 'application/json');
    }
    for (const accept of [
      '*/*',
      'application/*',
      '*/json',
      'Application/JSON',
      'application/json; indent=4',
      'text/html, application/json;q=0.1',
      // DRF ranks by specificity and ignores q, so even q=0 selects JSON.
      'application/json;q=0',
    ]) {
      const response = await t.client.get(`${LIST}?page_size=1`, { headers: { accept } });
      assert.equal(response.status, 200, accept);
      assert.ok(!response.text.includes('\n'), 'compact output');
    }
  });
});

describe('pagination parsing', () => {
  test('page and page_size read like Python int(): sign, underscores, whitespace, Unicode digits', async () => {
    const tag = unique('pq');
    for (let i = 0; i < 12; i += 1)
      await createInvitationStage(t, { name: `${tag}-${String(i).padStart(2, '0')}` });
    const current = async (q: string) => {
      const response = await t.client.get(`${LIST}?search=${tag}&${q}`);
      assert.equal(response.status, 200, q);
      return [response.body.pagination.current, response.body.results.length];
    };
    assert.deepEqual(await current('page=%2B2&page_size=5'), [2, 5]);
    assert.deepEqual(await current('page=%202%20&page_size=5'), [2, 5]);
    assert.deepEqual(await current('page_size=1_0'), [1, 10]);
    assert.deepEqual(await current('page=1_0&page_size=1'), [10, 1]);
    assert.deepEqual(await current(`page=${encodeURIComponent('٢')}&page_size=5`), [2, 5]);
    assert.deepEqual(await current(`page=${encodeURIComponent('３')}&page_size=5`), [3, 2]);
    assert.deepEqual(await current(`page_size=${encodeURIComponent('३')}`), [1, 3]);
    for (const fallback of ['0', '-3', 'abc', '3.0', '', '1__0', '_10']) {
      assert.deepEqual(await current(`page_size=${fallback}`), [1, 12], fallback);
    }
    for (const bad of ['1__0', '_1', '2.0', '0x2', '']) {
      if (bad === '') continue;
      const response = await t.client.get(`${LIST}?search=${tag}&page=${bad}`);
      assert.equal(response.status, 404, bad);
      assert.deepEqual(response.body, { detail: 'Invalid page.' });
    }
    assert.deepEqual(await current('page='), [1, 12]);
  });

  test('the maximum page size caps page_size; the default applies when absent', async () => {
    const response = await t.client.get(`${LIST}?page_size=100000`);
    assert.equal(response.status, 200);
    assert.ok(response.body.results.length <= 100);
  });
});

describe('query parameters', () => {
  test('a repeated parameter takes its last value', async () => {
    const tag = unique('rep');
    const a = await createInvitationStage(t, { name: `${tag}-a` });
    const b = await createInvitationStage(t, { name: `${tag}-b` });
    assert.deepEqual(names((await t.client.get(`${LIST}?name=${a.name}&name=${b.name}`)).body), [b.name]);
    const paged = await t.client.get(`${LIST}?search=${tag}&page_size=1&page=2&page=1`);
    assert.equal(paged.body.pagination.current, 1);
    assert.deepEqual(names((await t.client.get(`${LIST}?search=${tag}&ordering=name&ordering=-name`)).body), [
      b.name,
      a.name,
    ]);
    assert.deepEqual(names((await t.client.get(`${LIST}?search=zzz-none&search=${tag}`)).body), [
      a.name,
      b.name,
    ]);
  });

  test('name is stripped; search is not a name filter; unknown parameters are ignored', async () => {
    const stage = await createInvitationStage(t, { name: unique('strip') });
    assert.deepEqual(names((await t.client.get(`${LIST}?name=${stage.name}%20`)).body), [stage.name]);
    assert.deepEqual(names((await t.client.get(`${LIST}?name=%20${stage.name}`)).body), [stage.name]);
    assert.deepEqual(names((await t.client.get(`${LIST}?name=${stage.name.toUpperCase()}`)).body), []);
    assert.deepEqual(names((await t.client.get(`${LIST}?name=${stage.name}&whatever=1&flow=x`)).body), [
      stage.name,
    ]);
  });
});

describe('authentication header', () => {
  const stageName = unique('auth');
  test('the scheme is case-insensitive; the key is everything after the first space', async () => {
    await createInvitationStage(t, { name: stageName });
    for (const header of [
      `Bearer ${ADMIN_TOKEN}`,
      `bearer ${ADMIN_TOKEN}`,
      `BEARER ${ADMIN_TOKEN}`,
      `  Bearer ${ADMIN_TOKEN}  `,
    ]) {
      assert.equal(
        (await raw('GET', `${LIST}?name=${stageName}`, { authorization: header })).statusCode,
        200,
        header,
      );
    }
    const doubleSpace = await raw('GET', LIST, { authorization: `Bearer  ${ADMIN_TOKEN}` });
    assert.equal(doubleSpace.statusCode, 403);
    assert.deepEqual(JSON.parse(doubleSpace.body), { detail: 'Token invalid/expired' });
    assert.deepEqual(JSON.parse((await raw('GET', LIST, { authorization: `Bearer ${ADMIN_TOKEN}x` })).body), {
      detail: 'Token invalid/expired',
    });
  });

  test('other schemes, a bare scheme and an empty header are "no credentials" (2025.12+)', async () => {
    for (const header of [
      'Basic YWthZG1pbjpwdw==',
      `Token ${ADMIN_TOKEN}`,
      'Bearer',
      'Bearer ',
      '',
      ADMIN_TOKEN,
    ]) {
      const response = await raw('GET', LIST, { authorization: header });
      assert.equal(response.statusCode, 403, header);
      assert.deepEqual(
        JSON.parse(response.body),
        { detail: 'Authentication credentials were not provided.' },
        header,
      );
      assert.equal(response.headers['www-authenticate'], undefined);
    }
  });

  test('expired api tokens and tokens of other intents are "Token invalid/expired"', async () => {
    const user = await createUserWithToken(t, { superuser: true });
    const db = t.database.db;
    const cases: [string, string, boolean, string | null][] = [
      [unique('expired'), 'api', true, "now() - interval '1 minute'"],
      [unique('app-password'), 'app_password', false, null],
      [unique('verification'), 'verification', false, null],
      [unique('recovery'), 'recovery', false, null],
    ];
    for (const [key, intent, expiring, expires] of cases) {
      await db.execute(
        sql`INSERT INTO tokens (identifier, key, intent, user_id, expiring, expires)
            VALUES (${unique('tok')}, ${key}, ${intent}, ${user.id}, ${expiring}, ${expires ? sql.raw(expires) : null})`,
      );
      const response = await raw('GET', LIST, { authorization: `Bearer ${key}` });
      assert.equal(response.statusCode, 403, intent);
      assert.deepEqual(JSON.parse(response.body), { detail: 'Token invalid/expired' }, intent);
    }
    // An expiring api token whose expiry lies ahead works; so does one with no expiry set.
    const ahead = unique('ahead');
    await db.execute(
      sql`INSERT INTO tokens (identifier, key, intent, user_id, expiring, expires)
          VALUES (${unique('tok')}, ${ahead}, 'api', ${user.id}, true, now() + interval '1 hour')`,
    );
    assert.equal((await raw('GET', LIST, { authorization: `Bearer ${ahead}` })).statusCode, 200);
    // The expired row is excluded, not deleted (2026 behaviour).
    const [expiredKey] = cases[0];
    const rows = await db.execute(sql`SELECT 1 FROM tokens WHERE key = ${expiredKey}`);
    assert.equal((rows as unknown as { rows: unknown[] }).rows.length, 1);
  });
});

describe('unknown URLs and headers', () => {
  test('a missing trailing slash is the HTML 404, never a redirect', async () => {
    for (const url of [
      '/api/v3/stages/invitation/stages',
      '/api/v3/stages/invitation/stages?page=1',
      '/api/v3/nope/',
    ]) {
      const response = await raw('GET', url, { authorization: `Bearer ${ADMIN_TOKEN}` });
      assert.equal(response.statusCode, 404, url);
      assert.equal(response.headers['content-type'], 'text/html; charset=utf-8');
      assert.match(response.body, /Not Found/);
      assert.equal(response.headers.location, undefined);
    }
  });

  test('a write to an unknown URL is 405 with an empty body and Allow: GET, HEAD, OPTIONS', async () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      const response = await raw(
        method,
        '/api/v3/stages/invitation/stages',
        { 'content-type': 'application/json' },
        '{}',
      );
      assert.equal(response.statusCode, 405, method);
      assert.equal(response.body, '');
      assert.equal(response.headers.allow, 'GET, HEAD, OPTIONS');
    }
    // OPTIONS reaches the template view's options(): 200, empty, the same Allow.
    const options = await raw('OPTIONS', '/api/v3/stages/invitation/stages');
    assert.equal(options.statusCode, 200);
    assert.equal(options.body, '');
    assert.equal(options.headers.allow, 'GET, HEAD, OPTIONS');
  });

  test('every answer carries a fresh X-authentik-id and Vary: Accept-Language', async () => {
    const first = await t.client.get(LIST);
    const second = await t.client.as(null).get(LIST);
    for (const response of [first, second]) {
      assert.match(String(response.headers['x-authentik-id']), /^[0-9a-f]{32}$/);
      assert.match(String(response.headers.vary), /Accept-Language/);
    }
    assert.notEqual(first.headers['x-authentik-id'], second.headers['x-authentik-id']);
    // Exactly application/json: orjson's renderer adds no charset.
    assert.equal(first.headers['content-type'], 'application/json');
    assert.equal(second.headers['content-type'], 'application/json');
  });
});

describe('request bodies', () => {
  test('an empty body is empty data: the required-field 400; whitespace is a parse error', async () => {
    const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const required = { name: ['This field is required.'] };
    const empty = await raw('POST', LIST, { ...auth, 'content-type': 'application/json' }, '');
    assert.equal(empty.statusCode, 400);
    assert.deepEqual(JSON.parse(empty.body), required);
    // No body and no Content-Type at all; a body without a Content-Type is ignored by DRF.
    assert.deepEqual(JSON.parse((await raw('POST', LIST, auth)).body), required);
    assert.deepEqual(JSON.parse((await raw('POST', LIST, auth, '{"name":"ignored"}')).body), required);
    const blank = await raw('POST', LIST, { ...auth, 'content-type': 'application/json' }, '   ');
    assert.equal(blank.statusCode, 400);
    assert.match(JSON.parse(blank.body).detail, /^JSON parse error - .*: line 1 column 4 \(char 3\)$/);
  });

  test('a null body is "No data provided"; other non-objects name their type', async () => {
    const cases: [string, unknown][] = [
      ['null', { non_field_errors: ['No data provided'] }],
      ['"x"', { non_field_errors: ['Invalid data. Expected a dictionary, but got str.'] }],
      ['5', { non_field_errors: ['Invalid data. Expected a dictionary, but got int.'] }],
      ['true', { non_field_errors: ['Invalid data. Expected a dictionary, but got bool.'] }],
    ];
    for (const [payload, expected] of cases) {
      const response = await raw(
        'POST',
        LIST,
        { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        payload,
      );
      assert.equal(response.statusCode, 400, payload);
      assert.deepEqual(JSON.parse(response.body), expected, payload);
    }
    const stage = await createInvitationStage(t);
    const patch = await raw(
      'PATCH',
      `${LIST}${stage.pk}/`,
      { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      'null',
    );
    assert.deepEqual(JSON.parse(patch.body), { non_field_errors: ['No data provided'] });
  });

  test('JSON with a charset parameter is JSON; other media types are 415', async () => {
    const name = unique('charset');
    const ok = await raw(
      'POST',
      LIST,
      { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json; charset=utf-8' },
      JSON.stringify({ name }),
    );
    assert.equal(ok.statusCode, 201);
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ]) {
      const response = await raw(
        'POST',
        LIST,
        { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': type },
        'name=x',
      );
      assert.equal(response.statusCode, 415, type);
      assert.deepEqual(JSON.parse(response.body), { detail: `Unsupported media type "${type}" in request.` });
    }
    // Unauthenticated, the 403 comes first whatever the body.
    assert.equal((await raw('POST', LIST, { 'content-type': 'text/plain' }, 'x')).statusCode, 403);
    // A view that never reads the body never complains about its type: a DELETE, a 405.
    const stage = await createInvitationStage(t);
    const auth = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'text/plain' };
    const notAllowed = await raw('POST', `${LIST}${stage.pk}/`, auth, 'x');
    assert.equal(notAllowed.statusCode, 405);
    assert.equal((await raw('DELETE', `${LIST}${stage.pk}/`, auth, 'x')).statusCode, 204);
  });

  test('read-only and unknown fields are ignored; flow_set on write is ignored (2026)', async () => {
    const name = unique('ro');
    const response = await t.client.post(LIST, {
      name,
      pk: '00000000-0000-0000-0000-000000000001',
      component: 'x',
      flow_set: [{ pk: 'nope' }],
      unknown: 1,
    });
    assert.equal(response.status, 201);
    assert.notEqual(response.body.pk, '00000000-0000-0000-0000-000000000001');
    assert.equal(response.body.component, 'ak-stage-invitation-form');
    assert.deepEqual(response.body.flow_set, []);
  });
});

describe('detail lookups', () => {
  test("an id with whitespace is DRF's Not found. (the model field does not strip)", async () => {
    const stage = await createInvitationStage(t);
    assert.deepEqual((await t.client.get(`${LIST}%20${stage.pk}/`)).body, { detail: 'Not found.' });
    assert.deepEqual((await t.client.get(`${LIST}${stage.pk}%20/`)).body, { detail: 'Not found.' });
    for (const form of [
      stage.pk.toUpperCase(),
      stage.pk.replace(/-/g, ''),
      `{${stage.pk}}`,
      `urn:uuid:${stage.pk}`,
    ]) {
      assert.equal((await t.client.get(`${LIST}${encodeURIComponent(form)}/`)).body.pk, stage.pk, form);
    }
  });
});
