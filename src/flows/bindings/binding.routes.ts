/** `/api/v3/flows/bindings/` */
import { Type } from '@sinclair/typebox';
import { defineRoute, type RouteSpec } from '../../api/routes.js';
import { UsedBy, ref } from '../../api/schemas.js';
import type { BindingService } from './binding.service.js';
import {
  FlowStageBinding,
  FlowStageBindingRequest,
  PaginatedFlowStageBindingList,
  PatchedFlowStageBindingRequest,
} from './binding.schema.js';

const base = '/flows/bindings/';
const detail = `${base}:fsb_uuid/`;
const common = { description: 'FlowStageBinding Viewset', tags: ['flows'] };
const Params = Type.Object({
  fsb_uuid: Type.String({
    format: 'uuid',
    description: 'A UUID string identifying this Flow Stage Binding.',
  }),
});
const ListQuery = Type.Object({
  evaluate_on_plan: Type.Optional(Type.Boolean()),
  fsb_uuid: Type.Optional(Type.String({ format: 'uuid' })),
  invalid_response_action: Type.Optional(Type.String()),
  order: Type.Optional(Type.Integer()),
  ordering: Type.Optional(Type.String({ description: 'Which field to use when ordering the results.' })),
  page: Type.Optional(Type.Integer({ description: 'A page number within the paginated result set.' })),
  page_size: Type.Optional(Type.Integer({ description: 'Number of results to return per page.' })),
  pbm_uuid: Type.Optional(Type.String({ format: 'uuid' })),
  policies: Type.Optional(Type.Array(Type.String({ format: 'uuid' }))),
  policy_engine_mode: Type.Optional(Type.String()),
  re_evaluate_policies: Type.Optional(Type.Boolean()),
  search: Type.Optional(Type.String({ description: 'A search term.' })),
  stage: Type.Optional(Type.String({ format: 'uuid' })),
  target: Type.Optional(Type.String({ format: 'uuid' })),
});

export function bindingRoutes(service: BindingService): RouteSpec[] {
  return [
    defineRoute({
      ...common,
      method: 'GET',
      url: base,
      operationId: 'flows_bindings_list',
      querystring: ListQuery,
      success: { status: 200, schema: ref(PaginatedFlowStageBindingList) },
      handler: ({ ctx, query }) => service.list(ctx, query),
    }),
    defineRoute({
      ...common,
      method: 'POST',
      url: base,
      operationId: 'flows_bindings_create',
      requires: 'authentik_flows.add_flowstagebinding',
      body: ref(FlowStageBindingRequest),
      success: { status: 201, schema: ref(FlowStageBinding) },
      handler: ({ ctx, body }) => service.create(ctx, body),
    }),
    defineRoute({
      ...common,
      method: 'GET',
      url: detail,
      operationId: 'flows_bindings_retrieve',
      params: Params,
      success: { status: 200, schema: ref(FlowStageBinding) },
      handler: ({ ctx, params }) => service.retrieve(ctx, params.fsb_uuid),
    }),
    defineRoute({
      ...common,
      method: 'PUT',
      url: detail,
      operationId: 'flows_bindings_update',
      params: Params,
      body: ref(FlowStageBindingRequest),
      success: { status: 200, schema: ref(FlowStageBinding) },
      handler: ({ ctx, params, body }) => service.update(ctx, params.fsb_uuid, body),
    }),
    defineRoute({
      ...common,
      method: 'PATCH',
      url: detail,
      operationId: 'flows_bindings_partial_update',
      params: Params,
      body: ref(PatchedFlowStageBindingRequest),
      success: { status: 200, schema: ref(FlowStageBinding) },
      handler: ({ ctx, params, body }) => service.update(ctx, params.fsb_uuid, body),
    }),
    defineRoute({
      ...common,
      method: 'DELETE',
      url: detail,
      operationId: 'flows_bindings_destroy',
      params: Params,
      success: { status: 204, schema: null },
      handler: ({ ctx, params }) => service.destroy(ctx, params.fsb_uuid),
    }),
    defineRoute({
      method: 'GET',
      url: `${detail}used_by/`,
      operationId: 'flows_bindings_used_by_list',
      description: 'Get a list of all objects that use this object',
      tags: ['flows'],
      params: Params,
      success: { status: 200, schema: Type.Array(ref(UsedBy)) },
      handler: ({ ctx, params }) => service.usedBy(ctx, params.fsb_uuid),
    }),
  ];
}

export const bindingViews = {
  [base]: { name: 'Flow Stage Binding List', description: 'FlowStageBinding Viewset' },
  [detail]: { name: 'Flow Stage Binding Instance', description: 'FlowStageBinding Viewset' },
};
