/**
 * Exact row counts maintained by triggers (migration row_count_triggers), which unfiltered
 * lists of large tables read instead of COUNT(*): they must equal COUNT(*) after inserts,
 * deletes, cascades, folding and TRUNCATE.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'drizzle-orm';
import { query } from '../src/db/client.js';
import { countedRowsSql, type CountedTable } from '../src/db/list-query.js';
import { buildTestApp } from './helpers/test-app.js';

describe('row counts', async () => {
  const t = await buildTestApp();
  const { db } = t.database;

  async function counted(table: CountedTable): Promise<number> {
    const [row] = await query<{ n: string | number }>(db, sql`SELECT ${countedRowsSql(table)} AS n`);
    return Number(row.n);
  }
  async function actual(table: CountedTable): Promise<number> {
    const [row] = await query<{ n: string | number }>(db, sql`SELECT count(*) AS n FROM ${sql.raw(table)}`);
    return Number(row.n);
  }
  async function newUser(username: string): Promise<number> {
    const [row] = await query<{ id: number }>(
      db,
      sql`INSERT INTO users (username) VALUES (${username}) RETURNING id`,
    );
    return row.id;
  }
  async function addInvitations(userId: number, count: number, prefix: string): Promise<void> {
    await db.execute(
      sql`INSERT INTO invitations (name, created_by) SELECT ${prefix} || g, ${userId} FROM generate_series(1, ${count}) g`,
    );
  }

  it('follows multi-row inserts and deletes', async () => {
    const user = await newUser('row-counts-a');
    await addInvitations(user, 25, 'rc-a-');
    assert.equal(await counted('invitations'), await actual('invitations'));
    await db.execute(sql`DELETE FROM invitations WHERE name IN ('rc-a-1', 'rc-a-2', 'rc-a-3')`);
    assert.equal(await counted('invitations'), await actual('invitations'));
    // A statement that changes nothing changes nothing.
    await db.execute(sql`DELETE FROM invitations WHERE name = 'no such invitation'`);
    assert.equal(await counted('invitations'), await actual('invitations'));
  });

  it('follows rows deleted by a foreign-key cascade', async () => {
    const user = await newUser('row-counts-b');
    await addInvitations(user, 7, 'rc-b-');
    await db.execute(sql`DELETE FROM users WHERE id = ${user}`);
    assert.equal(await counted('invitations'), await actual('invitations'));
  });

  it('stays exact when deltas are folded, and keeps few rows', async () => {
    const user = await newUser('row-counts-c');
    for (let i = 0; i < 150; i += 1) await addInvitations(user, 1 + (i % 3), `rc-c-${i}-`);
    await db.execute(sql`DELETE FROM invitations WHERE name LIKE 'rc-c-1%'`);
    assert.equal(await counted('invitations'), await actual('invitations'));
    const [rows] = await query<{ n: string | number }>(
      db,
      sql`SELECT count(*) AS n FROM row_counts WHERE table_name = 'invitations'`,
    );
    assert.ok(Number(rows.n) <= 64, `row_counts holds ${rows.n} rows for invitations`);
  });

  it('follows a rolled-back transaction and concurrent writers', async () => {
    const user = await newUser('row-counts-d');
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.execute(sql`INSERT INTO invitations (name, created_by) VALUES ('rc-d-rollback', ${user})`);
        throw new Error('roll back');
      }),
    );
    await Promise.all(Array.from({ length: 8 }, (_, i) => addInvitations(user, 3, `rc-d-${i}-`)));
    assert.equal(await counted('invitations'), await actual('invitations'));
  });

  it('counts events and invitation stages too, and resets on TRUNCATE', async () => {
    await t.client.post('/api/v3/stages/invitation/stages/', { name: 'row-counts-stage' });
    assert.equal(await counted('invitation_stages'), await actual('invitation_stages'));
    assert.equal(await counted('events'), await actual('events'));
    await db.execute(sql`TRUNCATE events`);
    assert.equal(await counted('events'), 0);
    await db.execute(
      sql`INSERT INTO events (action, app, expires) SELECT 'custom', 'test', now() FROM generate_series(1, 5)`,
    );
    assert.equal(await counted('events'), 5);
  });

  it('gives unfiltered lists the same total as a filtered count', async () => {
    const list = await t.client.get('/api/v3/stages/invitation/stages/?page_size=1');
    assert.equal(list.status, 200);
    assert.equal(list.body.pagination.count, await actual('invitation_stages'));
  });
});
