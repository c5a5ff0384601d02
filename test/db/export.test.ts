/**
 * The move from the embedded database to PostgreSQL (docs/operations.md): seed PGlite through
 * the API, export it, load the dump with psql into a fresh PostgreSQL database, start Tessera
 * there, and find every object, user, password and token working. Uses the machine's server
 * and psql, whichever database the rest of the suite runs on.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { openDatabase, query } from '../../src/db/client.js';
import { exportEmbeddedDatabase } from '../../src/db/export.js';
import { verifyPassword } from '../../src/core/users/password.js';
import { pgliteConfig, scratchDatabase, serverSettings } from '../helpers/database.js';
import { answers, buildEnrollmentFlow, createInvitation } from '../helpers/enrollment.js';
import { createGroup, unique } from '../helpers/factories.js';
import { FlowBrowser } from '../helpers/flow-client.js';
import { requireServices } from '../helpers/services.js';
import { ADMIN_TOKEN, TestClient, type TestContext } from '../helpers/test-app.js';

const skip = await requireServices({ postgresql: serverSettings().port });

const folder = mkdtempSync(path.join(tmpdir(), 'tessera-export-'));
after(() => rmSync(folder, { recursive: true, force: true }));
const dataDir = path.join(folder, 'data');
const dumpFile = path.join(folder, 'tessera.sql');

/** What the embedded instance held, to be found again on PostgreSQL. */
interface Seeded {
  group: { pk: string; name: string };
  flowSlug: string;
  username: string;
  password: string;
  apiKey: string;
  invitationPk: string;
}

async function seedEmbedded(): Promise<Seeded> {
  const config = loadConfig({ AUTHENTIK_BOOTSTRAP_TOKEN: ADMIN_TOKEN, TESSERA_DATA_DIR: dataDir });
  config.database = pgliteConfig(dataDir);
  const database = await openDatabase(config.database);
  const app = await buildApp(config, { database, logger: false, schedule: false });
  try {
    const t = { app, database, config, client: new TestClient(app) } as TestContext;
    const group = await createGroup(t);
    const e = await buildEnrollmentFlow(t);
    // A user made the way users are: enrolling through an invitation, with a password.
    const enrolled = await createInvitation(t, { flow: e.flow.pk, single_use: true });
    const username = unique('moved');
    const browser = new FlowBrowser(app);
    await browser.get(e.flow.slug, `itoken=${enrolled.pk}`);
    const done = await browser.post(e.flow.slug, answers(username), `itoken=${enrolled.pk}`);
    assert.equal(done.body.component, 'xak-flow-redirect');
    const identifier = unique('token');
    assert.equal((await t.client.post('/api/v3/core/tokens/', { identifier, intent: 'api' })).status, 201);
    const apiKey = (await t.client.get(`/api/v3/core/tokens/${identifier}/view_key/`)).body.key as string;
    const pending = await createInvitation(t, { flow: e.flow.pk });
    return {
      group,
      flowSlug: e.flow.slug,
      username,
      password: answers(username).password as string,
      apiKey,
      invitationPk: pending.pk,
    };
  } finally {
    await app.close();
    await database.close();
  }
}

test(
  'an embedded database exported and loaded with psql keeps its objects, users, passwords and tokens',
  { skip },
  async () => {
    const seeded = await seedEmbedded();
    assert.ok((await exportEmbeddedDatabase(dataDir, dumpFile)) > 0);
    assert.match(readFileSync(dumpFile, 'utf8'), /PostgreSQL database dump/);

    const target = await scratchDatabase();
    after(() => target.drop());
    const server = serverSettings();
    const loaded = spawnSync(
      'psql',
      [
        '-v',
        'ON_ERROR_STOP=1',
        '-q',
        '-h',
        server.host,
        '-p',
        String(server.port),
        '-U',
        server.user,
        '-f',
        dumpFile,
      ],
      { encoding: 'utf8', env: { ...process.env, PGDATABASE: target.name } },
    );
    assert.equal(loaded.status, 0, loaded.stderr);

    // Tessera on the loaded database, without a bootstrap token: what works was moved.
    const config = loadConfig({
      AUTHENTIK_POSTGRESQL__HOST: server.host,
      AUTHENTIK_POSTGRESQL__PORT: String(server.port),
      AUTHENTIK_POSTGRESQL__USER: server.user,
      AUTHENTIK_POSTGRESQL__NAME: target.name,
    });
    const database = await openDatabase(config.database);
    const app = await buildApp(config, { database, logger: false, schedule: false });
    after(async () => {
      await app.close();
      await database.close();
    });
    const client = new TestClient(app, seeded.apiKey);

    const groups = await client.get(`/api/v3/core/groups/?search=${seeded.group.name}`);
    assert.equal(groups.status, 200);
    assert.deepEqual(
      groups.body.results.map((g: { pk: string }) => g.pk),
      [seeded.group.pk],
    );
    assert.equal((await client.get(`/api/v3/flows/instances/${seeded.flowSlug}/`)).status, 200);
    assert.equal(
      (await client.get(`/api/v3/stages/invitation/invitations/${seeded.invitationPk}/`)).status,
      200,
    );
    assert.equal((await client.as(ADMIN_TOKEN).get('/api/v3/core/users/me/')).body.user.username, 'akadmin');

    const users = await client.get(`/api/v3/core/users/?username=${seeded.username}`);
    assert.equal(users.body.results.length, 1);
    const [row] = await query<{ password: string }>(
      database.db,
      sql`SELECT password FROM users WHERE username = ${seeded.username}`,
    );
    assert.equal(await verifyPassword(seeded.password, row.password), true);
    assert.equal(await verifyPassword('not the password', row.password), false);

    // Sequences came along: new rows get fresh keys.
    assert.equal((await client.post('/api/v3/core/groups/', { name: unique('after-move') })).status, 201);
    assert.equal(
      (await client.post('/api/v3/core/users/', { username: unique('after-move'), name: 'x' })).status,
      201,
    );
  },
);
