import { sql } from 'drizzle-orm';
import { query, type Db } from '../../db/client.js';

/** What a plan keeps of the stage (StageHandler.planSettingsSql); the SMTP settings are read when sending. */
export interface EmailSettings {
  token_expiry: string;
  subject: string;
  template: string;
  activate_user_on_success: boolean;
  recovery_max_attempts: number;
  recovery_cache_timeout: string;
}

/** The settings as a JSON expression over the `stages` row `s`; the SMTP password stays out of plans. */
export const EMAIL_SETTINGS_SQL = sql`(SELECT json_build_object(
    'token_expiry', e.token_expiry, 'subject', e.subject, 'template', e.template,
    'activate_user_on_success', e.activate_user_on_success,
    'recovery_max_attempts', e.recovery_max_attempts, 'recovery_cache_timeout', e.recovery_cache_timeout)
  FROM email_stages e WHERE e.stage_uuid = s.stage_uuid)`;

export interface SmtpSettings {
  use_global_settings: boolean;
  host: string;
  port: number;
  username: string;
  password: string;
  use_tls: boolean;
  use_ssl: boolean;
  timeout: number;
  from_address: string;
}

export interface RedeemedToken {
  stage: string;
  email: string;
  plan: unknown;
}

export function createEmailRepository(db: Db) {
  return {
    /** The stage's SMTP settings now (undefined when the stage is gone). */
    async smtpSettings(stageUuid: string): Promise<SmtpSettings | undefined> {
      const rows = await query<SmtpSettings>(
        db,
        sql`SELECT use_global_settings, host, port, username, password, use_tls, use_ssl, timeout, from_address
            FROM email_stages WHERE stage_uuid = ${stageUuid}`,
      );
      return rows[0];
    },

    async user(userId: number): Promise<{ email: string; name: string } | undefined> {
      const rows = await query<{ email: string; name: string }>(
        db,
        sql`SELECT email, name FROM users WHERE id = ${userId}`,
      );
      return rows[0];
    },

    /** Links this stage mailed to `email` (any case) within the last `seconds`. */
    async recentSends(stageUuid: string, email: string, seconds: number): Promise<number> {
      const rows = await query<{ count: number }>(
        db,
        sql`SELECT count(*)::int AS count FROM flow_tokens
            WHERE stage = ${stageUuid} AND lower(email) = lower(${email})
              AND created > now() - make_interval(secs => ${seconds})`,
      );
      return rows[0].count;
    },

    async insertToken(token: {
      keyHash: string;
      planId: string;
      flow: string;
      stage: string;
      email: string;
      plan: unknown;
      seconds: number;
    }): Promise<{ expires: string }> {
      const rows = await query<{ expires: string }>(
        db,
        sql`INSERT INTO flow_tokens (key_hash, plan_id, flow, stage, email, plan, expires)
            VALUES (${token.keyHash}, ${token.planId}, ${token.flow}, ${token.stage}, ${token.email},
                    ${JSON.stringify(token.plan)}::jsonb, now() + make_interval(secs => ${token.seconds}))
            RETURNING expires`,
      );
      return rows[0];
    },

    async deleteToken(keyHash: string): Promise<void> {
      await db.execute(sql`DELETE FROM flow_tokens WHERE key_hash = ${keyHash}`);
    },

    /**
     * Takes the unexpired token with this key for this flow, deleting it and every other link
     * its plan sent, in one statement: of two requests with the same link only one gets it.
     */
    async redeem(keyHash: string, flowPk: string): Promise<RedeemedToken | undefined> {
      const rows = await query<RedeemedToken & { key_hash: string }>(
        db,
        sql`WITH hit AS (
              SELECT plan_id FROM flow_tokens
              WHERE key_hash = ${keyHash} AND flow = ${flowPk} AND expires > now())
            DELETE FROM flow_tokens t USING hit WHERE t.plan_id = hit.plan_id
            RETURNING t.key_hash, t.stage::text AS stage, t.email, t.plan`,
      );
      return rows.find((row) => row.key_hash === keyHash);
    },

    /** activate_user_on_success */
    async activate(userId: number): Promise<void> {
      await db.execute(sql`UPDATE users SET is_active = true WHERE id = ${userId} AND NOT is_active`);
    },

    /** Removes links past their expiry (the periodic cleanup). Returns how many. */
    async deleteExpired(): Promise<number> {
      const rows = await query(db, sql`DELETE FROM flow_tokens WHERE expires <= now() RETURNING 1`);
      return rows.length;
    },
  };
}
