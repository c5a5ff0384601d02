import { pgTable, boolean, text, uuid } from 'drizzle-orm/pg-core';
import { stages, groups } from '../../db/schema.js';

/** The user_write stage's own settings: one row per stage of the type, beside its row in `stages`. */
export const userWriteStages = pgTable('user_write_stages', {
  stageUuid: uuid('stage_uuid')
    .primaryKey()
    .references(() => stages.stageUuid, { onDelete: 'cascade' }),
  userCreationMode: text('user_creation_mode').notNull().default('create_when_required'),
  createUsersAsInactive: boolean('create_users_as_inactive').notNull().default(false),
  createUsersGroup: uuid('create_users_group').references(() => groups.groupUuid, { onDelete: 'set null' }),
  userType: text('user_type').notNull().default('external'),
  userPathTemplate: text('user_path_template').notNull().default(''),
});
