/**
 * Flows, their stage bindings and what every stage type shares: the stage service
 * (`app.stages`, names unique across types) and the registry stage features fill with their
 * handlers (`app.stageRegistry`), which the executor runs stages through.
 */
import type { FastifyInstance } from 'fastify';
import type { Feature } from '../lib/feature.js';
import { mountRoutes } from '../api/routes.js';
import { StageService } from './stage.service.js';
import { FlowService } from './flow.service.js';
import { flowRoutes, flowViews } from './flow.routes.js';
import { BindingService } from './bindings/binding.service.js';
import { bindingRoutes, bindingViews } from './bindings/binding.routes.js';
import { StageRegistry } from './executor/stage-registry.js';
import { SubtypeStageService, type SubtypeOptions } from './stage-subtype.service.js';
import { subtypeRoutes, subtypeViews, type SubtypeRouteOptions } from './stage-subtype.routes.js';

declare module 'fastify' {
  interface FastifyInstance {
    stages: StageService;
    stageRegistry: StageRegistry;
  }
}

export const flowFeature: Feature = {
  name: 'flows',
  provide(app) {
    app.decorate('stages', new StageService(app.database.db, app.permissions, app.events));
    app.decorate('stageRegistry', new StageRegistry());
  },
  register(app) {
    const { db } = app.database;
    const { pagination } = app.config;
    mountRoutes(app, flowRoutes(new FlowService(db, app.permissions, app.events, pagination)), flowViews);
    mountRoutes(
      app,
      bindingRoutes(new BindingService(db, app.permissions, app.events, pagination)),
      bindingViews,
    );
  },
};

/** The viewset service of a column-based stage type (stage features use it). */
export function subtypeStageService(app: FastifyInstance, options: SubtypeOptions): SubtypeStageService {
  return new SubtypeStageService(
    app.database.db,
    app.permissions,
    app.events,
    app.stages,
    app.config.pagination,
    options,
  );
}

/** Mounts the viewset of a column-based stage type (user_write, user_login). */
export function mountSubtypeStage(
  app: FastifyInstance,
  options: SubtypeOptions,
  routes: SubtypeRouteOptions,
): void {
  mountRoutes(app, subtypeRoutes(subtypeStageService(app, options), routes), subtypeViews(routes));
}
