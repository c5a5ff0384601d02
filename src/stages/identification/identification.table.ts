import { pgTable, boolean, jsonb, uuid } from 'drizzle-orm/pg-core';
import { stages, flows } from '../../db/schema.js';

/**
 * authentik/stages/identification/models.py. `sources` (authentik's many-to-many to sources)
 * is a list of ids: Tessera has no sources, so it is stored and shown, never used.
 */
export const identificationStages = pgTable('identification_stages', {
  stageUuid: uuid('stage_uuid')
    .primaryKey()
    .references(() => stages.stageUuid, { onDelete: 'cascade' }),
  userFields: jsonb('user_fields').notNull().default([]),
  passwordStage: uuid('password_stage').references(() => stages.stageUuid, { onDelete: 'set null' }),
  captchaStage: uuid('captcha_stage').references(() => stages.stageUuid, { onDelete: 'set null' }),
  caseInsensitiveMatching: boolean('case_insensitive_matching').notNull().default(true),
  showMatchedUser: boolean('show_matched_user').notNull().default(true),
  enrollmentFlow: uuid('enrollment_flow').references(() => flows.flowUuid, { onDelete: 'set null' }),
  recoveryFlow: uuid('recovery_flow').references(() => flows.flowUuid, { onDelete: 'set null' }),
  passwordlessFlow: uuid('passwordless_flow').references(() => flows.flowUuid, { onDelete: 'set null' }),
  sources: jsonb('sources').notNull().default([]),
  showSourceLabels: boolean('show_source_labels').notNull().default(false),
  pretendUserExists: boolean('pretend_user_exists').notNull().default(true),
  enableRememberMe: boolean('enable_remember_me').notNull().default(false),
  webauthnStage: uuid('webauthn_stage').references(() => stages.stageUuid, { onDelete: 'set null' }),
});
