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
import { executorRoutes, executorViews } from './executor.routes.js';

export const executorFeature: Feature = {
  name: 'flows/executor',
  async register(app) {
    const { db, changes } = app.database;
    const sessions = new SessionStore(db, new EventWriter(db));
    const executor = new FlowExecutor(db, app.stageRegistry, app.events, app.log, changes, app.limiter);
    mountRoutes(app, executorRoutes(executor, sessions), executorViews);
    await app.register(flowPages(executor, sessions));
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
