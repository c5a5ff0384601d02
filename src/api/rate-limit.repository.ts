/** The failure counters of src/api/rate-limit.ts, shared by every instance on the database. */
import { sql } from 'drizzle-orm';
import { query, type Db } from '../db/client.js';

/**
 * Counts one failure of `address` and returns its window's count with the seconds until the
 * window closes. A window opens at the first failure and lasts `windowSeconds`; a failure after
 * it closed opens a new one. The times are the database's, so instances with drifting clocks
 * share one window, and the upsert is one statement, so concurrent failures on any number of
 * instances each get their own count.
 */
export async function countFailure(
  db: Db,
  scope: string,
  address: string,
  windowSeconds: number,
): Promise<{ count: number; retryAfter: number }> {
  const length = sql`make_interval(secs => ${windowSeconds}::int)`;
  const rows = await query<{ count: number; retry_after: number }>(
    db,
    sql`INSERT INTO rate_limits AS r (scope, address, window_start, count, expires)
        VALUES (${scope}, ${address}, now(), 1, now() + ${length})
        ON CONFLICT (scope, address) DO UPDATE SET
          count = CASE WHEN r.expires <= now() THEN 1 ELSE r.count + 1 END,
          window_start = CASE WHEN r.expires <= now() THEN now() ELSE r.window_start END,
          expires = CASE WHEN r.expires <= now() THEN now() + ${length} ELSE r.expires END
        RETURNING count, greatest(1, ceil(extract(epoch FROM expires - now())))::int AS retry_after`,
  );
  const row = rows[0];
  return { count: Number(row.count), retryAfter: Number(row.retry_after) };
}

/** Removes windows that have ended (run by the periodic cleanup). */
export async function deleteExpiredWindows(db: Db): Promise<void> {
  await db.execute(sql`DELETE FROM rate_limits WHERE expires < now()`);
}
