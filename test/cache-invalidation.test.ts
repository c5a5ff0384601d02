/**
 * The two in-process caches (API-token lookups, flow plans) answer exactly what the database
 * would: they save statements while nothing changes, and any change clears them, on this
 * instance at once and on every other instance when the database's change notification of
 * that commit arrives (src/db/change-feed.ts). Without notifications they are not used.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { openDatabase } from '../src/db/client.js';
import { buildApp } from '../src/app.js';
import { buildTestApp, TestClient } from './helpers/test-app.js';
import { createUserWithToken, unique } from './helpers/factories.js';
import { settleChanges } from './helpers/database.js';
import { buildEnrollmentFlow, createInvitation } from './helpers/enrollment.js';
import { FlowBrowser } from './helpers/flow-client.js';

const t = await buildTestApp();
const STAGES = '/api/v3/stages/invitation/stages/';

/** SQL statements one request costs. */
async function statementsOf(request: () => Promise<unknown>): Promise<number> {
  const before = t.database.stats.statements;
  await request();
  return t.database.stats.statements - before;
}

/** Polls until `check` holds (a notification crossing instances takes a moment), up to 2 s. */
async function eventually(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 2000;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail('the change did not reach the other instance within 2 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('API token lookups', () => {
  test('a repeated call reuses the lookup; a change through the API applies to the next call', async () => {
    const user = await createUserWithToken(t, { superuser: true });
    await settleChanges(t.database);
    const as = (token: string) => ({ token });
    assert.equal((await t.client.get(STAGES, as(user.token))).status, 200);
    // The list's own statement only: the token is not looked up again.
    assert.equal(await statementsOf(() => t.client.get(STAGES, as(user.token))), 1);

    // Deactivating the user through the API refuses the token on the very next call.
    const patched = await t.client.patch(`/api/v3/core/users/${user.id}/`, { is_active: false });
    assert.equal(patched.status, 200);
    assert.equal((await t.client.get(STAGES, as(user.token))).status, 403);
  });

  test('without change notifications the cache is not used', async () => {
    const user = await createUserWithToken(t, { superuser: true });
    await settleChanges(t.database);
    const as = { token: user.token };
    await t.client.get(STAGES, as);
    t.database.changes.setConnected(false);
    try {
      assert.equal(await statementsOf(() => t.client.get(STAGES, as)), 2);
    } finally {
      t.database.changes.setConnected(true);
    }
    // Reconnecting starts from an empty cache.
    assert.equal(await statementsOf(() => t.client.get(STAGES, as)), 2);
    assert.equal(await statementsOf(() => t.client.get(STAGES, as)), 1);
  });

  test('an expiring token is not reused past its expiry', async () => {
    const user = await createUserWithToken(t, { superuser: true });
    const expires = new Date(Date.now() + 1500);
    await t.database.db.execute(
      sql`UPDATE tokens SET expiring = true, expires = ${expires.toISOString()} WHERE key = ${user.token}`,
    );
    const as = { token: user.token };
    assert.equal((await t.client.get(STAGES, as)).status, 200);
    await new Promise((resolve) => setTimeout(resolve, expires.getTime() - Date.now() + 50));
    assert.equal((await t.client.get(STAGES, as)).status, 403);
  });
});

describe('another instance on the same database', { skip: t.database.kind !== 'postgres' }, () => {
  test('sees a revoked token, a deactivated user and a changed flow once notified', async () => {
    // A second process in all but name: its own pool, its own notification listener.
    const otherDatabase = await openDatabase(t.config.database);
    const other = await buildApp(t.config, { database: otherDatabase, logger: false, schedule: false });
    try {
      const client = new TestClient(other);
      const revoked = await createUserWithToken(t, { superuser: true });
      const deactivated = await createUserWithToken(t, { superuser: true });
      await settleChanges(otherDatabase);
      const as = (token: string) => ({ token });
      for (const user of [revoked, deactivated]) {
        assert.equal((await client.get(STAGES, as(user.token))).status, 200);
      }
      const before = otherDatabase.stats.statements;
      await client.get(STAGES, as(revoked.token));
      assert.equal(otherDatabase.stats.statements - before, 1, 'the other instance reuses its lookup');

      // Changed through this instance: the other one refuses once the notification arrives.
      const [token] = (await t.client.get(`/api/v3/core/tokens/?user__username=${revoked.username}`)).body
        .results;
      assert.equal((await t.client.delete(`/api/v3/core/tokens/${token.identifier}/`)).status, 204);
      await t.client.patch(`/api/v3/core/users/${deactivated.id}/`, { is_active: false });
      await eventually(async () => (await client.get(STAGES, as(revoked.token))).status === 403);
      await eventually(async () => (await client.get(STAGES, as(deactivated.token))).status === 403);

      // A flow plan cached by the other instance follows a change of the flow's title.
      const e = await buildEnrollmentFlow(t);
      const invitation = await createInvitation(t, { flow: e.flow.pk });
      const first = await new FlowBrowser(other).get(e.flow.slug, `itoken=${invitation.pk}`);
      assert.equal(first.body.flow_info.title, e.flow.title);
      const title = unique('Renamed');
      assert.equal((await t.client.patch(`/api/v3/flows/instances/${e.flow.slug}/`, { title })).status, 200);
      await eventually(async () => {
        const again = await new FlowBrowser(other).get(e.flow.slug, `itoken=${invitation.pk}`);
        return again.body.flow_info.title === title;
      });
    } finally {
      await other.close();
      await otherDatabase.close();
    }
  });
});
