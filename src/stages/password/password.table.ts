import { pgTable, boolean, integer, jsonb, uuid } from 'drizzle-orm/pg-core';
import { stages, flows } from '../../db/schema.js';

/** authentik/stages/password/models.py */
export const passwordStages = pgTable('password_stages', {
  stageUuid: uuid('stage_uuid')
    .primaryKey()
    .references(() => stages.stageUuid, { onDelete: 'cascade' }),
  backends: jsonb('backends').notNull(),
  configureFlow: uuid('configure_flow').references(() => flows.flowUuid, { onDelete: 'set null' }),
  failedAttemptsBeforeCancel: integer('failed_attempts_before_cancel').notNull().default(5),
  allowShowPassword: boolean('allow_show_password').notNull().default(false),
});
