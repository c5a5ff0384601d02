/**
 * Flows, their stage bindings and what every stage type shares: the stage service
 * (`app.stages`, names unique across types) and the registry stage features fill with their
 * handlers (`app.stageRegistry`), which the executor runs stages through.
 */
import type { Feature } from '../lib/feature.js';
import { mountRoutes } from '../api/routes.js';
import { StageService } from './stage.service.js';
import { FlowService } from './flow.service.js';
import { flowRoutes, flowViews } from './flow.routes.js';
import { BindingService } from './bindings/binding.service.js';
import { bindingRoutes, bindingViews } from './bindings/binding.routes.js';
import { StageRegistry } from './executor/stage-registry.js';

declare module 'fastify' {
  interface FastifyInstance {
    stages: StageService;
    stageRegistry: StageRegistry;
  }
}

export const flowFeature: Feature = {
  name: 'flows',
  provide(app) {
    app.decorate('stages', new StageService(app.database.db, app.permissions));
    app.decorate('stageRegistry', new StageRegistry());
  },
  register(app) {
    const deps = {
      db: app.database.db,
      permissions: app.permissions,
      events: app.events,
      pageSizes: app.config.pagination,
    };
    mountRoutes(app, flowRoutes(new FlowService(deps)), flowViews);
    mountRoutes(app, bindingRoutes(new BindingService(deps)), bindingViews);
  },
};
