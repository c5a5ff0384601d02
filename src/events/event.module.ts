/** The audit log API (/api/v3/events/events/). */
import type { FeatureModule, ModuleDeps } from '../module.js';
import { EventApiService } from './event-api.service.js';
import { eventRoutes, eventViews } from './event.routes.js';

export function eventModule(deps: ModuleDeps): FeatureModule {
  const { config, db, shared } = deps;
  const eventLog = new EventApiService(db, shared.permissions, config.pagination);
  return {
    routes: eventRoutes(eventLog),
    views: eventViews,
    tasks: [
      {
        // authentik/core/tasks.py clean_expired_models ("Remove expired objects"), for events.
        name: 'clean_expired_events',
        intervalSeconds: config.cleanupIntervalSeconds,
        run: async () => {
          await eventLog.cleanExpired();
        },
      },
    ],
  };
}
