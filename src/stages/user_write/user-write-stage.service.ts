/** The user_write stage's viewset (authentik/stages/user_write/api.py UserWriteStageViewSet). */
import { sql } from 'drizzle-orm';
import { query } from '../../db/client.js';
import { ApiError, Messages } from '../../api/errors.js';
import { PrivilegeService } from '../../rbac/privilege.service.js';
import type { SubtypeDefinition } from '../../flows/stage-subtype.repository.js';
import type { SubtypeOptions } from '../../flows/stage-subtype.service.js';
import { defineStageType } from '../../flows/stage-types.js';
import { USER_CREATION_MODES, USER_TYPES } from './user-write-stage.schema.js';

export const USER_WRITE_STAGE_TYPE = defineStageType('user_write', {
  app: 'authentik_stages_user_write',
  model: 'userwritestage',
  component: 'ak-stage-user-write-form',
  verboseName: 'User Write Stage',
});

export const USER_WRITE_STAGE: SubtypeDefinition = {
  type: 'user_write',
  table: 'user_write_stages',
  columns: [
    { name: 'user_creation_mode', kind: 'choice', choices: USER_CREATION_MODES },
    { name: 'create_users_as_inactive', kind: 'boolean' },
    { name: 'create_users_group', kind: 'uuid' },
    { name: 'user_type', kind: 'choice', choices: USER_TYPES },
    { name: 'user_path_template', kind: 'text' },
  ],
};

export const userWriteStageOptions: SubtypeOptions = {
  definition: USER_WRITE_STAGE,
  modelName: 'UserWriteStage',
  // authentik/stages/user_write/models.py defaults
  defaults: {
    user_creation_mode: 'create_when_required',
    create_users_as_inactive: false,
    create_users_group: null,
    user_type: 'external',
    user_path_template: '',
  },
  // filterset_fields: django_filters.rest_framework semantics
  filters: (reader) => ({
    create_users_as_inactive: reader.drfBoolean('create_users_as_inactive'),
    create_users_group: reader.uuid('create_users_group'),
    user_creation_mode: reader.choice('user_creation_mode', USER_CREATION_MODES),
    user_path_template: reader.text('user_path_template'),
    user_type: reader.choice('user_type', USER_TYPES),
  }),
  // PrimaryKeyRelatedField on the group. Every user the stage creates joins the group, so
  // naming a new group is handing out what it confers: the caller must hold all of it
  // (PrivilegeService), or a holder of add_userwritestage could enrol superusers.
  async validate(db, values, _input, { actor, permissions, current }) {
    const group = values.create_users_group;
    if (typeof group !== 'string') return;
    const rows = await query(db, sql`SELECT 1 FROM groups WHERE group_uuid = ${group}`);
    if (rows.length === 0) throw ApiError.field('create_users_group', Messages.pkDoesNotExist(group));
    if (current?.create_users_group === group) return;
    const refusal = await new PrivilegeService(permissions).groups(db, actor, [group]);
    if (refusal !== null) throw PrivilegeService.fieldError('create_users_group', refusal);
  },
};
