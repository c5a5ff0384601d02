import { sql } from 'drizzle-orm';
import { query, type Db } from '../../db/client.js';

export function createInterfaceRepository(db: Db) {
  return {
    /** The names of the user's direct groups, by name. */
    async groupNames(userId: number): Promise<string[]> {
      const rows = await query<{ name: string }>(
        db,
        sql`SELECT g.name FROM user_groups ug JOIN groups g ON g.group_uuid = ug.group_uuid
            WHERE ug.user_id = ${userId} ORDER BY g.name`,
      );
      return rows.map((row) => row.name);
    },
  };
}
