/** `/api/v3/flows/bindings/` */
import { Type } from '@sinclair/typebox';
import type { RouteSpec } from '../../api/routes.js';
import { viewSetRoutes, viewSetViews, type ViewSetRoutes } from '../../api/viewset.js';
import type { BindingService } from './binding.service.js';
import {
  FlowStageBinding,
  FlowStageBindingRequest,
  PaginatedFlowStageBindingList,
  PatchedFlowStageBindingRequest,
} from './binding.schema.js';

const options: ViewSetRoutes = {
  base: '/flows/bindings/',
  lookup: 'fsb_uuid',
  params: Type.Object({
    fsb_uuid: Type.String({
      format: 'uuid',
      description: 'A UUID string identifying this Flow Stage Binding.',
    }),
  }),
  operationPrefix: 'flows_bindings',
  description: 'FlowStageBinding Viewset',
  tags: ['flows'],
  verboseName: 'Flow Stage Binding',
  item: FlowStageBinding,
  paginated: PaginatedFlowStageBindingList,
  request: FlowStageBindingRequest,
  patched: PatchedFlowStageBindingRequest,
};

export function bindingRoutes(service: BindingService): RouteSpec[] {
  return viewSetRoutes(service, options);
}

export const bindingViews = viewSetViews(options);
