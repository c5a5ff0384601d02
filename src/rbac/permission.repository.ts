import { sql } from 'drizzle-orm';
import { query, type Db } from '../db/client.js';
import type { Grant } from '../api/context.js';
import { withoutPrototype } from '../api/safe-objects.js';

/**
 * Every grant a user holds: directly, through roles given to the user, and through roles of
 * the user's groups and those groups' ancestors (authentik's Group.parents).
 */
export async function loadUserGrants(db: Db, userId: number): Promise<Grant[]> {
  const rows = await query<{ permission: string; object_pk: string | null }>(
    db,
    sql`
      WITH RECURSIVE group_tree AS (
        SELECT group_uuid FROM user_groups WHERE user_id = ${userId}
        UNION
        SELECT gp.parent_uuid FROM group_parents gp JOIN group_tree t ON gp.group_uuid = t.group_uuid
      ), role_set AS (
        SELECT role_uuid FROM user_roles WHERE user_id = ${userId}
        UNION
        SELECT role_uuid FROM group_roles WHERE group_uuid IN (SELECT group_uuid FROM group_tree)
      )
      SELECT p.app_label || '.' || p.codename AS permission, g.object_pk
      FROM permission_grants g JOIN permissions p ON p.id = g.permission_id
      WHERE g.user_id = ${userId} OR g.role_uuid IN (SELECT role_uuid FROM role_set)`,
  );
  return rows.map((row) => withoutPrototype({ permission: row.permission, objectPk: row.object_pk }));
}
