/**
 * The composition root: `buildApp(config)` opens the database, sets up what every request
 * shares (parsers, compilers, hooks, the error handler) and then loads the features, without
 * listening. The server entry point and the tests both use it.
 */
import { randomUUID } from 'node:crypto';
import Fastify, {
  LogController,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifySchemaCompiler,
  type FastifyServerOptions,
} from 'fastify';
import type { FastifySerializerCompiler } from 'fastify/types/schema.js';
import type { Config } from './config.js';
import { embeddedVacuumTask, openDatabase, type Database } from './db/client.js';
import { ApiError, Messages } from './api/errors.js';
import { translateDatabaseError } from './api/db-errors.js';
import { componentSchemas, schemaRegistry } from './api/schemas.js';
import { validateBody, type JsonSchema } from './api/validation.js';
import { compileSerializer } from './api/serialization.js';
import { apiPipeline } from './api/routes.js';
import { SAFE_METHODS, TokenUserCache } from './api/authentication.js';
import { parseJsonBody, parseOtherBody } from './api/json-body.js';
import { clientErrorHandler } from './api/client-errors.js';
import { maskInvitationTokensInUrl } from './events/invitation-token.js';
import { bootstrap } from './core/bootstrap/bootstrap.service.js';
import type { Install } from './core/bootstrap/install.js';
import { PeriodicTasks, type Feature } from './lib/feature.js';
import { apiFeature } from './api/api.feature.js';
import { eventFeature } from './events/event.feature.js';
import { outboxFeature } from './outbox/outbox.feature.js';
import { rbacFeature } from './rbac/rbac.feature.js';
import { userFeature } from './core/users/user.feature.js';
import { groupFeature } from './core/groups/group.feature.js';
import { tokenFeature } from './core/tokens/token.feature.js';
import { flowFeature } from './flows/flow.feature.js';
import { executorFeature } from './flows/executor/executor.feature.js';
import { invitationFeature } from './stages/invitation/invitation.feature.js';
import { promptFeature } from './stages/prompt/prompt.feature.js';
import { userWriteFeature } from './stages/user_write/user-write.feature.js';
import { userLoginFeature } from './stages/user_login/user-login.feature.js';
import { userLogoutFeature } from './stages/user_logout/user-logout.feature.js';
import { identificationFeature } from './stages/identification/identification.feature.js';
import { passwordFeature } from './stages/password/password.feature.js';
import { emailFeature } from './stages/email/email.feature.js';
import { interfacesFeature } from './core/interfaces/interfaces.feature.js';
import { adminFeature } from './admin/admin.feature.js';
import { rootFeature } from './root/root.feature.js';
import { defaultFlowsFeature } from './blueprints/default/default-flows.feature.js';
import { blueprintFeature } from './blueprints/blueprint.feature.js';
import { webhookFeature } from './webhooks/webhook.feature.js';
import { NOT_FOUND_PAGE } from './web/html.js';
import { noMetrics, type Metrics } from './lib/metrics.js';

export interface BuildOptions {
  /** Use an already open database (tests share one per file); otherwise one is opened from config. */
  database?: Database;
  logger?: FastifyServerOptions['logger'];
  /** Run periodic tasks on their timers (default true); tests run them with `app.runTask`. */
  schedule?: boolean;
  /** Where requests, invitations, enrollments and emails are counted (default: nowhere). */
  metrics?: Metrics;
}

/**
 * Every feature, each from its folder (src/lib/feature.ts). Their routes appear in the OpenAPI
 * document in this order; the document itself comes first.
 */
const FEATURES: Feature[] = [
  apiFeature,
  eventFeature,
  outboxFeature,
  rbacFeature,
  userFeature,
  groupFeature,
  tokenFeature,
  flowFeature,
  executorFeature,
  invitationFeature,
  promptFeature,
  userWriteFeature,
  userLoginFeature,
  userLogoutFeature,
  identificationFeature,
  passwordFeature,
  emailFeature,
  webhookFeature,
  interfacesFeature,
  adminFeature,
  rootFeature,
  defaultFlowsFeature,
  blueprintFeature,
];

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics;
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

// A recovery link's key signs its holder in as the user it was made for.
const RECOVERY_KEY_IN_PATH = /(\/recovery\/use-token\/)([^/?#]+)/gi;

/** A request URL without the secrets URLs carry: invitation tokens and recovery keys. */
export function maskUrlSecrets(url: string): string {
  return maskInvitationTokensInUrl(url).replace(RECOVERY_KEY_IN_PATH, '$1********');
}

/**
 * Fastify's request serializer with the URL's secrets masked: the request log keeps every
 * `?itoken=` link otherwise, as the audit log would without its masking.
 */
const LOG_SERIALIZERS = {
  req(request: FastifyRequest) {
    return {
      method: request.method,
      url: maskUrlSecrets(request.url),
      host: request.host,
      remoteAddress: request.ip,
      remotePort: request.socket?.remotePort,
    };
  },
};

/**
 * The logger options with Tessera's serializers, whatever else the caller configured (a test's
 * stream); by default the configured level (AUTHENTIK_LOG_LEVEL), level names (`"level":"info"`, not pino's 30) and ISO timestamps, which an operator
 * reads without a decoder.
 */
function loggerOptions(config: Config, logger: BuildOptions['logger']): FastifyServerOptions['logger'] {
  if (logger === false) return false;
  const caller = logger === undefined || logger === true ? {} : logger;
  return {
    level: config.logLevel === 'warning' ? 'warn' : config.logLevel,
    formatters: { level: (label: string) => ({ level: label }) },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    ...caller,
    serializers: { ...caller.serializers, ...LOG_SERIALIZERS },
  };
}

/** Probes poll these every few seconds: their lines go to debug, not info. */
const PROBE_PREFIX = '/-/health/';

/**
 * One log line per answered request, with its method, masked URL, status and duration:
 * Fastify's "incoming request" line is dropped, and health probes log at debug.
 */
class RequestLog extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    const line = { req: request, res: reply, responseTime: reply.elapsedTime };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else if (request.url.startsWith(PROBE_PREFIX)) reply.log.debug(line, 'request completed');
    else reply.log.info(line, 'request completed');
  }
}

/** Each answered request's count and duration, by route pattern (not URL) and status. */
function requestMetrics(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.request(route, request.method, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
}

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
    logController: new RequestLog(),
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
  const metrics = options.metrics ?? noMetrics;
  app.decorate('metrics', metrics);
  requestMetrics(app, metrics);
  if (!options.database) app.addHook('onClose', async () => database.close());

  // The bootstrap's statements wait for the database to open, which can still be under way
  // (src/db/pglite-thread.ts): routes are registered meanwhile, and the install id they present
  // users with is filled in before buildApp returns.
  const install: Install = { id: '' };
  const booting = bootstrap(database.db, config.bootstrap);
  booting.catch(() => undefined);
  app.decorate('install', install);
  app.decorate('installId', { getter: () => install.id });
  const tasks = new PeriodicTasks();
  app.decorate('tasks', tasks);
  app.decorate('runTask', (name: string) => tasks.run(name));

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
  // Shared services first, so that the pipeline below and every feature's routes can use them.
  for (const feature of FEATURES) feature.provide?.(app);
  app.addHook(
    'onRequest',
    apiPipeline({ db: database.db, permissions: app.permissions, tokenCache, limiter: app.limiter }),
  );
  // After authentication, so that its statements stay on the primary (src/db/read-routing.ts).
  database.routing?.register(app);
  // A change made through this instance clears its caches before the answer leaves, rather than
  // when the notification of its commit comes back; routes marked `cacheNeutral` change nothing
  // a cache holds and are left out. A callback hook: it runs on every response, and an async
  // one would cost a promise each.
  app.addHook('onSend', (request, _reply, payload, done) => {
    if (!SAFE_METHODS.has(request.method) && !request.routeOptions.config.cacheNeutral) {
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
      if (apiError) {
        request.log.warn(
          { err: error },
          apiError.status >= 500 ? 'database unavailable' : 'database rejected a value',
        );
      }
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

  for (const feature of FEATURES) await feature.register(app);
  if (database.kind === 'pglite') {
    tasks.add(embeddedVacuumTask(database.db, config.embeddedVacuumIntervalSeconds ?? 3600));
  }
  if (options.schedule !== false) {
    const stopTasks = tasks.schedule(app.log);
    app.addHook('onClose', async () => stopTasks());
  }
  // Fastify compiles every route's schemas as it boots: that too is done while the database
  // may still be opening.
  await app.ready();
  install.id = (await booting).installId;
  for (const feature of FEATURES) await feature.start?.(app);
  return app;
}
