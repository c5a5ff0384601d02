import { sql } from 'drizzle-orm';

export interface PasswordSettings {
  backends: string[];
  failed_attempts_before_cancel: number;
  allow_show_password: boolean;
}

/** The settings as a JSON expression over the `stages` row `s` (StageHandler.planSettingsSql). */
export const PASSWORD_SETTINGS_SQL = sql`(SELECT json_build_object(
    'backends', p.backends, 'failed_attempts_before_cancel', p.failed_attempts_before_cancel,
    'allow_show_password', p.allow_show_password)
  FROM password_stages p WHERE p.stage_uuid = s.stage_uuid)`;
