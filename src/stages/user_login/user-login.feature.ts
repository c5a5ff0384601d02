/** The user_login stage: its handler and its viewset (/api/v3/stages/user_login/). */
import type { Feature } from '../../lib/feature.js';
import { mountSubtypeStage } from '../../flows/flow.feature.js';
import type { SubtypeRouteOptions } from '../../flows/stage-subtype.routes.js';
import { userLoginStageOptions } from './user-login-stage.service.js';
import { userLoginStageHandler } from './user-login.stage.js';
import {
  PaginatedUserLoginStageList,
  PatchedUserLoginStageRequest,
  UserLoginStage,
  UserLoginStageParams,
  UserLoginStageRequest,
} from './user-login-stage.schema.js';

const routeOptions: SubtypeRouteOptions = {
  base: '/stages/user_login/',
  verboseName: 'User Login Stage',
  item: UserLoginStage,
  request: UserLoginStageRequest,
  patched: PatchedUserLoginStageRequest,
  paginated: PaginatedUserLoginStageList,
  params: UserLoginStageParams,
};

export const userLoginFeature: Feature = {
  name: 'stages/user_login',
  register(app) {
    app.stageRegistry.register(userLoginStageHandler);
    mountSubtypeStage(app, userLoginStageOptions, routeOptions);
  },
};
