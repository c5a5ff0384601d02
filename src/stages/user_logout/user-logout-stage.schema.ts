/** UserLogoutStage wire shapes (authentik/stages/user_logout/api.py): a stage with no settings. */
import { Type, type Static } from '@sinclair/typebox';
import { component, paginated } from '../../api/schemas.js';
import { stageBaseProperties } from '../../flows/stage.schema.js';

export const UserLogoutStage = component(
  'UserLogoutStage',
  Type.Object({ ...stageBaseProperties }, { description: 'UserLogoutStage Serializer' }),
);
export type UserLogoutStageBody = Static<typeof UserLogoutStage>;

const requestProperties = { name: Type.String({ minLength: 1 }) };

export const UserLogoutStageRequest = component(
  'UserLogoutStageRequest',
  Type.Object(requestProperties, { description: 'UserLogoutStage Serializer' }),
);

export const PatchedUserLogoutStageRequest = component(
  'PatchedUserLogoutStageRequest',
  Type.Partial(Type.Object(requestProperties), { description: 'UserLogoutStage Serializer' }),
);

export const PaginatedUserLogoutStageList = paginated(UserLogoutStage);

export const UserLogoutStageParams = Type.Object({
  stage_uuid: Type.String({
    format: 'uuid',
    description: 'A UUID string identifying this User Logout Stage.',
  }),
});
