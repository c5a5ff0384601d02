/** The seven routes of a stage type's viewset (list, create, retrieve, update, partial update, destroy, used_by). */
import { Type, type TSchema } from '@sinclair/typebox';
import { defineRoute, type RouteSpec, type ViewMetadata } from '../api/routes.js';
import { UsedBy, ref } from '../api/schemas.js';
import type { SubtypeStageService } from './stage-subtype.service.js';

export interface SubtypeRouteOptions {
  /** Path below /api/v3 with the trailing slash, e.g. `/stages/user_write/`. */
  base: string;
  /** authentik's operationId prefix, e.g. `stages_user_write`. */
  operationPrefix: string;
  /** The viewset docstring, e.g. "UserWriteStage Viewset". */
  description: string;
  /** e.g. "User Write Stage" for OPTIONS view names. */
  verboseName: string;
  item: TSchema;
  request: TSchema;
  patched: TSchema;
  paginated: TSchema;
  params: TSchema;
  listQuery: TSchema;
}

export function subtypeRoutes(service: SubtypeStageService, o: SubtypeRouteOptions): RouteSpec[] {
  const detail = `${o.base}:stage_uuid/`;
  const common = { description: o.description, tags: ['stages'] };
  return [
    defineRoute({
      ...common,
      method: 'GET',
      url: o.base,
      operationId: `${o.operationPrefix}_list`,
      querystring: o.listQuery,
      success: { status: 200, schema: ref(o.paginated) },
      handler: ({ ctx, query }) => service.list(ctx, query),
    }),
    defineRoute({
      ...common,
      method: 'POST',
      url: o.base,
      operationId: `${o.operationPrefix}_create`,
      requires: service.addPermission,
      body: ref(o.request),
      success: { status: 201, schema: ref(o.item) },
      handler: ({ ctx, body }) => service.create(ctx, body as Record<string, unknown>),
    }),
    defineRoute({
      ...common,
      method: 'GET',
      url: detail,
      operationId: `${o.operationPrefix}_retrieve`,
      params: o.params,
      success: { status: 200, schema: ref(o.item) },
      handler: ({ ctx, params }) => service.retrieve(ctx, params.stage_uuid),
    }),
    defineRoute({
      ...common,
      method: 'PUT',
      url: detail,
      operationId: `${o.operationPrefix}_update`,
      params: o.params,
      body: ref(o.request),
      success: { status: 200, schema: ref(o.item) },
      handler: ({ ctx, params, body }) =>
        service.update(ctx, params.stage_uuid, body as Record<string, unknown>),
    }),
    defineRoute({
      ...common,
      method: 'PATCH',
      url: detail,
      operationId: `${o.operationPrefix}_partial_update`,
      params: o.params,
      body: ref(o.patched),
      bodyRequired: false,
      success: { status: 200, schema: ref(o.item) },
      handler: ({ ctx, params, body }) =>
        service.update(ctx, params.stage_uuid, body as Record<string, unknown>),
    }),
    defineRoute({
      ...common,
      method: 'DELETE',
      url: detail,
      operationId: `${o.operationPrefix}_destroy`,
      params: o.params,
      success: { status: 204, schema: null },
      handler: ({ ctx, params }) => service.destroy(ctx, params.stage_uuid),
    }),
    defineRoute({
      method: 'GET',
      url: `${detail}used_by/`,
      operationId: `${o.operationPrefix}_used_by_list`,
      description: 'Get a list of all objects that use this object',
      tags: ['stages'],
      params: o.params,
      success: { status: 200, schema: Type.Array(ref(UsedBy)) },
      handler: ({ ctx, params }) => service.usedBy(ctx, params.stage_uuid),
    }),
  ];
}

export function subtypeViews(o: SubtypeRouteOptions): Record<string, ViewMetadata> {
  return {
    [o.base]: { name: `${o.verboseName} List`, description: o.description },
    [`${o.base}:stage_uuid/`]: { name: `${o.verboseName} Instance`, description: o.description },
  };
}
