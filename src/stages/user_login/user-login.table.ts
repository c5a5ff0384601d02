import { pgTable, boolean, text, uuid } from 'drizzle-orm/pg-core';
import { stages } from '../../db/schema.js';

/** The user_login stage's own settings: one row per stage of the type, beside its row in `stages`. */
export const userLoginStages = pgTable('user_login_stages', {
  stageUuid: uuid('stage_uuid')
    .primaryKey()
    .references(() => stages.stageUuid, { onDelete: 'cascade' }),
  sessionDuration: text('session_duration').notNull().default('seconds=0'),
  terminateOtherSessions: boolean('terminate_other_sessions').notNull().default(false),
  rememberMeOffset: text('remember_me_offset').notNull().default('seconds=0'),
  networkBinding: text('network_binding').notNull().default('no_binding'),
  geoipBinding: text('geoip_binding').notNull().default('no_binding'),
  rememberDevice: text('remember_device').notNull().default('days=30'),
});
