/**
 * The user_logout stage (authentik/stages/user_logout): its viewset at
 * /api/v3/stages/user_logout/ (api.py UserLogoutStageViewSet) and its handler.
 */
import { defineStage } from '../../flows/stage-definition.js';
import { userLogoutStageHandler } from './user-logout.stage.js';
import { userLogoutStageSchemas } from './user-logout-stage.schema.js';

export const userLogoutFeature = defineStage({
  type: 'user_logout',
  app: 'authentik_stages_user_logout',
  appVerboseName: 'authentik Stages.User Logout',
  model: 'userlogoutstage',
  component: 'ak-stage-user-logout-form',
  verboseName: 'User Logout Stage',
  table: 'user_logout_stages',
  columns: [],
  defaults: {},
  schemas: userLogoutStageSchemas,
  handler: userLogoutStageHandler,
});
