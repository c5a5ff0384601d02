import { sql } from 'drizzle-orm';
import { query, type Db } from '../db/client.js';

export function createRecoveryRepository(db: Db) {
  return {
    /** A `recovery` token for the user, expiring after `minutes`. */
    async insertToken(values: {
      identifier: string;
      key: string;
      userId: number;
      description: string;
      minutes: number;
    }): Promise<string> {
      const rows = await query<{ expires: string }>(
        db,
        sql`INSERT INTO tokens (identifier, key, intent, user_id, description, expiring, expires)
            VALUES (${values.identifier}, ${values.key}, 'recovery', ${values.userId}, ${values.description},
                    true, now() + make_interval(mins => ${values.minutes}))
            RETURNING drf_datetime(expires) AS expires`,
      );
      return rows[0].expires;
    },

    /**
     * Deletes the unexpired recovery token with this key and returns its active user: of
     * concurrent uses of one link, only one gets a row back. A token of an inactive user is
     * left alone.
     */
    async consumeToken(key: string): Promise<{ id: number; username: string; email: string } | undefined> {
      const rows = await query<{ id: number; username: string; email: string }>(
        db,
        sql`WITH used AS (
              DELETE FROM tokens t USING users u
              WHERE t.key = ${key} AND t.intent = 'recovery' AND u.id = t.user_id AND u.is_active
                AND (NOT t.expiring OR t.expires IS NULL OR t.expires > now())
              RETURNING u.id, u.username, u.email
            )
            SELECT id, username, email FROM used LIMIT 1`,
      );
      return rows[0];
    },
  };
}
