import { sql, type SQL } from 'drizzle-orm';

/**
 * The groups `start` selects (one `group_uuid` column) and all their ancestors: authentik's
 * Group.with_ancestors(), through which members inherit a group's roles, superuser status and
 * attributes.
 */
export function groupTreeSql(start: SQL): SQL {
  return sql`WITH RECURSIVE tree AS (
      ${start}
      UNION
      SELECT gp.parent_uuid FROM group_parents gp JOIN tree t ON gp.group_uuid = t.group_uuid
    ) SELECT group_uuid FROM tree`;
}
