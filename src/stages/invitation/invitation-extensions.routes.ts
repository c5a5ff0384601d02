/** Tessera's invitation extensions (see invitation-extensions.schema.ts). */
import { defineRoute, type RouteSpec } from '../../api/routes.js';
import { ref } from '../../api/schemas.js';
import { invitationStageSchemas } from './invitation-stage.schema.js';
import type { InvitationExtensionsService } from './invitation-extensions.service.js';
import {
  InvitationStageConsumption,
  InvitationStageConsumptionRequest,
  InvitationUseListQuery,
  InviteUuidParams,
  PaginatedInvitationUseList,
  PatchedInvitationStageConsumptionRequest,
} from './invitation-extensions.schema.js';

const consumption = '/stages/invitation/stages/:stage_uuid/consumption/';
const uses = '/stages/invitation/invitations/:invite_uuid/uses/';
const consumptionText =
  'When single-use invitations accepted by this stage are used up (Tessera extension; authentik consumes them when the stage accepts them).';

export function invitationExtensionRoutes(service: InvitationExtensionsService): RouteSpec[] {
  const common = {
    description: consumptionText,
    tags: ['stages'],
    url: consumption,
    params: invitationStageSchemas.params,
  };
  return [
    defineRoute({
      ...common,
      method: 'GET',
      operationId: 'stages_invitation_stages_consumption_retrieve',
      success: { status: 200, schema: ref(InvitationStageConsumption) },
      handler: ({ ctx, params }) => service.consumption(ctx, params.stage_uuid),
    }),
    defineRoute({
      ...common,
      method: 'PUT',
      operationId: 'stages_invitation_stages_consumption_update',
      body: ref(InvitationStageConsumptionRequest),
      success: { status: 200, schema: ref(InvitationStageConsumption) },
      handler: ({ ctx, params, body }) => service.setConsumption(ctx, params.stage_uuid, body),
    }),
    defineRoute({
      ...common,
      method: 'PATCH',
      operationId: 'stages_invitation_stages_consumption_partial_update',
      body: ref(PatchedInvitationStageConsumptionRequest),
      bodyRequired: false,
      success: { status: 200, schema: ref(InvitationStageConsumption) },
      handler: ({ ctx, params, body }) => service.setConsumption(ctx, params.stage_uuid, body),
    }),
    defineRoute({
      method: 'GET',
      url: uses,
      operationId: 'stages_invitation_invitations_uses_list',
      description: 'Who enrolled through this invitation, when and from where (Tessera extension).',
      tags: ['stages'],
      params: InviteUuidParams,
      querystring: InvitationUseListQuery,
      success: { status: 200, schema: ref(PaginatedInvitationUseList) },
      handler: ({ ctx, params, query }) => service.uses(ctx, params.invite_uuid, query),
    }),
  ];
}

export const invitationExtensionViews = {
  [consumption]: { name: 'Invitation Stage Consumption', description: consumptionText },
  [uses]: {
    name: 'Invitation Uses',
    description: 'Who enrolled through this invitation (Tessera extension).',
  },
};
