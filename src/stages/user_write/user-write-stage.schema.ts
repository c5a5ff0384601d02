/** UserWriteStage wire shapes (authentik/stages/user_write/api.py), in the 2026.8.3 schema's order. */
import { Type } from '@sinclair/typebox';
import { Nullable, StringEnum, ref } from '../../api/schemas.js';
import { stageSchemas } from '../../flows/stage.schema.js';
import { USER_TYPES, UserTypeEnum } from '../../core/users/user.schema.js';

export const USER_CREATION_MODES = ['never_create', 'create_when_required', 'always_create'] as const;
export const UserCreationModeEnum = StringEnum('UserCreationModeEnum', USER_CREATION_MODES);
export { USER_TYPES };

const settings = {
  user_creation_mode: Type.Optional(ref(UserCreationModeEnum)),
  create_users_as_inactive: Type.Optional(
    Type.Boolean({ description: 'When set, newly created users are inactive and cannot login.' }),
  ),
  create_users_group: Type.Optional(
    Nullable(
      Type.String({
        format: 'uuid',
        'x-drf-pk': 'uuid',
        description: 'Optionally add newly created users to this group.',
      }),
    ),
  ),
  user_type: Type.Optional(ref(UserTypeEnum)),
  user_path_template: Type.Optional(Type.String()),
};

export const userWriteStageSchemas = stageSchemas('UserWriteStage', 'User Write Stage', settings, settings);
