/** The seven routes of a stage type's viewset (list, create, retrieve, update, partial update, destroy, used_by). */
import type { TSchema } from '@sinclair/typebox';
import type { RouteSpec, ViewMetadata } from '../api/routes.js';
import { viewSetRoutes, viewSetViews, type ViewSetRoutes } from '../api/viewset.js';
import type { SubtypeStageService } from './stage-subtype.service.js';

export interface SubtypeRouteOptions {
  /** Path below /api/v3 with the trailing slash, e.g. `/stages/user_write/`. */
  base: string;
  /** authentik's operationId prefix; by default the path's segments joined by `_` (`stages_user_write`). */
  operationPrefix?: string;
  /** The viewset docstring; by default "<Model> Viewset" after the item schema (`UserWriteStage Viewset`). */
  description?: string;
  /** e.g. "User Write Stage" for OPTIONS view names. */
  verboseName: string;
  item: TSchema;
  request: TSchema;
  patched: TSchema;
  paginated: TSchema;
  params: TSchema;
}

/** Stage viewsets are looked up by `stage_uuid` and tagged `stages`. */
function routeOptions(o: SubtypeRouteOptions): ViewSetRoutes {
  return {
    ...o,
    // authentik's operationIds and docstrings follow the path and the model: derived, not repeated.
    operationPrefix: o.operationPrefix ?? o.base.split('/').filter(Boolean).join('_'),
    description: o.description ?? `${o.item.$id} Viewset`,
    lookup: 'stage_uuid',
    tags: ['stages'],
  };
}

export function subtypeRoutes(service: SubtypeStageService, o: SubtypeRouteOptions): RouteSpec[] {
  return viewSetRoutes(service, routeOptions(o));
}

export function subtypeViews(o: SubtypeRouteOptions): Record<string, ViewMetadata> {
  return viewSetViews(routeOptions(o));
}
