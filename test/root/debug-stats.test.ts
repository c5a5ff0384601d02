/**
 * The benchmark suite's instrumentation (TESSERA_DEBUG_STATS=1, src/root/debug.plugin.ts): off
 * by default, and a capture records the statements of a request as it runs in steady state.
 * The suite replays those statements as its database floor, so a capture that emptied the
 * caches would make the floor replay work the measured server does not do.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { settleChanges } from '../helpers/database.js';
import { buildTestApp } from '../helpers/test-app.js';

const LIST = '/api/v3/stages/invitation/stages/';

describe('debug stats', async () => {
  const plain = await buildTestApp();
  const instrumented = await buildTestApp({ TESSERA_DEBUG_STATS: '1' });

  it('is not served unless TESSERA_DEBUG_STATS is set', async () => {
    assert.equal((await plain.client.get('/-/debug/stats/')).status, 404);
    assert.equal((await plain.client.get('/-/debug/capture/')).status, 404);
  });

  it('counts statements', async () => {
    const before = (await instrumented.client.get('/-/debug/stats/')).body as { statements: number };
    assert.equal((await instrumented.client.get(LIST)).status, 200);
    const after = (await instrumented.client.get('/-/debug/stats/')).body as { statements: number };
    assert.ok(after.statements > before.statements);
  });

  it('captures a request with the caches as they were: the token is not looked up again', async () => {
    await settleChanges(instrumented.database);
    // Warms the API-token cache.
    assert.equal((await instrumented.client.get(LIST)).status, 200);
    assert.equal((await instrumented.client.post('/-/debug/capture/')).status, 204);
    assert.equal((await instrumented.client.get(LIST)).status, 200);
    const captured = (await instrumented.client.get('/-/debug/capture/')).body as {
      statements: { sql: string; params: unknown[] }[];
    };
    assert.equal(captured.statements.length, 1, captured.statements.map((s) => s.sql).join('\n---\n'));
    assert.match(captured.statements[0].sql, /FROM stages s JOIN "invitation_stages"/);
  });
});
