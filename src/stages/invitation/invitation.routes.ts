/** `/api/v3/stages/invitation/invitations/` (authentik/stages/invitation/api.py InvitationViewSet). */
import {
  InvitationDeliveryListQuery,
  PaginatedInvitationDeliveryList,
} from './invitation-deliveries.schema.js';
import { Type } from '@sinclair/typebox';
import { defineRoute, type RouteSpec } from '../../api/routes.js';
import { UsedBy, ref } from '../../api/schemas.js';
import type { InvitationService } from './invitation.service.js';
import {
  Invitation,
  InvitationBulkRequest,
  InvitationBulkResult,
  InvitationListQuery,
  InvitationTimelineEntry,
  InvitationRequest,
  InvitationSendEmailRequest,
  InviteUuidParams,
  PaginatedInvitationList,
  PatchedInvitationRequest,
} from './invitation.schema.js';

const base = '/stages/invitation/invitations/';
const detail = `${base}:invite_uuid/`;
const common = { description: 'Invitation Viewset', tags: ['stages'] };

export function invitationRoutes(service: InvitationService): RouteSpec[] {
  return [
    defineRoute({
      ...common,
      method: 'GET',
      url: base,
      operationId: 'stages_invitation_invitations_list',
      querystring: InvitationListQuery,
      success: { status: 200, schema: ref(PaginatedInvitationList) },
      handler: ({ ctx, query }) => service.list(ctx, query),
    }),
    defineRoute({
      ...common,
      method: 'POST',
      url: base,
      operationId: 'stages_invitation_invitations_create',
      requires: 'authentik_stages_invitation.add_invitation',
      body: ref(InvitationRequest),
      success: { status: 201, schema: ref(Invitation) },
      handler: ({ ctx, body }) => service.create(ctx, body),
    }),
    defineRoute({
      ...common,
      method: 'GET',
      url: detail,
      operationId: 'stages_invitation_invitations_retrieve',
      params: InviteUuidParams,
      success: { status: 200, schema: ref(Invitation) },
      handler: ({ ctx, params }) => service.retrieve(ctx, params.invite_uuid),
    }),
    defineRoute({
      ...common,
      method: 'PUT',
      url: detail,
      operationId: 'stages_invitation_invitations_update',
      params: InviteUuidParams,
      body: ref(InvitationRequest),
      success: { status: 200, schema: ref(Invitation) },
      handler: ({ ctx, params, body }) => service.update(ctx, params.invite_uuid, body),
    }),
    defineRoute({
      ...common,
      method: 'PATCH',
      url: detail,
      operationId: 'stages_invitation_invitations_partial_update',
      params: InviteUuidParams,
      body: ref(PatchedInvitationRequest),
      bodyRequired: false,
      success: { status: 200, schema: ref(Invitation) },
      handler: ({ ctx, params, body }) => service.update(ctx, params.invite_uuid, body),
    }),
    defineRoute({
      ...common,
      method: 'DELETE',
      url: detail,
      operationId: 'stages_invitation_invitations_destroy',
      params: InviteUuidParams,
      success: { status: 204, schema: null },
      handler: ({ ctx, params }) => service.destroy(ctx, params.invite_uuid),
    }),
    defineRoute({
      method: 'POST',
      url: `${detail}send_email/`,
      operationId: 'stages_invitation_invitations_send_email_create',
      description: 'Send invitation link via email to one or more addresses',
      tags: ['stages'],
      params: InviteUuidParams,
      body: ref(InvitationSendEmailRequest),
      success: { status: 204, schema: null },
      handler: ({ ctx, params, body }) => service.sendEmail(ctx, params.invite_uuid, body),
    }),
    defineRoute({
      method: 'POST',
      url: `${base}bulk/`,
      operationId: 'stages_invitation_invitations_bulk_create',
      description:
        'Create up to 10000 invitations from one template, by count or one per email address, all or none (Tessera extension).',
      tags: ['stages'],
      requires: 'authentik_stages_invitation.add_invitation',
      body: ref(InvitationBulkRequest),
      success: { status: 201, schema: ref(InvitationBulkResult) },
      handler: ({ ctx, body }) => service.bulk(ctx, body),
    }),
    defineRoute({
      method: 'POST',
      url: `${detail}revoke/`,
      operationId: 'stages_invitation_invitations_revoke_create',
      description:
        'Revoke the invitation: its link stops working at once and the record is kept (Tessera extension). A second revoke is a 400.',
      tags: ['stages'],
      params: InviteUuidParams,
      success: { status: 200, schema: ref(Invitation) },
      handler: ({ ctx, params }) => service.revoke(ctx, params.invite_uuid),
    }),
    defineRoute({
      method: 'GET',
      url: `${detail}timeline/`,
      operationId: 'stages_invitation_invitations_timeline_list',
      description:
        'The invitation’s history from the audit log: created, edited, sent, opened, refused, used, expired, revoked (Tessera extension).',
      tags: ['stages'],
      params: InviteUuidParams,
      success: { status: 200, schema: Type.Array(ref(InvitationTimelineEntry)) },
      handler: ({ ctx, params }) => service.timeline(ctx, params.invite_uuid),
    }),
    defineRoute({
      method: 'GET',
      url: `${detail}deliveries/`,
      operationId: 'stages_invitation_invitations_deliveries_list',
      description:
        'The emails send_email queued for this invitation and what became of each recipient (Tessera extension).',
      tags: ['stages'],
      params: InviteUuidParams,
      querystring: InvitationDeliveryListQuery,
      success: { status: 200, schema: ref(PaginatedInvitationDeliveryList) },
      handler: ({ ctx, params, query }) => service.deliveries(ctx, params.invite_uuid, query),
    }),
    defineRoute({
      method: 'GET',
      url: `${detail}used_by/`,
      operationId: 'stages_invitation_invitations_used_by_list',
      description: 'Get a list of all objects that use this object',
      tags: ['stages'],
      params: InviteUuidParams,
      success: { status: 200, schema: Type.Array(ref(UsedBy)) },
      handler: ({ ctx, params }) => service.usedBy(ctx, params.invite_uuid),
    }),
  ];
}

export const invitationViews = {
  [base]: { name: 'Invitation List', description: 'Invitation Viewset' },
  [detail]: { name: 'Invitation Instance', description: 'Invitation Viewset' },
  [`${detail}send_email/`]: { name: 'Send email', description: 'Invitation Viewset' },
  [`${detail}deliveries/`]: {
    name: 'Invitation Deliveries',
    description: 'The emails sent for this invitation (Tessera extension).',
  },
  [`${detail}used_by/`]: { name: 'Used by', description: 'Invitation Viewset' },
  [`${base}bulk/`]: { name: 'Bulk', description: 'Invitation Viewset' },
  [`${detail}revoke/`]: { name: 'Revoke', description: 'Invitation Viewset' },
  [`${detail}timeline/`]: { name: 'Timeline', description: 'Invitation Viewset' },
};
