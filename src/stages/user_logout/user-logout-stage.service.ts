/** The user_logout stage's viewset (authentik/stages/user_logout/api.py UserLogoutStageViewSet). */
import type { SubtypeDefinition } from '../../flows/stage-subtype.repository.js';
import type { SubtypeOptions } from '../../flows/stage-subtype.service.js';
import { defineStageType } from '../../flows/stage-types.js';

export const USER_LOGOUT_STAGE_TYPE = defineStageType('user_logout', {
  app: 'authentik_stages_user_logout',
  model: 'userlogoutstage',
  component: 'ak-stage-user-logout-form',
  verboseName: 'User Logout Stage',
});

export const USER_LOGOUT_STAGE: SubtypeDefinition = {
  type: 'user_logout',
  table: 'user_logout_stages',
  columns: [],
};

export const userLogoutStageOptions: SubtypeOptions = {
  definition: USER_LOGOUT_STAGE,
  modelName: 'UserLogoutStage',
  defaults: {},
};
