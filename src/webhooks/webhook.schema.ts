/**
 * Webhook endpoints and their delivery log (Tessera, docs/webhooks.md), in DRF's shapes: a
 * model serializer with its request and patched-request forms and a paginated list.
 */
import { Type, type Static } from '@sinclair/typebox';
import {
  JsonObject,
  Nullable,
  ReadOnly,
  StringEnum,
  component,
  paginated,
  ref,
  modelSchemas,
} from '../api/schemas.js';
import { OUTBOX_STATUSES } from '../outbox/outbox.repository.js';

/** The webhook event types; which audit event makes each is in drizzle/*_outbox_webhooks.sql. */
export const WEBHOOK_EVENT_TYPES = [
  'invitation.created',
  'invitation.sent',
  'invitation.used',
  'invitation.expired',
  'invitation.revoked',
  'user.enrolled',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export const WebhookEventTypeEnum = StringEnum('WebhookEventTypeEnum', WEBHOOK_EVENT_TYPES);

const writable = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  url: Type.String({
    minLength: 1,
    maxLength: 2000,
    format: 'uri',
    description: 'Where events are POSTed: an http or https URL whose host is a public address.',
  }),
  events: Type.Array(ref(WebhookEventTypeEnum), { description: 'The event types sent to this endpoint.' }),
  enabled: Type.Optional(Type.Boolean()),
};

const secretText =
  'The Standard Webhooks signing secret (`whsec_` and base64 of 24 to 64 bytes). Generated when not given; ' +
  'never shown again after the answer to create.';

export const WebhookEndpoint = component(
  'WebhookEndpoint',
  Type.Object(
    {
      pk: ReadOnly(Type.String({ format: 'uuid', title: 'Endpoint uuid' })),
      name: writable.name,
      url: writable.url,
      events: writable.events,
      enabled: writable.enabled,
      secret: Type.Optional(ReadOnly(Type.String({ description: secretText }))),
      created: ReadOnly(Type.String({ format: 'date-time' })),
    },
    { description: 'A webhook endpoint (Tessera).' },
  ),
);
export type WebhookEndpointBody = Static<typeof WebhookEndpoint>;

const requestProperties = {
  ...writable,
  secret: Type.Optional(
    Type.String({ minLength: 1, maxLength: 200, writeOnly: true, description: secretText }),
  ),
};

export const [WebhookEndpointRequest, PatchedWebhookEndpointRequest, PaginatedWebhookEndpointList] =
  modelSchemas(WebhookEndpoint, requestProperties, 'A webhook endpoint (Tessera).');
export type WebhookEndpointInput = Static<typeof WebhookEndpointRequest>;

export const WebhookDeliveryStatusEnum = StringEnum('WebhookDeliveryStatusEnum', OUTBOX_STATUSES);

export const WebhookDelivery = component(
  'WebhookDelivery',
  Type.Object(
    {
      pk: ReadOnly(
        Type.String({ format: 'uuid', description: 'Also the `webhook-id` header, as `msg_<pk>`.' }),
      ),
      type: ReadOnly(ref(WebhookEventTypeEnum)),
      status: ReadOnly(ref(WebhookDeliveryStatusEnum)),
      attempts: ReadOnly(Type.Integer()),
      response_code: ReadOnly(Nullable(Type.Integer({ description: "The receiver's last HTTP status." }))),
      last_error: ReadOnly(Nullable(Type.String())),
      payload: ReadOnly(JsonObject({ description: 'The body sent: type, timestamp, data.' })),
      next_attempt_at: ReadOnly(Nullable(Type.String({ format: 'date-time' }))),
      delivered_at: ReadOnly(Nullable(Type.String({ format: 'date-time' }))),
      created: ReadOnly(Type.String({ format: 'date-time' })),
      updated: ReadOnly(Type.String({ format: 'date-time' })),
    },
    { description: 'One event sent to a webhook endpoint (Tessera).' },
  ),
);
export type WebhookDeliveryBody = Static<typeof WebhookDelivery>;

export const PaginatedWebhookDeliveryList = paginated(WebhookDelivery);

export const WebhookDeliveryListQuery = Type.Object({
  page: Type.Optional(Type.Integer({ description: 'A page number within the paginated result set.' })),
  page_size: Type.Optional(Type.Integer({ description: 'Number of results to return per page.' })),
});
