/**
 * The API-token cache (TESSERA_AUTH_CACHE_SECONDS, 60 by default): repeated requests with one
 * token skip the lookup; refusals are never kept; 0 turns it off, and a revoked token is then
 * refused on the very next request as in authentik. Invalidation by change notifications is
 * covered by test/db/cache-invalidation.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'drizzle-orm';
import { createUserWithToken } from '../helpers/factories.js';
import { settleChanges, statementCount } from '../helpers/database.js';
import { buildTestApp } from '../helpers/test-app.js';

const LIST = '/api/v3/stages/invitation/stages/';

describe('API-token cache', async () => {
  const exact = await buildTestApp({ TESSERA_AUTH_CACHE_SECONDS: '0' });
  const cached = await buildTestApp();

  it('off (0): a deleted token is refused on the next request', async () => {
    const user = await createUserWithToken(exact, { superuser: true });
    assert.equal((await exact.client.as(user.token).get(LIST)).status, 200);
    await exact.database.db.execute(sql`DELETE FROM tokens WHERE key = ${user.token}`);
    const refused = await exact.client.as(user.token).get(LIST);
    assert.equal(refused.status, 403);
    assert.deepEqual(refused.body, { detail: 'Token invalid/expired' });
  });

  it('on by default: skips the token lookup for a token it has seen', async () => {
    const user = await createUserWithToken(cached, { superuser: true });
    await settleChanges(cached.database);
    const statements = async () => {
      const before = statementCount(cached.database);
      assert.equal((await cached.client.as(user.token).get(LIST)).status, 200);
      return statementCount(cached.database) - before;
    };
    const first = await statements();
    const second = await statements();
    assert.equal(second, first - 1);
  });

  it('never caches a refusal', async () => {
    const key = `not-yet-${Date.now()}`;
    assert.equal((await cached.client.as(key).get(LIST)).status, 403);
    const user = await createUserWithToken(cached, { superuser: true });
    await cached.database.db.execute(sql`UPDATE tokens SET key = ${key} WHERE key = ${user.token}`);
    assert.equal((await cached.client.as(key).get(LIST)).status, 200);
  });

  it('refuses inactive users as before', async () => {
    const user = await createUserWithToken(cached, { superuser: true, active: false });
    assert.equal((await cached.client.as(user.token).get(LIST)).status, 403);
  });

  it('a token deleted directly in the database is refused once its notification arrived', async () => {
    const user = await createUserWithToken(cached, { superuser: true });
    assert.equal((await cached.client.as(user.token).get(LIST)).status, 200);
    await cached.database.db.execute(sql`DELETE FROM tokens WHERE key = ${user.token}`);
    await settleChanges(cached.database);
    assert.equal((await cached.client.as(user.token).get(LIST)).status, 403);
  });
});
