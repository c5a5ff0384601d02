/** `/api/v3/stages/identification/`: the generic stage-subtype viewset with this type's shapes. */
import type { SubtypeRouteOptions } from '../../flows/stage-subtype.routes.js';
import {
  IdentificationStage,
  IdentificationStageListQuery,
  IdentificationStageParams,
  IdentificationStageRequest,
  PaginatedIdentificationStageList,
  PatchedIdentificationStageRequest,
} from './identification-stage.schema.js';

export const identificationStageRoutes: SubtypeRouteOptions = {
  base: '/stages/identification/',
  operationPrefix: 'stages_identification',
  description: 'IdentificationStage Viewset',
  verboseName: 'Identification Stage',
  item: IdentificationStage,
  request: IdentificationStageRequest,
  patched: PatchedIdentificationStageRequest,
  paginated: PaginatedIdentificationStageList,
  params: IdentificationStageParams,
  listQuery: IdentificationStageListQuery,
};
