/** `/api/v3/flows/instances/`, keyed by slug. */
import { Type } from '@sinclair/typebox';
import { defineRoute, type RouteSpec } from '../api/routes.js';
import { UsedBy, ref } from '../api/schemas.js';
import type { FlowService } from './flow.service.js';
import { Flow, FlowRequest, PaginatedFlowList, PatchedFlowRequest } from './flow.schema.js';

const base = '/flows/instances/';
const detail = `${base}:slug/`;
const common = { description: 'Flow Viewset', tags: ['flows'] };
const SlugParams = Type.Object({ slug: Type.String() });

const ListQuery = Type.Object({
  denied_action: Type.Optional(Type.String()),
  designation: Type.Optional(Type.String()),
  flow_uuid: Type.Optional(Type.String({ format: 'uuid' })),
  name: Type.Optional(Type.String()),
  ordering: Type.Optional(Type.String({ description: 'Which field to use when ordering the results.' })),
  page: Type.Optional(Type.Integer({ description: 'A page number within the paginated result set.' })),
  page_size: Type.Optional(Type.Integer({ description: 'Number of results to return per page.' })),
  search: Type.Optional(Type.String({ description: 'A search term.' })),
  slug: Type.Optional(Type.String()),
});

export function flowRoutes(service: FlowService): RouteSpec[] {
  return [
    defineRoute({
      ...common,
      method: 'GET',
      url: base,
      operationId: 'flows_instances_list',
      querystring: ListQuery,
      success: { status: 200, schema: ref(PaginatedFlowList) },
      handler: ({ ctx, query }) => service.list(ctx, query),
    }),
    defineRoute({
      ...common,
      method: 'POST',
      url: base,
      operationId: 'flows_instances_create',
      requires: 'authentik_flows.add_flow',
      body: ref(FlowRequest),
      success: { status: 201, schema: ref(Flow) },
      handler: ({ ctx, body }) => service.create(ctx, body),
    }),
    defineRoute({
      ...common,
      method: 'GET',
      url: detail,
      operationId: 'flows_instances_retrieve',
      params: SlugParams,
      success: { status: 200, schema: ref(Flow) },
      handler: ({ ctx, params }) => service.retrieve(ctx, params.slug),
    }),
    defineRoute({
      ...common,
      method: 'PUT',
      url: detail,
      operationId: 'flows_instances_update',
      params: SlugParams,
      body: ref(FlowRequest),
      success: { status: 200, schema: ref(Flow) },
      handler: ({ ctx, params, body }) => service.update(ctx, params.slug, body),
    }),
    defineRoute({
      ...common,
      method: 'PATCH',
      url: detail,
      operationId: 'flows_instances_partial_update',
      params: SlugParams,
      body: ref(PatchedFlowRequest),
      success: { status: 200, schema: ref(Flow) },
      handler: ({ ctx, params, body }) => service.update(ctx, params.slug, body),
    }),
    defineRoute({
      ...common,
      method: 'DELETE',
      url: detail,
      operationId: 'flows_instances_destroy',
      params: SlugParams,
      success: { status: 204, schema: null },
      handler: ({ ctx, params }) => service.destroy(ctx, params.slug),
    }),
    defineRoute({
      method: 'GET',
      url: `${detail}used_by/`,
      operationId: 'flows_instances_used_by_list',
      description: 'Get a list of all objects that use this object',
      tags: ['flows'],
      params: SlugParams,
      success: { status: 200, schema: Type.Array(ref(UsedBy)) },
      handler: ({ ctx, params }) => service.usedBy(ctx, params.slug),
    }),
  ];
}

export const flowViews = {
  [base]: { name: 'Flow List', description: 'Flow Viewset' },
  [detail]: { name: 'Flow Instance', description: 'Flow Viewset' },
};
