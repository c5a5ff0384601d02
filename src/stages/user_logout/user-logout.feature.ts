/** The user_logout stage: its handler and its viewset (/api/v3/stages/user_logout/). */
import type { Feature } from '../../lib/feature.js';
import { mountSubtypeStage } from '../../flows/flow.feature.js';
import type { SubtypeRouteOptions } from '../../flows/stage-subtype.routes.js';
import { userLogoutStageOptions } from './user-logout-stage.service.js';
import { userLogoutStageHandler } from './user-logout.stage.js';
import {
  PaginatedUserLogoutStageList,
  PatchedUserLogoutStageRequest,
  UserLogoutStage,
  UserLogoutStageParams,
  UserLogoutStageRequest,
} from './user-logout-stage.schema.js';

const routeOptions: SubtypeRouteOptions = {
  base: '/stages/user_logout/',
  verboseName: 'User Logout Stage',
  item: UserLogoutStage,
  request: UserLogoutStageRequest,
  patched: PatchedUserLogoutStageRequest,
  paginated: PaginatedUserLogoutStageList,
  params: UserLogoutStageParams,
};

export const userLogoutFeature: Feature = {
  name: 'stages/user_logout',
  register(app) {
    app.stageRegistry.register(userLogoutStageHandler);
    mountSubtypeStage(app, userLogoutStageOptions, routeOptions);
  },
};
