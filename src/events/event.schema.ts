/** Event wire shapes (authentik/events/api/events.py EventSerializer), in authentik's field order. */
import { Type, type Static } from '@sinclair/typebox';
import { JsonObject, Nullable, ReadOnly, StringEnum, component, paginated, ref } from '../api/schemas.js';
import { EVENT_ACTION_VALUES } from './event-actions.js';

export const EventActions = StringEnum('EventActions', EVENT_ACTION_VALUES);

export const Event = component(
  'Event',
  Type.Object(
    {
      pk: ReadOnly(Type.String({ format: 'uuid', title: 'Event uuid' })),
      user: Type.Optional(JsonObject()),
      action: ref(EventActions),
      app: Type.String(),
      context: Type.Optional(JsonObject()),
      client_ip: Type.Optional(Nullable(Type.String())),
      created: ReadOnly(Type.String({ format: 'date-time' })),
      expires: Type.Optional(Type.String({ format: 'date-time' })),
      brand: Type.Optional(JsonObject()),
    },
    { description: 'Event Serializer' },
  ),
);
export type EventBody = Static<typeof Event>;

export const PaginatedEventList = paginated(Event);

export const EventUuidParams = Type.Object({
  event_uuid: Type.String({ format: 'uuid', description: 'A UUID string identifying this Event.' }),
});

export const EventListQuery = Type.Object({
  action: Type.Optional(Type.String()),
  actions: Type.Optional(Type.Array(ref(EventActions))),
  brand_name: Type.Optional(Type.String({ description: 'Brand name' })),
  client_ip: Type.Optional(Type.String()),
  context_authorized_app: Type.Optional(Type.String({ description: 'Context Authorized application' })),
  context_device: Type.Optional(Type.String({ description: 'Context Device Primary Key' })),
  context_model_app: Type.Optional(Type.String({ description: 'Context Model App' })),
  context_model_name: Type.Optional(Type.String({ description: 'Context Model Name' })),
  context_model_pk: Type.Optional(Type.String({ description: 'Context Model Primary Key' })),
  created__gte: Type.Optional(
    Type.String({ format: 'date-time', description: 'Tessera: created at or after this time' }),
  ),
  created__lt: Type.Optional(
    Type.String({ format: 'date-time', description: 'Tessera: created before this time' }),
  ),
  ordering: Type.Optional(Type.String({ description: 'Which field to use when ordering the results.' })),
  page: Type.Optional(Type.Integer({ description: 'A page number within the paginated result set.' })),
  page_size: Type.Optional(Type.Integer({ description: 'Number of results to return per page.' })),
  search: Type.Optional(Type.String({ description: 'A search term.' })),
  username: Type.Optional(Type.String({ description: 'Username' })),
});
