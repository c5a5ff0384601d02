/**
 * The audit log: the event recorder every feature writes through (`app.events`), the failure
 * limiter whose refusals it records (`app.limiter`), and the audit log API
 * (/api/v3/events/events/).
 */
import type { Feature } from '../lib/feature.js';
import { mountRoutes } from '../api/routes.js';
import { FailureLimiter } from '../api/rate-limit.js';
import { EventService } from './event.service.js';
import { EventApiService } from './event-api.service.js';
import { eventRoutes, eventViews } from './event.routes.js';

declare module 'fastify' {
  interface FastifyInstance {
    events: EventService;
    /** Failure counters per client address (429 once over the limit). */
    limiter: FailureLimiter;
  }
}

export const eventFeature: Feature = {
  name: 'events',
  provide(app) {
    const { config } = app;
    const events = new EventService(config.eventRetentionSeconds);
    app.decorate('events', events);
    app.decorate(
      'limiter',
      new FailureLimiter(
        app.database.db,
        events,
        config.rateLimit ?? { failedAuth: 0, failedInvitations: 0, windowSeconds: 60 },
      ),
    );
  },
  register(app) {
    const { config } = app;
    const eventLog = new EventApiService({
      db: app.database.db,
      permissions: app.permissions,
      events: app.events,
      pageSizes: config.pagination,
    });
    mountRoutes(app, eventRoutes(eventLog), eventViews);
    app.tasks.add({
      // authentik/core/tasks.py clean_expired_models ("Remove expired objects"), for events.
      name: 'clean_expired_events',
      intervalSeconds: config.cleanupIntervalSeconds,
      run: async () => {
        await eventLog.cleanExpired();
      },
    });
    app.tasks.add({
      // Ended windows of the failure counters (src/api/rate-limit.ts), with the other expired objects.
      name: 'clean_expired_rate_limits',
      intervalSeconds: config.cleanupIntervalSeconds,
      run: () => app.limiter.cleanExpired(),
    });
  },
};
