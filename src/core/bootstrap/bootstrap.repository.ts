import { sql } from 'drizzle-orm';
import { query, type Db } from '../../db/client.js';
import type { PermissionEntry } from '../../rbac/permission-catalogue.js';

/**
 * Every statement here leaves an unchanged row alone (an upsert's `WHERE`), so a restart on an
 * unchanged database writes nothing: no dead tuples, no WAL, a commit with nothing to flush.
 */
export function createBootstrapRepository(db: Db) {
  return {
    async syncPermissions(entries: PermissionEntry[]): Promise<void> {
      if (entries.length === 0) return;
      const values = sql.join(
        entries.map((e) => sql`(${e.app}, ${e.model}, ${e.codename}, ${e.name})`),
        sql`, `,
      );
      await db.execute(
        sql`INSERT INTO permissions (app_label, model, codename, name) VALUES ${values}
            ON CONFLICT (app_label, codename) DO UPDATE SET name = EXCLUDED.name, model = EXCLUDED.model
            WHERE (permissions.name, permissions.model) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.model)`,
      );
    },

    async ensureSetting(key: string, value: unknown): Promise<unknown> {
      const rows = await query<{ value: unknown }>(
        db,
        sql`WITH ins AS (
              INSERT INTO system_settings (key, value) VALUES (${key}, ${JSON.stringify(value)}::jsonb)
              ON CONFLICT (key) DO NOTHING RETURNING value)
            SELECT value FROM ins UNION ALL SELECT value FROM system_settings WHERE key = ${key} LIMIT 1`,
      );
      return rows[0].value;
    },

    async ensureSuperuserGroup(name: string): Promise<string> {
      const rows = await query<{ group_uuid: string }>(
        db,
        sql`WITH up AS (
              INSERT INTO groups (name, is_superuser) VALUES (${name}, true)
              ON CONFLICT (name) DO UPDATE SET is_superuser = true WHERE NOT groups.is_superuser
              RETURNING group_uuid)
            SELECT group_uuid FROM up UNION ALL SELECT group_uuid FROM groups WHERE name = ${name} LIMIT 1`,
      );
      return rows[0].group_uuid;
    },

    async upsertAdmin(values: {
      username: string;
      name: string;
      email: string | undefined;
      passwordHash: string | undefined;
    }): Promise<number> {
      const email = values.email ?? null;
      const password = values.passwordHash ?? null;
      const rows = await query<{ id: number }>(
        db,
        sql`WITH up AS (
              INSERT INTO users (username, name, email, password, path, type)
              VALUES (${values.username}, ${values.name}, ${values.email ?? ''}, ${password}, 'users', 'internal')
              ON CONFLICT (username) DO UPDATE SET
                email = coalesce(${email}::text, users.email),
                password = coalesce(${password}::text, users.password),
                password_change_date = CASE WHEN ${password}::text IS NULL
                  THEN users.password_change_date ELSE now() END,
                is_active = true
              WHERE NOT users.is_active OR ${password}::text IS NOT NULL
                OR users.email IS DISTINCT FROM coalesce(${email}::text, users.email)
              RETURNING id)
            SELECT id FROM up UNION ALL SELECT id FROM users WHERE username = ${values.username} LIMIT 1`,
      );
      return rows[0].id;
    },

    async addToGroup(userId: number, groupUuid: string): Promise<void> {
      await db.execute(
        sql`INSERT INTO user_groups (user_id, group_uuid) VALUES (${userId}, ${groupUuid}) ON CONFLICT DO NOTHING`,
      );
    },

    async upsertToken(values: { identifier: string; key: string; userId: number; description: string }) {
      await db.execute(
        sql`INSERT INTO tokens (identifier, key, intent, user_id, description, expiring, expires)
            VALUES (${values.identifier}, ${values.key}, 'api', ${values.userId}, ${values.description}, false, NULL)
            ON CONFLICT (identifier) DO UPDATE SET key = EXCLUDED.key, intent = 'api', user_id = EXCLUDED.user_id,
              expiring = false, expires = NULL
            WHERE (tokens.key, tokens.intent, tokens.user_id, tokens.expiring, tokens.expires)
              IS DISTINCT FROM (EXCLUDED.key, 'api', EXCLUDED.user_id, false, NULL)`,
      );
    },
  };
}
