import { sql, type SQL } from 'drizzle-orm';

/**
 * `is_superuser` of a user: membership of a superuser group, directly or through a group's
 * ancestors (authentik's User.is_superuser over all_groups()).
 */
export function isSuperuserSql(userIdColumn: SQL): SQL {
  return sql`EXISTS (
    WITH RECURSIVE group_tree AS (
      SELECT group_uuid FROM user_groups WHERE user_id = ${userIdColumn}
      UNION
      SELECT gp.parent_uuid FROM group_parents gp JOIN group_tree t ON gp.group_uuid = t.group_uuid
    )
    SELECT 1 FROM groups g JOIN group_tree t ON g.group_uuid = t.group_uuid WHERE g.is_superuser
  )`;
}
