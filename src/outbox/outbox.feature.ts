/**
 * The outbox (`app.outbox`): the features that send email and webhooks register their
 * handlers on it and enqueue in their own transactions; every instance runs its worker.
 */
import type { Feature } from '../lib/feature.js';
import { OutboxService } from './outbox.service.js';
import { createOutboxRepository } from './outbox.repository.js';

declare module 'fastify' {
  interface FastifyInstance {
    outbox: OutboxService;
  }
}

export const outboxFeature: Feature = {
  name: 'outbox',
  provide(app) {
    app.decorate('outbox', new OutboxService(app.database.db, app.config.outbox, app.log));
  },
  register(app) {
    const { outbox } = app;
    app.tasks.add({
      name: 'deliver_outbox',
      intervalSeconds: app.config.outbox.intervalSeconds,
      run: () => outbox.run(),
    });
    app.tasks.add({
      // The delivery log is kept as long as the audit events (TESSERA_EVENT_RETENTION).
      name: 'clean_settled_outbox',
      intervalSeconds: app.config.cleanupIntervalSeconds,
      run: async () => {
        await createOutboxRepository(app.database.db).deleteSettled(app.config.eventRetentionSeconds);
      },
    });
    // A committed message notifies every instance (drizzle/*_outbox_webhooks.sql): the first
    // free worker sends it without waiting for its timer.
    const unsubscribe = app.database.changes.onSignal('outbox', () => {
      if (app.tasks.scheduled) outbox.wake();
    });
    // Before the database closes (its own onClose).
    app.addHook('preClose', async () => {
      unsubscribe();
      await outbox.close();
    });
  },
};
