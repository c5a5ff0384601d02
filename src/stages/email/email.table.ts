import { pgTable, boolean, integer, text, uuid } from 'drizzle-orm/pg-core';
import { stages } from '../../db/schema.js';

/**
 * authentik/stages/email/models.py. `password` is the SMTP password the stage signs in with
 * when it does not use the global settings: written through the API, never shown.
 */
export const emailStages = pgTable('email_stages', {
  stageUuid: uuid('stage_uuid')
    .primaryKey()
    .references(() => stages.stageUuid, { onDelete: 'cascade' }),
  useGlobalSettings: boolean('use_global_settings').notNull().default(false),
  host: text('host').notNull().default('localhost'),
  port: integer('port').notNull().default(25),
  username: text('username').notNull().default(''),
  password: text('password').notNull().default(''),
  useTls: boolean('use_tls').notNull().default(false),
  useSsl: boolean('use_ssl').notNull().default(false),
  timeout: integer('timeout').notNull().default(10),
  fromAddress: text('from_address').notNull().default('system@authentik.local'),
  tokenExpiry: text('token_expiry').notNull().default('minutes=30'),
  subject: text('subject').notNull().default('authentik'),
  template: text('template').notNull().default('email/password_reset.html'),
  activateUserOnSuccess: boolean('activate_user_on_success').notNull().default(false),
  recoveryMaxAttempts: integer('recovery_max_attempts').notNull().default(5),
  recoveryCacheTimeout: text('recovery_cache_timeout').notNull().default('minutes=5'),
});
