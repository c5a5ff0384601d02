import { sql } from 'drizzle-orm';
import { query, type Db } from '../../db/client.js';

export interface IdentificationSettings {
  user_fields: string[];
  case_insensitive_matching: boolean;
  show_matched_user: boolean;
  pretend_user_exists: boolean;
  /** The inline password stage's settings, when one is set. */
  password_stage: { stage_uuid: string; backends: string[]; allow_show_password: boolean } | null;
  enrollment_flow: string | null;
  recovery_flow: string | null;
  passwordless_flow: string | null;
  show_source_labels: boolean;
  enable_remember_me: boolean;
}

/** The settings as a JSON expression over the `stages` row `s` (StageHandler.planSettingsSql). */
export const IDENTIFICATION_SETTINGS_SQL = sql`(SELECT json_build_object(
    'user_fields', i.user_fields, 'case_insensitive_matching', i.case_insensitive_matching,
    'show_matched_user', i.show_matched_user, 'pretend_user_exists', i.pretend_user_exists,
    'password_stage', (SELECT json_build_object('stage_uuid', p.stage_uuid::text, 'backends', p.backends,
        'allow_show_password', p.allow_show_password) FROM password_stages p WHERE p.stage_uuid = i.password_stage),
    'enrollment_flow', (SELECT f.slug FROM flows f WHERE f.flow_uuid = i.enrollment_flow),
    'recovery_flow', (SELECT f.slug FROM flows f WHERE f.flow_uuid = i.recovery_flow),
    'passwordless_flow', (SELECT f.slug FROM flows f WHERE f.flow_uuid = i.passwordless_flow),
    'show_source_labels', i.show_source_labels, 'enable_remember_me', i.enable_remember_me)
  FROM identification_stages i WHERE i.stage_uuid = s.stage_uuid)`;

export interface IdentifiedUser {
  id: number;
  username: string;
  email: string;
  is_active: boolean;
  password: string | null;
}

export function createIdentificationRepository(db: Db) {
  return {
    /**
     * The first user whose any of `fields` equals `identifier` (authentik's get_user: a Q() OR
     * of `<field>__exact` or `__iexact`, `.first()`, which orders by pk); `upn` is the
     * `attributes.upn` value.
     */
    async findUser(
      identifier: string,
      fields: string[],
      caseInsensitive: boolean,
    ): Promise<IdentifiedUser | undefined> {
      const columns = fields.flatMap((field) =>
        field === 'email'
          ? [sql`u.email`]
          : field === 'username'
            ? [sql`u.username`]
            : field === 'upn'
              ? [sql`(u.attributes->>'upn')`]
              : [],
      );
      if (columns.length === 0) return undefined;
      const matches = columns.map((column) =>
        caseInsensitive ? sql`upper(${column}) = upper(${identifier})` : sql`${column} = ${identifier}`,
      );
      const rows = await query<IdentifiedUser>(
        db,
        sql`SELECT u.id, u.username, u.email, u.is_active, u.password FROM users u
            WHERE ${sql.join(matches, sql` OR `)} ORDER BY u.id LIMIT 1`,
      );
      return rows[0];
    },

    async userById(id: number): Promise<IdentifiedUser | undefined> {
      const rows = await query<IdentifiedUser>(
        db,
        sql`SELECT id, username, email, is_active, password FROM users WHERE id = ${id}`,
      );
      return rows[0];
    },
  };
}

/** Whether related objects exist, for the stage viewsets' PrimaryKeyRelatedFields. */
export function createRelatedRepository(db: Db) {
  return {
    async stageExists(pk: string, type: string | null): Promise<boolean> {
      const rows = await query(
        db,
        sql`SELECT 1 FROM stages WHERE stage_uuid = ${pk} ${type ? sql`AND type = ${type}` : sql``}`,
      );
      return rows.length > 0;
    },
    async flowExists(pk: string): Promise<boolean> {
      return (await query(db, sql`SELECT 1 FROM flows WHERE flow_uuid = ${pk}`)).length > 0;
    },
  };
}
