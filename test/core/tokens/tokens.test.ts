import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { query } from '../../../src/db/client.js';
import { buildTestApp } from '../../helpers/test-app.js';
import { createUserWithToken, grantPermission, unique } from '../../helpers/factories.js';

const t = await buildTestApp({ AUTHENTIK_BOOTSTRAP_EMAIL: 'admin@example.com' });
const TOKENS = '/api/v3/core/tokens/';

async function eventsFor(action: string, tokenPk: string) {
  return query<{ context: Record<string, any> }>(
    t.database.db,
    sql`SELECT context FROM events WHERE action = ${action}
        AND (context->'model'->>'pk' = ${tokenPk.replace(/-/g, '')} OR context->'secret' IS NOT NULL)`,
  );
}

describe('tokens as a superuser', () => {
  test('create for another user: authentik fields, no key, API expiry forced to the default duration', async () => {
    const owner = await createUserWithToken(t);
    const identifier = unique('tok');
    const before = Date.now();
    const response = await t.client.post(TOKENS, {
      identifier,
      user: owner.id,
      description: 'ci',
      expires: '2099-01-01T00:00:00Z',
    });
    assert.equal(response.status, 201);
    assert.deepEqual(Object.keys(response.body), [
      'pk',
      'managed',
      'identifier',
      'intent',
      'user',
      'user_obj',
      'description',
      'expires',
      'expiring',
    ]);
    assert.equal(response.body.intent, 'api');
    assert.equal(response.body.user, owner.id);
    assert.equal(response.body.user_obj.username, owner.username);
    assert.equal(response.body.expiring, true);
    assert.equal(response.body.managed, null);
    assert.ok(!('key' in response.body));
    const expires = Date.parse(response.body.expires);
    const day = t.config.defaultTokenDurationSeconds * 1000;
    assert.ok(expires >= before + day - 1000 && expires <= Date.now() + day + 1000, response.body.expires);
    assert.match(response.body.expires, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z$/);

    const key = await t.client.get(`${TOKENS}${identifier}/view_key/`);
    assert.equal(key.status, 200);
    assert.match(key.body.key, /^[A-Za-z0-9]{60}$/);
    const created = await eventsFor('model_created', response.body.pk);
    assert.equal(created.length, 1);
    assert.equal(created[0].context.model.name.startsWith(`${identifier} (expires=`), true);
    assert.equal((await eventsFor('secret_view', response.body.pk)).length >= 1, true);
  });

  test('validation: intent, identifier slug and uniqueness, app password lifetime, user change', async () => {
    const identifier = unique('tok');
    const bad = await t.client.post(TOKENS, { identifier, intent: 'recovery' });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body, { intent: ['Invalid intent recovery'] });
    const slug = await t.client.post(TOKENS, { identifier: 'not a slug' });
    assert.deepEqual(slug.body, {
      identifier: ['Enter a valid "slug" consisting of letters, numbers, underscores or hyphens.'],
    });
    assert.deepEqual((await t.client.post(TOKENS, {})).body, { identifier: ['This field is required.'] });
    assert.equal((await t.client.post(TOKENS, { identifier })).status, 201);
    const duplicate = await t.client.post(TOKENS, { identifier });
    assert.deepEqual(duplicate.body, { identifier: ['Token with this identifier already exists.'] });
    const noUser = await t.client.post(TOKENS, { identifier: unique('tok'), user: 987654 });
    assert.deepEqual(noUser.body, { user: ['Invalid pk "987654" - object does not exist.'] });

    const tooLong = await t.client.post(TOKENS, {
      identifier: unique('tok'),
      intent: 'app_password',
      expires: '2099-01-01T00:00:00Z',
    });
    assert.equal(tooLong.status, 400);
    assert.match(
      tooLong.body.expires[0],
      /^Token expires exceeds maximum lifetime \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?\+00:00 UTC\)\.$/,
    );
    const appPassword = await t.client.post(TOKENS, { identifier: unique('tok'), intent: 'app_password' });
    assert.equal(appPassword.status, 201);
    assert.equal(appPassword.body.intent, 'app_password');

    const other = await createUserWithToken(t);
    const change = await t.client.patch(`${TOKENS}${identifier}/`, { user: other.id });
    assert.deepEqual(change.body, { user: ['User cannot be changed'] });
    // A PATCH that does not name intent or user keeps them (authentik would reset both).
    const patched = await t.client.patch(`${TOKENS}${appPassword.body.identifier}/`, { description: 'x' });
    assert.equal(patched.body.intent, 'app_password');
    assert.equal(patched.body.user, appPassword.body.user);
    assert.equal(patched.body.description, 'x');
  });

  test('list filters, search, ordering; used_by is empty; delete writes model_deleted', async () => {
    const owner = await createUserWithToken(t);
    const tag = unique('flt');
    for (const suffix of ['b', 'a']) {
      await t.client.post(TOKENS, { identifier: `${tag}-${suffix}`, user: owner.id, description: tag });
    }
    const byUser = await t.client.get(
      `${TOKENS}?user__username=${owner.username}&intent=api&search=${tag}&ordering=-identifier`,
    );
    assert.deepEqual(
      byUser.body.results.map((r: { identifier: string }) => r.identifier),
      [`${tag}-b`, `${tag}-a`],
    );
    const search = await t.client.get(`${TOKENS}?search=${tag}&expiring=TRUE`);
    assert.equal(search.body.pagination.count, 2);
    assert.equal((await t.client.get(`${TOKENS}?search=${tag}&expiring=0`)).body.pagination.count, 0);
    const badIntent = await t.client.get(`${TOKENS}?intent=nope`);
    assert.deepEqual(badIntent.body, {
      intent: ['Select a valid choice. nope is not one of the available choices.'],
    });
    assert.deepEqual((await t.client.get(`${TOKENS}${tag}-a/used_by/`)).body, []);
    const pk = search.body.results[0].pk;
    assert.equal((await t.client.delete(`${TOKENS}${tag}-a/`)).status, 204);
    assert.equal((await eventsFor('model_deleted', pk)).length, 1);
    assert.deepEqual((await t.client.get(`${TOKENS}${tag}-a/`)).body, {
      detail: 'No Token matches the given query.',
    });
    assert.equal((await t.client.get(TOKENS, { token: null })).status, 403);
  });

  test('set_key replaces the key, which then authenticates', async () => {
    const identifier = unique('tok');
    await t.client.post(TOKENS, { identifier, expiring: false });
    const key = `k-${unique('key')}`;
    assert.equal((await t.client.post(`${TOKENS}${identifier}/set_key/`, { key })).status, 204);
    assert.equal((await t.client.get(`${TOKENS}${identifier}/view_key/`)).body.key, key);
    assert.equal((await t.client.as(key).get(`${TOKENS}${identifier}/`)).status, 200);
    assert.deepEqual((await t.client.post(`${TOKENS}${identifier}/set_key/`, {})).body, {
      key: ['This field is required.'],
    });
  });
});

describe('tokens as a non-superuser', () => {
  test('sees and manages only their own tokens; creates only for themselves', async () => {
    const alice = await createUserWithToken(t);
    const bob = await createUserWithToken(t);
    const theirs = unique('bob');
    await t.client.post(TOKENS, { identifier: theirs, user: bob.id });
    const as = t.client.as(alice.token);

    const mine = unique('alice');
    // Only a superuser may ask for a token that never expires (authentik overrides the flag
    // silently; Tessera refuses it by name).
    const forever = await as.post(TOKENS, { identifier: mine, expiring: false });
    assert.equal(forever.status, 400);
    assert.ok(Array.isArray(forever.body.expiring));
    const created = await as.post(TOKENS, { identifier: mine, user: bob.id, expiring: true });
    assert.equal(created.status, 201);
    assert.equal(created.body.user, alice.id, 'the owner is always the caller');
    assert.equal(created.body.expiring, true, 'expiring comes from the user attributes (default true)');

    const list = await as.get(TOKENS);
    assert.equal(list.status, 200);
    assert.ok(list.body.results.every((r: { user: number }) => r.user === alice.id));
    assert.ok(list.body.results.some((r: { identifier: string }) => r.identifier === mine));
    assert.deepEqual((await as.get(`${TOKENS}${theirs}/`)).body, {
      detail: 'No Token matches the given query.',
    });
    assert.equal((await as.get(`${TOKENS}${theirs}/view_key/`)).status, 404);
    assert.equal((await as.delete(`${TOKENS}${theirs}/`)).status, 404);

    // The creator holds view_token_key on the new token; set_key needs its own permission.
    assert.match((await as.get(`${TOKENS}${mine}/view_key/`)).body.key, /^[A-Za-z0-9]{60}$/);
    assert.equal((await as.post(`${TOKENS}${mine}/set_key/`, { key: 'abc' })).status, 403);
    assert.equal((await as.patch(`${TOKENS}${mine}/`, { description: 'mine' })).body.description, 'mine');
    assert.equal((await as.delete(`${TOKENS}${mine}/`)).status, 204);
  });

  test('global view_token shows everyone’s tokens; keys still need view_token_key', async () => {
    const carol = await createUserWithToken(t);
    const bob = await createUserWithToken(t);
    await grantPermission(t, carol, 'authentik_core.view_token');
    const other = unique('oth');
    await t.client.post(TOKENS, { identifier: other, user: bob.id });
    const admins = unique('adm');
    await t.client.post(TOKENS, { identifier: admins });
    const as = t.client.as(carol.token);
    assert.equal((await as.get(`${TOKENS}${other}/`)).status, 200);
    assert.equal((await as.get(`${TOKENS}${other}/view_key/`)).status, 403);
    assert.equal((await as.patch(`${TOKENS}${other}/`, { description: 'x' })).status, 403);
    await grantPermission(t, carol, 'authentik_core.view_token_key');
    assert.equal((await as.get(`${TOKENS}${other}/view_key/`)).status, 200);
    // A key is the owner's authority: akadmin's stays out of reach of a non-superuser.
    assert.equal((await as.get(`${TOKENS}${admins}/view_key/`)).status, 403);
  });
});
