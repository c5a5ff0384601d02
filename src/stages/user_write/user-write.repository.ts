import { sql } from 'drizzle-orm';
import { query, type Db } from '../../db/client.js';

export interface UserWriteSettings {
  user_creation_mode: string;
  create_users_as_inactive: boolean;
  create_users_group: string | null;
  user_type: string;
  user_path_template: string;
}

export interface UserValues {
  username: string;
  name: string;
  email: string;
  is_active: boolean;
  path: string;
  type: string;
  attributes: Record<string, unknown>;
  /** An encoded hash, or undefined to leave the password alone. */
  password?: string;
}

export interface ExistingUser extends Omit<UserValues, 'password'> {
  id: number;
}

/** The settings as a JSON expression over the `stages` row `s` (StageHandler.planSettingsSql). */
export const USER_WRITE_SETTINGS_SQL = sql`(SELECT json_build_object(
    'user_creation_mode', w.user_creation_mode, 'create_users_as_inactive', w.create_users_as_inactive,
    'create_users_group', w.create_users_group::text, 'user_type', w.user_type,
    'user_path_template', w.user_path_template)
  FROM user_write_stages w WHERE w.stage_uuid = s.stage_uuid)`;

export function createUserWriteRepository(db: Db) {
  return {
    async user(id: number): Promise<ExistingUser | undefined> {
      const rows = await query<ExistingUser>(
        db,
        sql`SELECT id, username, name, email, is_active, path, type, attributes FROM users WHERE id = ${id}`,
      );
      return rows[0];
    },

    /** Inserts the user; undefined when the username is taken (a concurrent enrollment). */
    async insert(v: UserValues): Promise<number | undefined> {
      const rows = await query<{ id: number }>(
        db,
        sql`INSERT INTO users (username, name, email, is_active, path, type, attributes, password, password_change_date)
            VALUES (${v.username}, ${v.name}, ${v.email}, ${v.is_active}, ${v.path}, ${v.type},
                    ${JSON.stringify(v.attributes)}::jsonb, ${v.password ?? null}, now())
            ON CONFLICT (username) DO NOTHING RETURNING id`,
      );
      return rows[0]?.id;
    },

    /** Updates the user; false when the new username belongs to someone else. */
    async update(id: number, v: UserValues): Promise<boolean> {
      const rows = await query<{ id: number }>(
        db,
        sql`UPDATE users SET username = ${v.username}, name = ${v.name}, email = ${v.email},
                   is_active = ${v.is_active}, path = ${v.path}, type = ${v.type},
                   attributes = ${JSON.stringify(v.attributes)}::jsonb, last_updated = now()
                   ${v.password !== undefined ? sql`, password = ${v.password}, password_change_date = now()` : sql``}
            WHERE id = ${id}
              AND NOT EXISTS (SELECT 1 FROM users o WHERE o.username = ${v.username} AND o.id <> ${id})
            RETURNING id`,
      );
      return rows.length > 0;
    },

    async addToGroup(userId: number, groupUuid: string): Promise<void> {
      await db.execute(
        sql`INSERT INTO user_groups (user_id, group_uuid)
            SELECT ${userId}, group_uuid FROM groups WHERE group_uuid = ${groupUuid}
            ON CONFLICT DO NOTHING`,
      );
    },
  };
}

/** Whether a group exists (the stage's `create_users_group` must name one). */
export async function groupExists(db: Db, pk: string): Promise<boolean> {
  return (await query(db, sql`SELECT 1 FROM groups WHERE group_uuid = ${pk}`)).length > 0;
}
