import { pgTable, uuid } from 'drizzle-orm/pg-core';
import { stages } from '../../db/schema.js';

/** authentik/stages/user_logout/models.py: a UserLogoutStage has no settings of its own. */
export const userLogoutStages = pgTable('user_logout_stages', {
  stageUuid: uuid('stage_uuid')
    .primaryKey()
    .references(() => stages.stageUuid, { onDelete: 'cascade' }),
});
