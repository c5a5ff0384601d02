/**
 * The flow executor (/api/v3/flows/executor/) and the flow pages (/if/flow/). It runs every
 * stage through `app.stageRegistry`, which the stage features fill: it knows no stage type.
 */
import type { Feature } from '../../lib/feature.js';
import { mountRoutes } from '../../api/routes.js';
import { SessionStore } from '../../core/sessions/session.store.js';
import { createSessionRepository } from '../../core/sessions/session.repository.js';
import { EventWriter } from '../../events/event-writer.service.js';
import { flowPages } from '../web/flow-pages.js';
import { FlowExecutor } from './executor.service.js';
import { RecoveryService } from '../../recovery/recovery.service.js';
import { recoveryRoutes } from '../../recovery/recovery.routes.js';
import { executorRoutes, executorViews } from './executor.routes.js';

export const executorFeature: Feature = {
  name: 'flows/executor',
  async register(app) {
    const { db, changes } = app.database;
    const sessions = new SessionStore(db, new EventWriter(db));
    const executor = new FlowExecutor(
      db,
      app.stageRegistry,
      app.events,
      app.log,
      changes,
      app.limiter,
      app.metrics,
    );
    mountRoutes(app, executorRoutes(executor, sessions), executorViews);
    await app.register(flowPages(executor, sessions));
    // Recovery links sign in with a browser session like the flows' (src/recovery/).
    await app.register(recoveryRoutes(new RecoveryService(db, app.events), sessions));
    app.tasks.add({
      // Django's clearsessions.
      name: 'clear_expired_sessions',
      intervalSeconds: 3600,
      run: async () => {
        await createSessionRepository(db).deleteExpired();
      },
    });
  },
};
