/**
 * Concurrent DELETEs of one object, spread over two instances on one database: the DELETE
 * statement's own result decides, so exactly one answers 204 (and writes the model_deleted
 * event) and every other one answers 404, as DRF does once the row is gone.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { buildApp } from '../../src/app.js';
import { query } from '../../src/db/client.js';
import { buildTestApp, TestClient } from '../helpers/test-app.js';
import {
  bindStage,
  createFlow,
  createGroup,
  createInvitationStage,
  createRole,
  createUser,
  unique,
} from '../helpers/factories.js';
import { createInvitation, createPrompt } from '../helpers/enrollment.js';

const t = await buildTestApp();
// A second app on the same database plays the other instance.
const other = await buildApp(t.config, { database: t.database, logger: false, schedule: false });
after(() => other.close());
const clients = [t.client, new TestClient(other)];

async function deletedEvents(pk: string | number) {
  return query<{ id: string }>(
    t.database.db,
    sql`SELECT event_uuid AS id FROM events WHERE action = 'model_deleted' AND context->'model'->>'pk' = ${String(pk).replace(/-/g, '')}`,
  );
}

/** Six DELETEs of `url` at once, alternating between the instances; their statuses, sorted. */
async function sixDeletes(url: string): Promise<number[]> {
  const responses = await Promise.all(
    Array.from({ length: 6 }, (_, i) => clients[i % clients.length].delete(url)),
  );
  for (const response of responses.filter((r) => r.status === 404)) {
    assert.equal(typeof response.body.detail, 'string');
  }
  return responses.map((r) => r.status).sort();
}

const ONE_WINNER = [204, 404, 404, 404, 404, 404];

describe('six concurrent DELETEs over two instances: one 204, five 404s, one event', () => {
  test('an invitation stage (its own endpoint)', async () => {
    const stage = await createInvitationStage(t);
    assert.deepEqual(await sixDeletes(`/api/v3/stages/invitation/stages/${stage.pk}/`), ONE_WINNER);
    assert.equal((await deletedEvents(stage.pk)).length, 1);
  });

  test('a stage of another type (user_write)', async () => {
    const stage = (await t.client.post('/api/v3/stages/user_write/', { name: unique('write') })).body;
    assert.deepEqual(await sixDeletes(`/api/v3/stages/user_write/${stage.pk}/`), ONE_WINNER);
    assert.equal((await deletedEvents(stage.pk)).length, 1);
  });

  test('a flow and a binding', async () => {
    const flow = await createFlow(t);
    const stage = await createInvitationStage(t);
    const binding = await bindStage(t, flow.pk, stage.pk);
    assert.deepEqual(await sixDeletes(`/api/v3/flows/bindings/${binding.pk}/`), ONE_WINNER);
    assert.equal((await deletedEvents(binding.pk)).length, 1);
    assert.deepEqual(await sixDeletes(`/api/v3/flows/instances/${flow.slug}/`), ONE_WINNER);
    assert.equal((await deletedEvents(flow.pk)).length, 1);
  });

  test('an invitation and a prompt', async () => {
    const invitation = await createInvitation(t);
    assert.deepEqual(await sixDeletes(`/api/v3/stages/invitation/invitations/${invitation.pk}/`), ONE_WINNER);
    const prompt = await createPrompt(t, { field_key: unique('field') });
    assert.deepEqual(await sixDeletes(`/api/v3/stages/prompt/prompts/${prompt.pk}/`), ONE_WINNER);
    assert.equal((await deletedEvents(prompt.pk)).length, 1);
  });

  test('a user, a group, a role and a token', async () => {
    const user = await createUser(t);
    const group = await createGroup(t);
    const role = await createRole(t);
    const identifier = unique('token');
    const token = await t.client.post('/api/v3/core/tokens/', {
      identifier,
      expires: '2099-01-01T00:00:00Z',
    });
    assert.equal(token.status, 201);
    assert.deepEqual(await sixDeletes(`/api/v3/core/users/${user.pk}/`), ONE_WINNER);
    assert.equal((await deletedEvents(user.pk)).length, 1);
    assert.deepEqual(await sixDeletes(`/api/v3/core/groups/${group.pk}/`), ONE_WINNER);
    assert.equal((await deletedEvents(group.pk)).length, 1);
    assert.deepEqual(await sixDeletes(`/api/v3/rbac/roles/${role.pk}/`), ONE_WINNER);
    assert.equal((await deletedEvents(role.pk)).length, 1);
    assert.deepEqual(await sixDeletes(`/api/v3/core/tokens/${identifier}/`), ONE_WINNER);
  });
});
