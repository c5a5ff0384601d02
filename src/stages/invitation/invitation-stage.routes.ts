/** `/api/v3/stages/invitation/stages/`: the seed endpoint and its viewset. */
import type { RouteSpec } from '../../api/routes.js';
import { subtypeRoutes, subtypeViews, type SubtypeRouteOptions } from '../../flows/stage-subtype.routes.js';
import type { InvitationStageService } from './invitation-stage.service.js';
import {
  InvitationStage,
  InvitationStageRequest,
  PaginatedInvitationStageList,
  PatchedInvitationStageRequest,
  StageUuidParams,
} from './invitation-stage.schema.js';

const options: SubtypeRouteOptions = {
  base: '/stages/invitation/stages/',
  operationPrefix: 'stages_invitation_stages',
  description: 'InvitationStage Viewset',
  verboseName: 'Invitation Stage',
  item: InvitationStage,
  request: InvitationStageRequest,
  patched: PatchedInvitationStageRequest,
  paginated: PaginatedInvitationStageList,
  params: StageUuidParams,
};

export function invitationStageRoutes(service: InvitationStageService): RouteSpec[] {
  return subtypeRoutes(service, options);
}

export const invitationStageViews = subtypeViews(options);
