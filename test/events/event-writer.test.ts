/**
 * The group-commit writer of audit events that no other write carries
 * (src/events/event-writer.service.ts): every caller's events are committed before its promise
 * settles, the callers that wait behind a statement share the next one, and a failed statement
 * fails its own callers only.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'drizzle-orm';
import { query } from '../../src/db/client.js';
import { EventWriter } from '../../src/events/event-writer.service.js';
import type { NewEvent } from '../../src/events/event.repository.js';
import { buildTestApp } from '../helpers/test-app.js';
import { statementCount } from '../helpers/database.js';
import { unique } from '../helpers/factories.js';

describe('event writer', async () => {
  const t = await buildTestApp();
  const { db } = t.database;

  function event(marker: string, i: number): NewEvent {
    return {
      action: 'custom_writer_test',
      app: 'tessera.test',
      user: { username: 'AnonymousUser', pk: null, email: '' },
      context: { marker, i },
      clientIp: null,
      retentionSeconds: 60,
    };
  }

  async function written(marker: string): Promise<number[]> {
    const rows = await query<{ i: number }>(
      db,
      sql`SELECT (context->>'i')::int AS i FROM events WHERE context->>'marker' = ${marker} ORDER BY created, 1`,
    );
    return rows.map((row) => row.i);
  }

  it('commits the callers waiting behind a statement together, in one more statement', async () => {
    const writer = new EventWriter(db);
    const marker = unique('group');
    const before = statementCount(t.database);
    // Each promise, as it settles, must find its own event committed.
    const seen = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        writer.write([event(marker, i)]).then(async () => (await written(marker)).includes(i)),
      ),
    );
    const inserts = statementCount(t.database) - before - seen.length;
    assert.deepEqual(seen, Array(30).fill(true));
    // The first caller's event went out alone; the 29 that arrived while it ran, in one.
    assert.equal(inserts, 2);
    assert.deepEqual(
      (await written(marker)).sort((a, b) => a - b),
      Array.from({ length: 30 }, (_, i) => i),
    );
  });

  it('fails only the caller whose event is at fault, and goes on with the next', async () => {
    const writer = new EventWriter(db);
    const marker = unique('failed');
    const broken = { ...event(marker, 0), action: null as unknown as string };
    const first = writer.write([event(marker, 1)]);
    // These two share the second statement, which the NULL action makes fail; each is then
    // tried alone.
    const second = writer.write([broken]);
    const third = writer.write([event(marker, 2)]);
    await first;
    await assert.rejects(second, /Failed query/);
    await third;
    await writer.write([event(marker, 3)]);
    assert.deepEqual((await written(marker)).sort(), [1, 2, 3]);
  });

  it('writes nothing, and takes no statement, for no events', async () => {
    const writer = new EventWriter(db);
    const before = statementCount(t.database);
    await writer.write([]);
    assert.equal(statementCount(t.database), before);
  });
});
