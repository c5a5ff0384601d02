/** `/api/v3/events/events/` (authentik/events/api/events.py EventViewSet): the read side. */
import { Type } from '@sinclair/typebox';
import { defineRoute, type RouteSpec } from '../api/routes.js';
import { TypeCreate, ref } from '../api/schemas.js';
import type { EventApiService } from './event-api.service.js';
import { Event, EventListQuery, EventUuidParams, PaginatedEventList } from './event.schema.js';

const base = '/events/events/';
const detail = `${base}:event_uuid/`;
const common = { description: 'Event Read-Only Viewset', tags: ['events'] };

export function eventRoutes(service: EventApiService): RouteSpec[] {
  return [
    defineRoute({
      ...common,
      method: 'GET',
      url: base,
      operationId: 'events_events_list',
      querystring: EventListQuery,
      success: { status: 200, schema: ref(PaginatedEventList) },
      handler: ({ ctx, query }) => service.list(ctx, query),
    }),
    defineRoute({
      method: 'GET',
      url: `${base}actions/`,
      operationId: 'events_events_actions_list',
      description: 'Get all actions',
      tags: ['events'],
      success: { status: 200, schema: Type.Array(ref(TypeCreate)) },
      handler: async () => service.actions(),
    }),
    defineRoute({
      ...common,
      method: 'GET',
      url: detail,
      operationId: 'events_events_retrieve',
      params: EventUuidParams,
      success: { status: 200, schema: ref(Event) },
      handler: ({ ctx, params }) => service.retrieve(ctx, params.event_uuid),
    }),
  ];
}

export const eventViews = {
  [base]: { name: 'Event List', description: 'Event Read-Only Viewset' },
  [`${base}actions/`]: { name: 'Actions', description: 'Event Read-Only Viewset' },
  [detail]: { name: 'Event Instance', description: 'Event Read-Only Viewset' },
};
