/** The password stage: its handler and its viewset (/api/v3/stages/password/). */
import type { Feature } from '../../lib/feature.js';
// Adds the stage's challenge and its answer to the executor's unions.
import './password-challenge.schema.js';
import { mountSubtypeStage } from '../../flows/flow.feature.js';
import type { SubtypeRouteOptions } from '../../flows/stage-subtype.routes.js';
import { passwordStageOptions } from './password-stage.service.js';
import { passwordStageHandler } from './password.stage.js';
import {
  PaginatedPasswordStageList,
  PasswordStage,
  PasswordStageParams,
  PasswordStageRequest,
  PatchedPasswordStageRequest,
} from './password-stage.schema.js';

const routeOptions: SubtypeRouteOptions = {
  base: '/stages/password/',
  verboseName: 'Password Stage',
  item: PasswordStage,
  request: PasswordStageRequest,
  patched: PatchedPasswordStageRequest,
  paginated: PaginatedPasswordStageList,
  params: PasswordStageParams,
};

export const passwordFeature: Feature = {
  name: 'stages/password',
  register(app) {
    app.stageRegistry.register(passwordStageHandler);
    mountSubtypeStage(app, passwordStageOptions, routeOptions);
  },
};
