/**
 * The in-process caches (API-token lookups, flow plans, prompt stages' fields) answer exactly what the database
 * would: they save statements while nothing changes, and any change clears them, on this
 * instance at once and on every other instance when the database's change notification of
 * that commit arrives (src/db/change-feed.ts). Without notifications they are not used.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { openDatabase, query } from '../../src/db/client.js';
import { buildApp } from '../../src/app.js';
import { buildTestApp, TestClient } from '../helpers/test-app.js';
import { createUserWithToken, unique } from '../helpers/factories.js';
import { settleChanges, statementCount } from '../helpers/database.js';
import { buildEnrollmentFlow, createInvitation } from '../helpers/enrollment.js';
import { FlowBrowser } from '../helpers/flow-client.js';

const t = await buildTestApp();
const STAGES = '/api/v3/stages/invitation/stages/';

/** SQL statements one request costs. */
async function statementsOf(request: () => Promise<unknown>): Promise<number> {
  const before = statementCount(t.database);
  await request();
  return statementCount(t.database) - before;
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

/** The prompt of a prompt stage with this field key. */
async function promptOf(stagePk: string, fieldKey: string): Promise<{ pk: string }> {
  const [prompt] = await query<{ pk: string }>(
    t.database.db,
    sql`SELECT p.prompt_uuid AS pk FROM prompts p JOIN prompt_stage_fields f ON f.prompt_uuid = p.prompt_uuid
        WHERE f.stage_uuid = ${stagePk} AND p.field_key = ${fieldKey}`,
  );
  assert.ok(prompt, `stage ${stagePk} shows no ${fieldKey}`);
  return prompt;
}

describe("prompt stages' fields", () => {
  /** The labels the prompt challenge shows to `browser`, by field key. */
  async function labels(browser: FlowBrowser, slug: string): Promise<Record<string, string>> {
    const shown = await browser.get(slug);
    assert.equal(shown.body.component, 'ak-stage-prompt');
    const fields = shown.body.fields as { field_key: string; label: string }[];
    return Object.fromEntries(fields.map((field) => [field.field_key, field.label]));
  }

  test('are read once, and follow a change through the API or straight in the database', async () => {
    const e = await buildEnrollmentFlow(t);
    const invitation = await createInvitation(t, { flow: e.flow.pk });
    const browser = new FlowBrowser(t.app);
    await browser.get(e.flow.slug, `itoken=${invitation.pk}`);
    await settleChanges(t.database);
    assert.equal((await labels(browser, e.flow.slug)).name, 'Name');
    // Showing the stage again reads the session and nothing else.
    assert.equal(await statementsOf(() => browser.get(e.flow.slug)), 2);

    const stage = (await t.client.get(`/api/v3/stages/prompt/stages/${e.promptStage.pk}/`)).body;
    const namePrompt = await promptOf(e.promptStage.pk, 'name');
    const relabelled = await t.client.patch(`/api/v3/stages/prompt/prompts/${namePrompt.pk}/`, {
      label: 'Full name',
    });
    assert.equal(relabelled.status, 200);
    assert.equal((await labels(browser, e.flow.slug)).name, 'Full name');

    // A prompt taken off the stage is no longer shown.
    const fields = (stage.fields as string[]).filter((pk) => pk !== namePrompt.pk);
    assert.equal(
      (await t.client.patch(`/api/v3/stages/prompt/stages/${e.promptStage.pk}/`, { fields })).status,
      200,
    );
    assert.equal((await labels(browser, e.flow.slug)).name, undefined);

    // A change made outside the API reaches the cache through the database's notification.
    await labels(browser, e.flow.slug);
    await t.database.db.execute(sql`UPDATE prompts SET label = 'Mail' WHERE field_key = 'email'
      AND prompt_uuid IN (SELECT prompt_uuid FROM prompt_stage_fields WHERE stage_uuid = ${e.promptStage.pk})`);
    await settleChanges(t.database);
    assert.equal((await labels(browser, e.flow.slug)).email, 'Mail');
  });
});

describe('another instance on the same database', { skip: t.database.kind !== 'postgres' }, () => {
  test('sees a revoked token, a deactivated user, a changed flow and prompt once notified', async () => {
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
      const before = statementCount(otherDatabase);
      await client.get(STAGES, as(revoked.token));
      assert.equal(statementCount(otherDatabase) - before, 1, 'the other instance reuses its lookup');

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

      // So do the fields of a prompt stage it has shown.
      const namePrompt = await promptOf(e.promptStage.pk, 'name');
      const label = unique('Label');
      assert.equal(
        (await t.client.patch(`/api/v3/stages/prompt/prompts/${namePrompt.pk}/`, { label })).status,
        200,
      );
      await eventually(async () => {
        const again = await new FlowBrowser(other).get(e.flow.slug, `itoken=${invitation.pk}`);
        const fields = again.body.fields as { field_key: string; label: string }[];
        return fields.some((field) => field.field_key === 'name' && field.label === label);
      });
    } finally {
      await other.close();
      await otherDatabase.close();
    }
  });
});
