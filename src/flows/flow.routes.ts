/** `/api/v3/flows/instances/`, keyed by slug. */
import { Type } from '@sinclair/typebox';
import type { RouteSpec } from '../api/routes.js';
import { viewSetRoutes, viewSetViews, type ViewSetRoutes } from '../api/viewset.js';
import type { FlowService } from './flow.service.js';
import { Flow, FlowRequest, PaginatedFlowList, PatchedFlowRequest } from './flow.schema.js';

const options: ViewSetRoutes = {
  base: '/flows/instances/',
  lookup: 'slug',
  params: Type.Object({ slug: Type.String() }),
  operationPrefix: 'flows_instances',
  description: 'Flow Viewset',
  tags: ['flows'],
  verboseName: 'Flow',
  item: Flow,
  paginated: PaginatedFlowList,
  request: FlowRequest,
  patched: PatchedFlowRequest,
};

export function flowRoutes(service: FlowService): RouteSpec[] {
  return viewSetRoutes(service, options);
}

export const flowViews = viewSetViews(options);
