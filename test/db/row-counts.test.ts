/**
 * Exact row counts maintained by triggers (migrations row_count_triggers, row_count_slots),
 * which unfiltered lists of large tables read instead of COUNT(*): they must equal COUNT(*)
 * after inserts, deletes, cascades, concurrent writers and TRUNCATE, and what they keep must
 * not grow with the number of writes counted.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'drizzle-orm';
import { query } from '../../src/db/client.js';
import { countedRowsSql, type CountedTable } from '../../src/db/list-query.js';
import { buildTestApp } from '../helpers/test-app.js';

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

  it('stays exact and a handful of rows after many writes, without VACUUM', async () => {
    const user = await newUser('row-counts-c');
    // One counted write per statement, as an API write or an audit event makes them. The
    // delta rows that these slots replace left a row behind per write.
    for (let i = 0; i < 1500; i += 1) {
      await db.execute(sql`INSERT INTO invitations (name, created_by) VALUES (${`rc-c-${i}`}, ${user})`);
    }
    await db.execute(sql`DELETE FROM invitations WHERE name LIKE 'rc-c-1%'`);
    assert.equal(await counted('invitations'), await actual('invitations'));
    // The design: a few slots per table, updated in place, however many writes were counted.
    const [rows] = await query<{ n: string | number }>(
      db,
      sql`SELECT count(*) AS n FROM row_count_slots WHERE table_name = 'invitations'`,
    );
    assert.ok(Number(rows.n) <= 8, `row_count_slots holds ${rows.n} rows for invitations`);
    // Their dead versions are pruned as the page fills, without VACUUM. On PostgreSQL pruning
    // waits for every snapshot of the database (an autovacuum ANALYZE of any table holds one),
    // so the size is only deterministic on the embedded database, which runs one at a time.
    if (t.database.kind === 'pglite') {
      const [size] = await query<{ pages: string | number }>(
        db,
        sql`SELECT pg_relation_size('row_count_slots') / current_setting('block_size')::int AS pages`,
      );
      assert.ok(Number(size.pages) <= 3, `row_count_slots grew to ${size.pages} pages`);
    }
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

  it(
    'lets a writer through while other transactions hold every slot',
    // PGlite runs one transaction at a time, so writers there never hold slots at once.
    { skip: t.database.kind !== 'postgres' },
    async () => {
      const user = await newUser('row-counts-e');
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let holding = 0;
      let allHolding!: () => void;
      const allHeld = new Promise<void>((resolve) => (allHolding = resolve));
      const holders = Array.from({ length: 3 }, (_, i) =>
        db.transaction(async (tx) => {
          await tx.execute(
            sql`INSERT INTO invitations (name, created_by) VALUES (${`rc-e-held-${i}`}, ${user})`,
          );
          holding += 1;
          if (holding === 3) allHolding();
          await released;
        }),
      );
      await allHeld;
      // Every slot that existed may now be held: this write must find or add a free one
      // rather than wait for a commit that waits for it.
      const writer = addInvitations(user, 2, 'rc-e-free-');
      const outcome = await Promise.race([
        writer.then(() => 'written'),
        new Promise((resolve) => setTimeout(resolve, 5000, 'waited')),
      ]);
      release();
      await Promise.all([...holders, writer]);
      assert.equal(outcome, 'written');
      assert.equal(await counted('invitations'), await actual('invitations'));
    },
  );

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
