/**
 * Webhooks (Tessera, docs/webhooks.md): the endpoints API and the outbox handler that sends
 * what the `events` trigger queued for them.
 */
import type { Feature } from '../lib/feature.js';
import { mountRoutes } from '../api/routes.js';
import { WebhookService } from './webhook.service.js';
import { webhookRoutes, webhookViews } from './webhook.routes.js';
import { WebhookOutboxHandler } from './webhook-delivery.js';

export const webhookFeature: Feature = {
  name: 'webhooks',
  register(app) {
    const { config, permissions, events } = app;
    const { db } = app.database;
    const service = new WebhookService(db, permissions, events, config.pagination, config.webhooks);
    mountRoutes(app, webhookRoutes(service), webhookViews);
    app.outbox.handle('webhook', new WebhookOutboxHandler(db, config.webhooks));
  },
};
