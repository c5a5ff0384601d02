/** `/api/v3/stages/invitation/stages/`: the seed endpoint and its viewset. */
import { Type } from '@sinclair/typebox';
import { defineRoute, type RouteSpec } from '../../api/routes.js';
import { UsedBy, ref } from '../../api/schemas.js';
import type { InvitationStageService } from './invitation-stage.service.js';
import {
  InvitationStage,
  InvitationStageListQuery,
  InvitationStageRequest,
  PaginatedInvitationStageList,
  PatchedInvitationStageRequest,
  StageUuidParams,
} from './invitation-stage.schema.js';

const base = '/stages/invitation/stages/';
const detail = `${base}:stage_uuid/`;
const common = { description: 'InvitationStage Viewset', tags: ['stages'] };

export function invitationStageRoutes(service: InvitationStageService): RouteSpec[] {
  return [
    defineRoute({
      ...common,
      method: 'GET',
      url: base,
      operationId: 'stages_invitation_stages_list',
      querystring: InvitationStageListQuery,
      success: { status: 200, schema: ref(PaginatedInvitationStageList) },
      handler: ({ ctx, query }) => service.list(ctx, query),
    }),
    defineRoute({
      ...common,
      method: 'POST',
      url: base,
      operationId: 'stages_invitation_stages_create',
      requires: 'authentik_stages_invitation.add_invitationstage',
      body: ref(InvitationStageRequest),
      success: { status: 201, schema: ref(InvitationStage) },
      handler: ({ ctx, body }) => service.create(ctx, body),
    }),
    defineRoute({
      ...common,
      method: 'GET',
      url: detail,
      operationId: 'stages_invitation_stages_retrieve',
      params: StageUuidParams,
      success: { status: 200, schema: ref(InvitationStage) },
      handler: ({ ctx, params }) => service.retrieve(ctx, params.stage_uuid),
    }),
    defineRoute({
      ...common,
      method: 'PUT',
      url: detail,
      operationId: 'stages_invitation_stages_update',
      params: StageUuidParams,
      body: ref(InvitationStageRequest),
      success: { status: 200, schema: ref(InvitationStage) },
      handler: ({ ctx, params, body }) => service.update(ctx, params.stage_uuid, body),
    }),
    defineRoute({
      ...common,
      method: 'PATCH',
      url: detail,
      operationId: 'stages_invitation_stages_partial_update',
      params: StageUuidParams,
      body: ref(PatchedInvitationStageRequest),
      bodyRequired: false,
      success: { status: 200, schema: ref(InvitationStage) },
      handler: ({ ctx, params, body }) => service.update(ctx, params.stage_uuid, body),
    }),
    defineRoute({
      ...common,
      method: 'DELETE',
      url: detail,
      operationId: 'stages_invitation_stages_destroy',
      params: StageUuidParams,
      success: { status: 204, schema: null },
      handler: ({ ctx, params }) => service.destroy(ctx, params.stage_uuid),
    }),
    defineRoute({
      method: 'GET',
      url: `${detail}used_by/`,
      operationId: 'stages_invitation_stages_used_by_list',
      description: 'Get a list of all objects that use this object',
      tags: ['stages'],
      params: StageUuidParams,
      success: { status: 200, schema: Type.Array(ref(UsedBy)) },
      handler: ({ ctx, params }) => service.usedBy(ctx, params.stage_uuid),
    }),
  ];
}

export const invitationStageViews = {
  [base]: { name: 'Invitation Stage List', description: 'InvitationStage Viewset' },
  [detail]: { name: 'Invitation Stage Instance', description: 'InvitationStage Viewset' },
};
