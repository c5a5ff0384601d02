/**
 * Composition: `buildApp(config)` opens the database, wires services and registers every
 * route, without listening. The server entry point and the tests both use it.
 */
import { randomUUID } from 'node:crypto';
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifySchemaCompiler,
  type FastifyServerOptions,
} from 'fastify';
import type { FastifySerializerCompiler } from 'fastify/types/schema.js';
import type { Config } from './config.js';
import { openDatabase, type Database } from './db/client.js';
import { ApiError, Messages } from './api/errors.js';
import { translateDatabaseError } from './api/db-errors.js';
import { componentSchemas, schemaRegistry } from './api/schemas.js';
import { validateBody, type JsonSchema } from './api/validation.js';
import { compileSerializer } from './api/serialization.js';
import { apiPipeline, mountRoutes, type RouteSpec, type ViewMetadata } from './api/routes.js';
import { SAFE_METHODS, TokenUserCache } from './api/authentication.js';
import { FailureLimiter } from './api/rate-limit.js';
import { registerOpenApi, schemaRoutes } from './api/schema.routes.js';
import { parseJsonBody, parseOtherBody } from './api/json-body.js';
import { clientErrorHandler } from './api/client-errors.js';
import { PermissionService } from './rbac/permission.service.js';
import { EventService } from './events/event.service.js';
import { StageService } from './flows/stage.service.js';
import { FlowService } from './flows/flow.service.js';
import { flowRoutes, flowViews } from './flows/flow.routes.js';
import { BindingService } from './flows/bindings/binding.service.js';
import { bindingRoutes, bindingViews } from './flows/bindings/binding.routes.js';
import { InvitationStageService } from './stages/invitation/invitation-stage.service.js';
import { invitationStageRoutes, invitationStageViews } from './stages/invitation/invitation-stage.routes.js';
import { maskInvitationTokensInUrl } from './stages/invitation/invitation-token.js';
import { bootstrap } from './core/bootstrap/bootstrap.service.js';
import { healthRoutes } from './root/health.routes.js';
import type { Install, ModuleDeps, ModuleFactory, PeriodicTask } from './module.js';
import { coreModule } from './core/core.module.js';
import { eventModule } from './events/event.module.js';
import { invitationModule } from './stages/invitation/invitation.module.js';
import { executorModule } from './flows/executor/executor.module.js';
import { adminModule } from './admin/admin.module.js';
import { interfacesModule } from './core/interfaces/interfaces.module.js';
import { NOT_FOUND_PAGE } from './web/html.js';

export interface BuildOptions {
  /** Use an already open database (tests share one per file); otherwise one is opened from config. */
  database?: Database;
  logger?: FastifyServerOptions['logger'];
  /** Run periodic tasks on their timers (default true); tests run them with `app.runTask`. */
  schedule?: boolean;
}

/** The feature modules, in registration order (a module may use what earlier ones provide). */
const MODULES: ModuleFactory[] = [
  coreModule,
  eventModule,
  invitationModule,
  executorModule,
  interfacesModule,
  adminModule,
];

export interface Services {
  permissions: PermissionService;
  events: EventService;
  stages: StageService;
  flows: FlowService;
  bindings: BindingService;
  invitationStages: InvitationStageService;
  limiter: FailureLimiter;
}

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    database: Database;
    services: Services;
    installId: string;
    /** Runs a periodic task now, by name (tests, operators). */
    runTask(name: string): Promise<void>;
  }
}

const SECURITY_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
  'x-frame-options': 'DENY',
};

/** Renders the API's one error type: its status, headers and exact JSON body. */
function sendApiError(reply: FastifyReply, apiError: ApiError): FastifyReply {
  for (const [name, value] of Object.entries(apiError.headers)) reply.header(name, value);
  return reply.code(apiError.status).type('application/json').serializer(JSON.stringify).send(apiError.body);
}

/** Runs each task on its interval; a failing run is logged and retried on the next tick. */
function scheduleTasks(app: FastifyInstance, tasks: PeriodicTask[]): void {
  const timers = tasks.map((task) => {
    const timer = setInterval(() => {
      task
        .run()
        .catch((error: unknown) => app.log.error({ err: error, task: task.name }, 'periodic task failed'));
    }, task.intervalSeconds * 1000);
    timer.unref();
    return timer;
  });
  app.addHook('onClose', async () => timers.forEach((timer) => clearInterval(timer)));
}

function buildServices(database: Database, config: Config): Services {
  const { db } = database;
  const permissions = new PermissionService(db);
  const events = new EventService(config.eventRetentionSeconds);
  const stages = new StageService(db, permissions, events);
  return {
    permissions,
    events,
    stages,
    flows: new FlowService(db, permissions, events, config.pagination),
    bindings: new BindingService(db, permissions, events, config.pagination),
    invitationStages: new InvitationStageService(db, permissions, events, stages, config.pagination),
    limiter: new FailureLimiter(
      db,
      events,
      config.rateLimit ?? { failedAuth: 0, failedInvitations: 0, windowSeconds: 60 },
    ),
  };
}

/**
 * Fastify's request serializer with the URL's invitation tokens masked: the request log keeps
 * every `?itoken=` link otherwise, as the audit log would without its masking.
 */
const LOG_SERIALIZERS = {
  req(request: FastifyRequest) {
    return {
      method: request.method,
      url: maskInvitationTokensInUrl(request.url),
      host: request.host,
      remoteAddress: request.ip,
      remotePort: request.socket?.remotePort,
    };
  },
};

/** The logger options with Tessera's serializers, whatever else the caller configured. */
function loggerOptions(config: Config, logger: BuildOptions['logger']): FastifyServerOptions['logger'] {
  if (logger === false) return false;
  const base =
    logger === undefined || logger === true
      ? { level: config.logLevel === 'warning' ? 'warn' : config.logLevel }
      : logger;
  return { ...base, serializers: { ...base.serializers, ...LOG_SERIALIZERS } };
}

/**
 * Writes under these prefixes change no token, flow or stage, so they leave the caches be: the
 * flow executor's steps (which would otherwise empty the flow cache at every step), and the
 * benchmark's statement capture (src/root/debug.routes.ts), which must see the statements of a
 * request as it runs with warm caches.
 */
const CACHE_NEUTRAL_PREFIXES = ['/api/v3/flows/executor/', '/-/debug/'];

export async function buildApp(config: Config, options: BuildOptions = {}): Promise<FastifyInstance> {
  const database = options.database ?? (await openDatabase(config.database));
  // Request bodies are validated the way DRF does, and responses written in authentik's field
  // order, by Tessera's own compilers; the factories here stand for Fastify's defaults so that
  // Ajv and fast-json-stringify are never loaded (a fifth of the start time).
  const registry = schemaRegistry();
  const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
    if (httpPart !== 'body') return (data: unknown) => ({ value: data });
    return (data: unknown) => {
      const result = validateBody(schema as JsonSchema, data, registry);
      return 'errors' in result ? { error: new ApiError(400, result.errors) } : { value: result.value };
    };
  };
  const serializerCompiler: FastifySerializerCompiler<unknown> = ({ schema }) =>
    compileSerializer(schema as JsonSchema, registry);
  const app = Fastify({
    schemaController: {
      // Fastify types these factories after Ajv's; it only calls them for a compiler.
      compilersFactory: {
        buildValidator: (() => validatorCompiler) as never,
        buildSerializer: (() => serializerCompiler) as never,
      },
    },
    logger: loggerOptions(config, options.logger),
    genReqId: () => randomUUID().replace(/-/g, ''),
    requestIdHeader: false,
    trustProxy: config.trustedProxyCidrs,
    bodyLimit: 1024 * 1024,
    clientErrorHandler,
    routerOptions: { ignoreTrailingSlash: false, ignoreDuplicateSlashes: false, maxParamLength: 500 },
    // URLs the router refuses before any route runs (a parameter over maxParamLength, a
    // malformed percent-encoding) would otherwise get Fastify's own body, which echoes the URL
    // and is no shape an authentik client parses.
    frameworkErrors: (error, _request, reply) => {
      if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
        return sendApiError(reply, ApiError.detail(414, Messages.uriTooLong));
      }
      if (error.code === 'FST_ERR_BAD_URL')
        return sendApiError(reply, ApiError.detail(400, Messages.malformedUrl));
      return sendApiError(reply, ApiError.detail(500, Messages.serverError));
    },
  });
  app.decorate('config', config);
  app.decorate('database', database);
  if (!options.database) app.addHook('onClose', async () => database.close());

  // The bootstrap's statements wait for the database to open, which can still be under way
  // (src/db/pglite-thread.ts): routes are registered meanwhile, and the install id they present
  // users with is filled in before buildApp returns.
  const install: Install = { id: '' };
  const booting = bootstrap(database.db, config.bootstrap);
  booting.catch(() => undefined);
  app.decorate('installId', { getter: () => install.id });
  const services = buildServices(database, config);
  app.decorate('services', services);

  // Shared components, referenced by name from route schemas.
  for (const schema of componentSchemas) app.addSchema(schema);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  // DRF parses JSON only; anything else is 415. An empty JSON body is empty data.
  app.removeAllContentTypeParsers();
  // JSON arrives as bytes: the parser decodes them strictly (src/api/json-body.ts).
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, parseJsonBody);
  app.addContentTypeParser('*', { parseAs: 'string' }, parseOtherBody);

  const tokenCache = config.authCacheSeconds
    ? new TokenUserCache(config.authCacheSeconds, database.changes)
    : undefined;
  app.addHook(
    'onRequest',
    apiPipeline({
      db: database.db,
      permissions: services.permissions,
      tokenCache,
      limiter: services.limiter,
    }),
  );
  // A change made through this instance clears its caches before the answer leaves, rather than
  // when the notification of its commit comes back (see CACHE_NEUTRAL_PREFIXES for what is
  // left out). A callback hook: it runs on every response, and an async one would cost a
  // promise each.
  app.addHook('onSend', (request, _reply, payload, done) => {
    if (
      !SAFE_METHODS.has(request.method) &&
      !CACHE_NEUTRAL_PREFIXES.some((prefix) => request.url.startsWith(prefix))
    ) {
      database.changes.publish();
    }
    done(null, payload);
  });
  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-authentik-id', request.id);
    reply.header('vary', 'Accept-Language');
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
      if (!reply.hasHeader(name)) reply.header(name, value);
    }
    // orjson's renderer sends `application/json` without a charset parameter.
    if (reply.getHeader('content-type') === 'application/json; charset=utf-8') {
      reply.header('content-type', 'application/json');
    }
    return payload;
  });

  app.setErrorHandler((error, request, reply) => {
    let apiError: ApiError | undefined;
    if (error instanceof ApiError) apiError = error;
    else {
      apiError = translateDatabaseError(error);
      // A data exception means a value slipped past validation: answer 400, but say so loudly.
      if (apiError) request.log.warn({ err: error }, 'database rejected a value');
    }
    if (!apiError) {
      const fastifyError = error as { code?: string; statusCode?: number; message: string };
      if (fastifyError.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
        apiError = ApiError.detail(415, Messages.unsupportedMediaType(request.headers['content-type'] ?? ''));
      } else if (fastifyError.statusCode && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
        apiError = ApiError.detail(fastifyError.statusCode, fastifyError.message);
      }
    }
    if (!apiError) {
      request.log.error({ err: error }, 'unhandled error');
      apiError = ApiError.detail(500, Messages.serverError);
    }
    return sendApiError(reply, apiError);
  });

  // authentik's NotFoundView: an HTML page for GET/HEAD; a template view that only answers GET
  // gives other methods 405 with an empty body (up to 2026.5, see docs/compatibility.md).
  app.setNotFoundHandler((request, reply) => {
    if (request.method === 'GET' || request.method === 'HEAD') {
      return reply.code(404).type('text/html; charset=utf-8').send(NOT_FOUND_PAGE);
    }
    // Django's View.options(): 200, empty, with the view's Allow header.
    if (request.method === 'OPTIONS') {
      return reply.code(200).header('allow', 'GET, HEAD, OPTIONS').type('text/html; charset=utf-8').send('');
    }
    return reply.code(405).header('allow', 'GET, HEAD, OPTIONS').type('text/html; charset=utf-8').send('');
  });

  await registerOpenApi(app);
  const deps = { db: database.db, permissions: services.permissions };
  const groups: [RouteSpec[], Record<string, ViewMetadata>][] = [
    [invitationStageRoutes(services.invitationStages), invitationStageViews],
    [flowRoutes(services.flows), flowViews],
    [bindingRoutes(services.bindings), bindingViews],
    [schemaRoutes(app), {}],
  ];
  for (const [routes, views] of groups) mountRoutes(app, deps, routes, views);
  await app.register(healthRoutes);

  const provided = new Map<string, unknown>();
  const tasks = new Map<string, PeriodicTask>();
  const moduleDeps: ModuleDeps = {
    app,
    config,
    database,
    db: database.db,
    install,
    shared: services,
    registry: provided,
  };
  for (const factory of MODULES) {
    const feature = factory(moduleDeps);
    for (const [name, service] of Object.entries(feature.provides ?? {})) provided.set(name, service);
    if (feature.routes) mountRoutes(app, deps, feature.routes, feature.views ?? {});
    if (feature.plugin) await app.register(feature.plugin);
    for (const task of feature.tasks ?? []) tasks.set(task.name, task);
  }
  app.decorate('runTask', async (name: string) => {
    const task = tasks.get(name);
    if (!task) throw new Error(`unknown task ${name}`);
    await task.run();
  });
  if (options.schedule !== false) scheduleTasks(app, [...tasks.values()]);
  // Fastify compiles every route's schemas as it boots: that too is done while the database
  // may still be opening.
  await app.ready();
  install.id = (await booting).installId;
  return app;
}
