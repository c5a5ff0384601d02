/**
 * The user_write stage (authentik/stages/user_write): its viewset at /api/v3/stages/user_write/
 * (api.py UserWriteStageViewSet) and its handler.
 */
import { ApiError, Messages } from '../../api/errors.js';
import { PrivilegeService } from '../../rbac/privilege.service.js';
import { UserTypeEnum } from '../../core/users/user.schema.js';
import { defineStage } from '../../flows/stage-definition.js';
import { choiceColumn } from '../../flows/stage-subtype.repository.js';
import { groupExists } from './user-write.repository.js';
import { userWriteStageHandler } from './user-write.stage.js';
import { UserCreationModeEnum, userWriteStageSchemas } from './user-write-stage.schema.js';

export const userWriteFeature = defineStage({
  type: 'user_write',
  app: 'authentik_stages_user_write',
  appVerboseName: 'authentik Stages.User Write',
  model: 'userwritestage',
  component: 'ak-stage-user-write-form',
  verboseName: 'User Write Stage',
  table: 'user_write_stages',
  // Column filters: filterset_fields, django_filters.rest_framework semantics.
  columns: [
    choiceColumn('user_creation_mode', UserCreationModeEnum),
    { name: 'create_users_as_inactive', kind: 'boolean', filter: { kind: 'drfBoolean' } },
    { name: 'create_users_group', kind: 'uuid', filter: { kind: 'uuid' } },
    choiceColumn('user_type', UserTypeEnum),
    { name: 'user_path_template', kind: 'text', filter: { kind: 'text' } },
  ],
  // authentik/stages/user_write/models.py defaults
  defaults: {
    user_creation_mode: 'create_when_required',
    create_users_as_inactive: false,
    create_users_group: null,
    user_type: 'external',
    user_path_template: '',
  },
  // PrimaryKeyRelatedField on the group. Every user the stage creates joins the group, so
  // naming a new group is handing out what it confers: the caller must hold all of it
  // (PrivilegeService), or a holder of add_userwritestage could enrol superusers.
  async validate(db, values, _input, { actor, permissions, current }) {
    const group = values.create_users_group;
    if (typeof group !== 'string') return;
    if (!(await groupExists(db, group)))
      throw ApiError.field('create_users_group', Messages.pkDoesNotExist(group));
    if (current?.create_users_group === group) return;
    const refusal = await new PrivilegeService(permissions).groups(db, actor, [group]);
    if (refusal !== null) throw PrivilegeService.fieldError('create_users_group', refusal);
  },
  schemas: userWriteStageSchemas,
  handler: userWriteStageHandler,
});
