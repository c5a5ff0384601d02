/** `/api/v3/tessera/webhooks/` and each endpoint's `deliveries/` (Tessera extension). */
import { Type } from '@sinclair/typebox';
import { defineRoute, type RouteSpec } from '../api/routes.js';
import { ref } from '../api/schemas.js';
import { viewSetRoutes, viewSetViews, type ViewSetRoutes } from '../api/viewset.js';
import type { WebhookService } from './webhook.service.js';
import {
  PaginatedWebhookDeliveryList,
  PaginatedWebhookEndpointList,
  PatchedWebhookEndpointRequest,
  WebhookDeliveryListQuery,
  WebhookEndpoint,
  WebhookEndpointRequest,
} from './webhook.schema.js';

const params = Type.Object({
  endpoint_uuid: Type.String({
    format: 'uuid',
    description: 'A UUID string identifying this Webhook Endpoint.',
  }),
});

const options: ViewSetRoutes = {
  base: '/tessera/webhooks/',
  lookup: 'endpoint_uuid',
  params,
  operationPrefix: 'tessera_webhooks',
  description: 'Webhook endpoints: where invitation and enrollment events are sent (Tessera extension).',
  tags: ['tessera'],
  verboseName: 'Webhook Endpoint',
  item: WebhookEndpoint,
  paginated: PaginatedWebhookEndpointList,
  request: WebhookEndpointRequest,
  patched: PatchedWebhookEndpointRequest,
};

const deliveries = '/tessera/webhooks/:endpoint_uuid/deliveries/';

export function webhookRoutes(service: WebhookService): RouteSpec[] {
  return [
    ...viewSetRoutes(service, options),
    defineRoute({
      method: 'GET',
      url: deliveries,
      operationId: 'tessera_webhooks_deliveries_list',
      description:
        'The events sent to this endpoint, newest first, and what became of each (Tessera extension).',
      tags: ['tessera'],
      params,
      querystring: WebhookDeliveryListQuery,
      success: { status: 200, schema: ref(PaginatedWebhookDeliveryList) },
      handler: ({ ctx, params: p, query }) => service.deliveries(ctx, p.endpoint_uuid, query),
    }),
  ];
}

export const webhookViews = {
  ...viewSetViews(options),
  [deliveries]: {
    name: 'Webhook Deliveries',
    description: 'The events sent to this endpoint (Tessera extension).',
  },
};
