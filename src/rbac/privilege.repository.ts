import { sql, type SQL } from 'drizzle-orm';
import { query, type Db } from '../db/client.js';
import { uuidArray } from '../db/list-query.js';
import type { Grant } from '../api/context.js';
import { isSuperuserSql } from '../db/user-identity.sql.js';
import { groupTreeSql } from '../db/group-tree.sql.js';

/** What a membership, a role or a user carries: superuser status and permission grants. */
export interface Privileges {
  superuser: boolean;
  grants: Grant[];
}

/** The groups and all their ancestors (authentik's Group.with_ancestors()). */
function withAncestors(groupPks: string[]): SQL {
  return groupTreeSql(sql`SELECT unnest(${uuidArray(groupPks)}) AS group_uuid`);
}

function grantsOfRoles(roleSet: SQL): SQL {
  return sql`SELECT DISTINCT p.app_label || '.' || p.codename AS permission, g.object_pk
    FROM permission_grants g JOIN permissions p ON p.id = g.permission_id
    WHERE g.role_uuid IN (${roleSet})`;
}

export function createPrivilegeRepository(db: Db) {
  const grants = async (statement: SQL): Promise<Grant[]> =>
    (await query<{ permission: string; object_pk: string | null }>(db, statement)).map((row) => ({
      permission: row.permission,
      objectPk: row.object_pk,
    }));
  return {
    /**
     * What membership of these groups gives a user: superuser status when any of them or an
     * ancestor is a superuser group, and the grants of the roles of the groups and ancestors.
     */
    async conferredByGroups(groupPks: string[]): Promise<Privileges> {
      if (groupPks.length === 0) return { superuser: false, grants: [] };
      const [row] = await query<{ superuser: boolean }>(
        db,
        sql`SELECT EXISTS (SELECT 1 FROM groups WHERE is_superuser
              AND group_uuid IN (${withAncestors(groupPks)})) AS superuser`,
      );
      return {
        superuser: row.superuser,
        grants: await grants(
          grantsOfRoles(
            sql`SELECT role_uuid FROM group_roles WHERE group_uuid IN (${withAncestors(groupPks)})`,
          ),
        ),
      };
    },

    /** The grants these roles carry, global and object-level. */
    async carriedByRoles(rolePks: string[]): Promise<Grant[]> {
      if (rolePks.length === 0) return [];
      return grants(grantsOfRoles(sql`SELECT unnest(${uuidArray(rolePks)})`));
    },

    /**
     * The authority a user holds: superuser status and the grants of their roles, their own and
     * those of their groups and ancestors. Grants made to the user directly are left out: Tessera
     * makes them only on tokens the user created (authentik's perform_create assign_perm), and
     * they reach nothing beyond the account itself.
     */
    async heldByUser(userId: number): Promise<Privileges> {
      const [row] = await query<{ superuser: boolean }>(
        db,
        sql`SELECT ${isSuperuserSql(sql`${userId}::int`)} AS superuser`,
      );
      const groups = groupTreeSql(sql`SELECT group_uuid FROM user_groups WHERE user_id = ${userId}`);
      return {
        superuser: row.superuser,
        grants: await grants(
          grantsOfRoles(sql`SELECT role_uuid FROM user_roles WHERE user_id = ${userId}
            UNION SELECT role_uuid FROM group_roles WHERE group_uuid IN (${groups})`),
        ),
      };
    },
  };
}
