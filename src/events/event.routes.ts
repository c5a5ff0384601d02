/** `/api/v3/events/events/` (authentik/events/api/events.py EventViewSet): the read side. */
import { Type } from '@sinclair/typebox';
import { defineRoute, type RouteSpec } from '../api/routes.js';
import { TypeCreate, ref } from '../api/schemas.js';
import { viewSetRoutes, viewSetViews, type ViewSetRoutes } from '../api/viewset.js';
import type { EventApiService } from './event-api.service.js';
import { Event, EventUuidParams, PaginatedEventList } from './event.schema.js';

const options: ViewSetRoutes = {
  base: '/events/events/',
  lookup: 'event_uuid',
  params: EventUuidParams,
  operationPrefix: 'events_events',
  description: 'Event Read-Only Viewset',
  tags: ['events'],
  verboseName: 'Event',
  item: Event,
  paginated: PaginatedEventList,
};
const actions = `${options.base}actions/`;

export function eventRoutes(service: EventApiService): RouteSpec[] {
  const routes = viewSetRoutes(service, options);
  // After the list, as authentik's router lists the viewset's extra action.
  routes.splice(
    1,
    0,
    defineRoute({
      method: 'GET',
      url: actions,
      operationId: 'events_events_actions_list',
      description: 'Get all actions',
      tags: options.tags,
      success: { status: 200, schema: Type.Array(ref(TypeCreate)) },
      handler: async () => service.actions(),
    }),
  );
  return routes;
}

export const eventViews = {
  ...viewSetViews(options),
  [actions]: { name: 'Actions', description: options.description },
};
