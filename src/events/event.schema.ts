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
