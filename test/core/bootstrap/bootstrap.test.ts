/**
 * Start-up provisioning is idempotent across restarts (authentik re-applies its bootstrap
 * blueprint on every start): the same akadmin, one superuser group, one bootstrap token whose
 * key follows AUTHENTIK_BOOTSTRAP_TOKEN, the password and email following their settings, the
 * install id kept. On PGlite the app really restarts on the same data folder; on PostgreSQL it
 * is built twice on the same database.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/app.js';
import { loadConfig } from '../../../src/config.js';
import { query, type Database } from '../../../src/db/client.js';
import { verifyPassword } from '../../../src/core/users/password.js';
import { openTestDatabase, usePostgres } from '../../helpers/database.js';

const folder = mkdtempSync(path.join(tmpdir(), 'tessera-bootstrap-'));
let shared: Database | undefined;
if (usePostgres) shared = (await openTestDatabase()).database;
after(async () => {
  await shared?.close();
  rmSync(folder, { recursive: true, force: true });
});

/** Starts the app with these bootstrap settings, runs `check`, and stops it again. */
async function withApp<T>(
  env: Record<string, string>,
  check: (app: FastifyInstance) => Promise<T>,
): Promise<T> {
  const config = loadConfig({ TESSERA_DATA_DIR: folder, ...env });
  const app = await buildApp(config, { logger: false, schedule: false, database: shared });
  await app.ready();
  try {
    return await check(app);
  } finally {
    await app.close();
  }
}

interface AdminRow {
  id: number;
  uuid: string;
  password: string | null;
  email: string;
  is_active: boolean;
  password_change_date: string | null;
}

async function admin(app: FastifyInstance): Promise<AdminRow> {
  const rows = await query<AdminRow>(
    app.database.db,
    sql`SELECT id, uuid, password, email, is_active, password_change_date::text AS password_change_date
        FROM users WHERE username = 'akadmin'`,
  );
  assert.equal(rows.length, 1);
  return rows[0];
}

async function count(app: FastifyInstance, statement: ReturnType<typeof sql>): Promise<number> {
  const rows = await query<{ n: string | number }>(app.database.db, statement);
  return Number(rows[0].n);
}

async function listAs(app: FastifyInstance, token: string): Promise<number> {
  const response = await app.inject({
    method: 'GET',
    url: '/api/v3/stages/invitation/stages/',
    headers: { authorization: `Bearer ${token}` },
  });
  return response.statusCode;
}

describe('bootstrap across restarts', () => {
  test('first start: akadmin in the superuser group, the token, the password and email', async () => {
    await withApp(
      {
        AUTHENTIK_BOOTSTRAP_TOKEN: 'first-token',
        AUTHENTIK_BOOTSTRAP_PASSWORD: 'first-password',
        AUTHENTIK_BOOTSTRAP_EMAIL: 'admin@example.com',
      },
      async (app) => {
        const row = await admin(app);
        assert.ok(await verifyPassword('first-password', row.password));
        assert.equal(row.email, 'admin@example.com');
        assert.equal(await listAs(app, 'first-token'), 200);
        assert.equal(
          await count(
            app,
            sql`SELECT count(*) AS n FROM user_groups ug JOIN groups g ON g.group_uuid = ug.group_uuid
                WHERE ug.user_id = ${row.id} AND g.name = 'authentik Admins' AND g.is_superuser`,
          ),
          1,
        );
        const tokens = await query<{ intent: string; expiring: boolean; expires: string | null }>(
          app.database.db,
          sql`SELECT intent, expiring, expires FROM tokens WHERE identifier = 'authentik-bootstrap-token'`,
        );
        assert.deepEqual(tokens, [{ intent: 'api', expiring: false, expires: null }]);
      },
    );
  });

  test('a restart with the same settings changes nothing that matters and duplicates nothing', async () => {
    const before = await withApp({ AUTHENTIK_BOOTSTRAP_TOKEN: 'first-token' }, async (app) => ({
      admin: await admin(app),
      installId: app.installId,
    }));
    await withApp(
      { AUTHENTIK_BOOTSTRAP_TOKEN: 'first-token', AUTHENTIK_BOOTSTRAP_PASSWORD: 'first-password' },
      async (app) => {
        const row = await admin(app);
        assert.equal(row.id, before.admin.id);
        assert.equal(row.uuid, before.admin.uuid);
        // Without AUTHENTIK_BOOTSTRAP_EMAIL the stored email stays.
        assert.equal(row.email, 'admin@example.com');
        assert.equal(app.installId, before.installId);
        assert.equal(await listAs(app, 'first-token'), 200);
        assert.equal(await count(app, sql`SELECT count(*) AS n FROM users WHERE username = 'akadmin'`), 1);
        assert.equal(
          await count(app, sql`SELECT count(*) AS n FROM groups WHERE name = 'authentik Admins'`),
          1,
        );
        assert.equal(
          await count(
            app,
            sql`SELECT count(*) AS n FROM tokens WHERE identifier = 'authentik-bootstrap-token'`,
          ),
          1,
        );
      },
    );
  });

  test('data created between restarts survives; a new password and token replace the old ones', async () => {
    const stage = await withApp({ AUTHENTIK_BOOTSTRAP_TOKEN: 'first-token' }, async (app) => {
      const response = await app.inject({
        method: 'POST',
        url: '/api/v3/stages/invitation/stages/',
        headers: { authorization: 'Bearer first-token', 'content-type': 'application/json' },
        payload: JSON.stringify({ name: 'survives-restart' }),
      });
      assert.equal(response.statusCode, 201);
      return JSON.parse(response.body) as { pk: string };
    });
    await withApp(
      {
        AUTHENTIK_BOOTSTRAP_TOKEN: 'second-token',
        AUTHENTIK_BOOTSTRAP_PASSWORD: 'second-password',
        AUTHENTIK_BOOTSTRAP_EMAIL: 'root@example.com',
      },
      async (app) => {
        const row = await admin(app);
        assert.ok(await verifyPassword('second-password', row.password));
        assert.ok(!(await verifyPassword('first-password', row.password)));
        assert.equal(row.email, 'root@example.com');
        assert.ok(row.password_change_date);
        assert.equal(await listAs(app, 'second-token'), 200);
        assert.equal(await listAs(app, 'first-token'), 403);
        const response = await app.inject({
          method: 'GET',
          url: `/api/v3/stages/invitation/stages/${stage.pk}/`,
          headers: { authorization: 'Bearer second-token' },
        });
        assert.equal(JSON.parse(response.body).name, 'survives-restart');
      },
    );
  });

  test('a restart without a bootstrap token keeps the existing one (authentik never deletes it)', async () => {
    await withApp({}, async (app) => {
      assert.equal(await listAs(app, 'second-token'), 200);
      const row = await admin(app);
      assert.ok(await verifyPassword('second-password', row.password));
    });
  });

  test('a deactivated akadmin is reactivated on start', async () => {
    await withApp({ AUTHENTIK_BOOTSTRAP_TOKEN: 'second-token' }, async (app) => {
      await app.database.db.execute(sql`UPDATE users SET is_active = false WHERE username = 'akadmin'`);
      assert.equal(await listAs(app, 'second-token'), 403);
    });
    await withApp({ AUTHENTIK_BOOTSTRAP_TOKEN: 'second-token' }, async (app) => {
      assert.equal((await admin(app)).is_active, true);
      assert.equal(await listAs(app, 'second-token'), 200);
    });
  });
});
