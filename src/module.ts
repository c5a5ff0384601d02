/**
 * A feature module: what one area of Tessera adds to the app. `buildApp` lists the modules
 * explicitly (so the URL map stays greppable) and gives each the shared services it may use.
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Config } from './config.js';
import type { Database, Db } from './db/client.js';
import type { RouteSpec, ViewMetadata } from './api/routes.js';
import type { PermissionService } from './rbac/permission.service.js';
import type { EventService } from './events/event.service.js';
import type { StageService } from './flows/stage.service.js';
import type { FlowService } from './flows/flow.service.js';
import type { FailureLimiter } from './api/rate-limit.js';
import type { Metrics } from './root/metrics.js';

/** Services every module may depend on. */
export interface SharedServices {
  permissions: PermissionService;
  events: EventService;
  stages: StageService;
  flows: FlowService;
  /** Failure counters per client address (429 once over the limit). */
  limiter: FailureLimiter;
}

/**
 * The install's identity (authentik's `install_id`, which user `uid`s are derived from). It is
 * stored in the database, so buildApp fills it in once the bootstrap has run; routes are
 * registered meanwhile, and no request is answered before.
 */
export interface Install {
  id: string;
}

export interface ModuleDeps {
  app: FastifyInstance;
  config: Config;
  database: Database;
  db: Db;
  /** Filled in by the bootstrap before the app answers a request (see buildApp). */
  install: Install;
  /** Where the module's services count what operators watch (src/root/metrics.ts). */
  metrics: Metrics;
  shared: SharedServices;
  /** Services published by modules registered earlier, by name. */
  registry: Map<string, unknown>;
}

/** Work that runs periodically in every instance (authentik's scheduled tasks). */
export interface PeriodicTask {
  name: string;
  intervalSeconds: number;
  run: () => Promise<void>;
}

export interface FeatureModule {
  /** API v3 routes, mounted with authentik's request pipeline. */
  routes?: RouteSpec[];
  views?: Record<string, ViewMetadata>;
  /** Anything outside /api/v3 (pages, static files), registered as a Fastify plugin. */
  plugin?: FastifyPluginAsync;
  tasks?: PeriodicTask[];
  /** Services other modules may look up in `registry`. */
  provides?: Record<string, unknown>;
}

export type ModuleFactory = (deps: ModuleDeps) => FeatureModule;
