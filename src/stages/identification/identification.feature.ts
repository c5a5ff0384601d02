/** The identification stage: its handler and its viewset (/api/v3/stages/identification/). */
import type { Feature } from '../../lib/feature.js';
// Adds the stage's challenge and its answer to the executor's unions.
import './identification-challenge.schema.js';
import { mountSubtypeStage } from '../../flows/flow.feature.js';
import type { SubtypeRouteOptions } from '../../flows/stage-subtype.routes.js';
import { identificationStageOptions } from './identification-stage.service.js';
import { identificationStageHandler } from './identification.stage.js';
import {
  IdentificationStage,
  IdentificationStageParams,
  IdentificationStageRequest,
  PaginatedIdentificationStageList,
  PatchedIdentificationStageRequest,
} from './identification-stage.schema.js';

const routeOptions: SubtypeRouteOptions = {
  base: '/stages/identification/',
  verboseName: 'Identification Stage',
  item: IdentificationStage,
  request: IdentificationStageRequest,
  patched: PatchedIdentificationStageRequest,
  paginated: PaginatedIdentificationStageList,
  params: IdentificationStageParams,
};

export const identificationFeature: Feature = {
  name: 'stages/identification',
  register(app) {
    app.stageRegistry.register(identificationStageHandler);
    mountSubtypeStage(app, identificationStageOptions, routeOptions);
  },
};
