/**
 * The embedded PGlite runs on a worker thread (src/db/pglite-thread.ts). These tests open real
 * data folders through openDatabase, as `npm start` does, and check what crosses the thread:
 * statements held until the migrations are done, transactions, errors with their SQLSTATE,
 * notifications, and data that outlives a restart.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { openDatabase, query, type Database } from '../../src/db/client.js';
import { PgliteThread } from '../../src/db/pglite-thread.js';
import type { DatabaseConfig } from '../../src/config.js';
import { pgliteConfig, settleChanges } from '../helpers/database.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'tessera-pglite-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function folderConfig(name: string): DatabaseConfig {
  return pgliteConfig(path.join(scratch, name));
}

async function groupNames(database: Database): Promise<string[]> {
  const rows = await query<{ name: string }>(database.db, sql`SELECT name FROM groups ORDER BY name`);
  return rows.map((row) => row.name);
}

describe('the embedded database on its own thread', () => {
  test('statements sent before a new data folder is open wait for its migrations, and outlive a restart', async () => {
    const config = folderConfig('fresh');
    const database = await openDatabase(config);
    try {
      let ready = false;
      void database.ready.then(() => (ready = true));
      // Sent at once: the table only exists once the migrations have run.
      const inserted = query<{ name: string }>(
        database.db,
        sql`INSERT INTO groups (name) VALUES ('before ready') RETURNING name`,
      );
      assert.equal(ready, false, 'openDatabase returned before the database was open');
      assert.deepEqual(await inserted, [{ name: 'before ready' }]);
      assert.equal(ready, true);
    } finally {
      await database.close();
    }

    const reopened = await openDatabase(config);
    try {
      assert.deepEqual(await groupNames(reopened), ['before ready']);
    } finally {
      await reopened.close();
    }
  });

  test("PostgreSQL starts with 8 MB of shared buffers, not the 128 MB PGlite's build asks for", async () => {
    const database = await openDatabase(folderConfig('buffers'));
    try {
      const rows = await query<{ shared_buffers: string }>(database.db, sql`SHOW shared_buffers`);
      assert.deepEqual(rows, [{ shared_buffers: '8MB' }]);
    } finally {
      await database.close();
    }
  });

  test('a new data folder starts from the template `npm run build` makes, with every migration applied and only the database PGlite opens', async () => {
    const template = path.join(scratch, 'template.tar.gz');
    // scripts/ is plain JavaScript, outside the type-checked sources.
    const script: string = '../../scripts/pglite-template.mjs';
    const { buildPgliteTemplate } = (await import(script)) as {
      buildPgliteTemplate(file: string): Promise<void>;
    };
    await buildPgliteTemplate(template);
    const dataDir = path.join(scratch, 'from-template');
    const thread = new PgliteThread({ dataDir, template });
    try {
      await thread.opened;
      const applied = await thread.direct.query(
        'SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations',
      );
      const journal = JSON.parse(readFileSync('drizzle/meta/_journal.json', 'utf8')) as {
        entries: unknown[];
      };
      assert.deepEqual(applied.rows, [{ n: journal.entries.length }]);
      // PGlite opens template1 only; initdb's other databases are not written out.
      const databases = await thread.direct.query('SELECT datname FROM pg_database ORDER BY datname');
      assert.deepEqual(databases.rows, [{ datname: 'template1' }]);
    } finally {
      await thread.close();
    }
    assert.equal(existsSync(path.join(dataDir, 'PG_VERSION')), true);
  });

  test('a failed statement rolls its transaction back, and its error keeps SQLSTATE and constraint', async () => {
    const database = await openDatabase(folderConfig('errors'));
    try {
      await query(database.db, sql`INSERT INTO groups (name) VALUES ('taken')`);
      const failure = await database.db
        .transaction(async (tx) => {
          await query(tx, sql`INSERT INTO groups (name) VALUES ('rolled back')`);
          await query(tx, sql`INSERT INTO groups (name) VALUES ('taken')`);
        })
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      const cause = (failure as { cause?: { code?: string; constraint?: string } }).cause ?? failure;
      assert.equal((cause as { code?: string }).code, '23505');
      assert.equal((cause as { constraint?: string }).constraint, 'groups_name_key');
      assert.deepEqual(await groupNames(database), ['taken']);

      // A transaction that returns commits; one that throws leaves nothing behind.
      await database.db.transaction(async (tx) => {
        await query(tx, sql`INSERT INTO groups (name) VALUES ('committed')`);
      });
      await assert.rejects(
        database.db.transaction(async (tx) => {
          await query(tx, sql`INSERT INTO groups (name) VALUES ('thrown')`);
          throw new Error('changed my mind');
        }),
        /changed my mind/,
      );
      assert.deepEqual(await groupNames(database), ['committed', 'taken']);
    } finally {
      await database.close();
    }
  });

  test('change notifications cross the thread', async () => {
    const database = await openDatabase(folderConfig('notify'));
    try {
      await database.ready;
      await query(
        database.db,
        sql`INSERT INTO flows (name, slug, title, designation) VALUES ('f', 'f', 'f', 'enrollment')`,
      );
      await settleChanges(database);
      const topics: string[] = [];
      const unsubscribe = database.changes.subscribe('flows', () => topics.push('flows'));
      // A new flow is in no cache; a changed one is announced (migration 0007).
      await query(database.db, sql`UPDATE flows SET title = 'retitled' WHERE slug = 'f'`);
      await settleChanges(database);
      unsubscribe();
      assert.ok(topics.length > 0, 'a flow change reached the flows topic');
    } finally {
      await database.close();
    }
  });
});
