import { sql } from 'drizzle-orm';
import { query, type Db } from '../../db/client.js';

export interface LoginSettings {
  session_duration: string;
  terminate_other_sessions: boolean;
}

/** The settings as a JSON expression over the `stages` row `s` (StageHandler.planSettingsSql). */
export const USER_LOGIN_SETTINGS_SQL = sql`(SELECT json_build_object(
    'session_duration', l.session_duration, 'terminate_other_sessions', l.terminate_other_sessions)
  FROM user_login_stages l WHERE l.stage_uuid = s.stage_uuid)`;

export function createUserLoginRepository(db: Db) {
  return {
    /**
     * Stamps the login on an active user and returns them; undefined when the user is gone or
     * inactive (then nothing changed). One statement where a read and an update were two.
     */
    async recordLogin(userId: number): Promise<{ id: number; username: string; email: string } | undefined> {
      const rows = await query<{ id: number; username: string; email: string }>(
        db,
        sql`UPDATE users SET last_login = now() WHERE id = ${userId} AND is_active
            RETURNING id, username, email`,
      );
      return rows[0];
    },

    async endSessionsOf(userId: number): Promise<void> {
      await db.execute(sql`DELETE FROM sessions WHERE user_id = ${userId}`);
    },
  };
}
