/** The user_write stage: its handler and its viewset (/api/v3/stages/user_write/). */
import type { Feature } from '../../lib/feature.js';
import { mountSubtypeStage } from '../../flows/flow.feature.js';
import type { SubtypeRouteOptions } from '../../flows/stage-subtype.routes.js';
import { userWriteStageOptions } from './user-write-stage.service.js';
import { userWriteStageHandler } from './user-write.stage.js';
import {
  PaginatedUserWriteStageList,
  PatchedUserWriteStageRequest,
  UserWriteStage,
  UserWriteStageParams,
  UserWriteStageRequest,
} from './user-write-stage.schema.js';

const routeOptions: SubtypeRouteOptions = {
  base: '/stages/user_write/',
  verboseName: 'User Write Stage',
  item: UserWriteStage,
  request: UserWriteStageRequest,
  patched: PatchedUserWriteStageRequest,
  paginated: PaginatedUserWriteStageList,
  params: UserWriteStageParams,
};

export const userWriteFeature: Feature = {
  name: 'stages/user_write',
  register(app) {
    app.stageRegistry.register(userWriteStageHandler);
    mountSubtypeStage(app, userWriteStageOptions, routeOptions);
  },
};
