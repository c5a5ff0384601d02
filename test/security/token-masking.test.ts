/**
 * An invitation's pk is its token: it must not be readable in the request log, nor in the audit
 * event of an object-permission grant on that invitation (issue 13, "Also fix").
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { query } from '../../src/db/client.js';
import { maskInvitationToken } from '../../src/events/invitation-token.js';
import { openTestDatabase } from '../helpers/database.js';
import { ADMIN_TOKEN, TestClient, type TestContext } from '../helpers/test-app.js';
import {
  assignToRole,
  bindStage,
  createFlow,
  createInvitationStage,
  createRole,
} from '../helpers/factories.js';

const lines: string[] = [];
const stream = new Writable({
  write(chunk: Buffer, _encoding, callback) {
    lines.push(chunk.toString());
    callback();
  },
});

const { database, config: databaseConfig } = await openTestDatabase();
const config = loadConfig({ AUTHENTIK_BOOTSTRAP_TOKEN: ADMIN_TOKEN });
config.database = databaseConfig;
const app = await buildApp(config, { database, logger: { level: 'info', stream }, schedule: false });
after(async () => {
  await app.close();
  await database.close();
});
const t: TestContext = { app, database, config, client: new TestClient(app) };

/** Every form the token could be written in: dashed, 32 hex digits, either case. */
function forms(pk: string): string[] {
  const hex = pk.replace(/-/g, '');
  return [pk, hex, pk.toUpperCase(), hex.toUpperCase()];
}

test('the request log never holds an invitation token in clear', async () => {
  const flow = await createFlow(t);
  await bindStage(t, flow.pk, (await createInvitationStage(t)).pk);
  const created = await t.client.post('/api/v3/stages/invitation/invitations/', {
    name: 'logged',
    flow: flow.pk,
  });
  assert.equal(created.status, 201);
  const pk: string = created.body.pk;
  lines.length = 0;

  const urls = [
    `/if/flow/${flow.slug}/?itoken=${pk}`,
    `/if/flow/${flow.slug}/?next=%2F&itoken=${pk.replace(/-/g, '').toUpperCase()}`,
    `/api/v3/flows/executor/${flow.slug}/?query=itoken%3D${pk}%26next%3D%252F`,
    `/api/v3/flows/executor/${flow.slug}/?query=next%3D%252F%26itoken%3D${pk}`,
    `/api/v3/stages/invitation/invitations/${pk}/`,
    // The invitation stage reads `token` as well as `itoken`.
    `/if/flow/${flow.slug}/?token=${pk}`,
    `/api/v3/flows/executor/${flow.slug}/?query=token%3D${pk}`,
  ];
  for (const url of urls)
    await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });

  const log = lines.join('');
  const logged = lines.filter((line) => line.includes('request completed'));
  assert.equal(logged.length, urls.length, 'every request was logged');
  for (const form of forms(pk)) assert.ok(!log.includes(form), `the log holds ${form}`);
  assert.ok(log.includes(maskInvitationToken(pk)), 'the masked token stays in the log');
});

test('an object-permission grant on an invitation names it masked in its audit event', async () => {
  const created = await t.client.post('/api/v3/stages/invitation/invitations/', { name: 'granted' });
  assert.equal(created.status, 201);
  const pk: string = created.body.pk;
  const role = await createRole(t);
  await assignToRole(t, role.pk, ['authentik_stages_invitation.view_invitation'], {
    model: 'authentik_stages_invitation.invitation',
    object_pk: pk,
  });
  const [event] = await query<{ context: { model: { name: string; model_name: string } } }>(
    database.db,
    sql`SELECT context FROM events
        WHERE action = 'model_created' AND context -> 'model' ->> 'model_name' = 'roleobjectpermission'
        ORDER BY created DESC LIMIT 1`,
  );
  assert.equal(
    event.context.model.name,
    `authentik_stages_invitation.view_invitation on ${maskInvitationToken(pk)}`,
  );
  // Nor does any other event written so far hold it.
  for (const form of forms(pk)) {
    const rows = await query(database.db, sql`SELECT 1 FROM events WHERE context::text LIKE ${`%${form}%`}`);
    assert.equal(rows.length, 0, `an event holds ${form}`);
  }
});
