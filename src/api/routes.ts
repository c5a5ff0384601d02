/**
 * How an API v3 endpoint is declared and mounted. A route states its wire contract once
 * (operationId, body schema, response schemas); this module turns that into a Fastify route
 * with authentik's request pipeline in front of it:
 *
 *   content negotiation (404 for `?format=` other than json, 406 for an unusable Accept)
 *   -> authentication (403) -> view-level permission (403) -> method check (405)
 *   -> body parsing and validation (400) -> handler
 *
 * which is the order DRF's APIView.dispatch/initial runs them in.
 * @see rest_framework/views.py, rest_framework/negotiation.py
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { Db } from '../db/client.js';
import { authenticate, InvalidTokenError, type TokenUserCache } from './authentication.js';
import type { FailureLimiter } from './rate-limit.js';
import type { Actor, RequestContext } from './context.js';
import { ApiError, Messages } from './errors.js';
import { forwardedOrigin } from './forwarded.js';
import { lastValue, type RawQuery } from './filters.js';
import { UnsupportedBody } from './json-body.js';
import { GenericError, ValidationError, ref } from './schemas.js';
import type { GlobalPermissions } from './permissions.js';

export const API_PREFIX = '/api/v3';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface HandlerInput<B> {
  ctx: RequestContext;
  params: Record<string, string>;
  query: RawQuery;
  body: B;
  request: FastifyRequest;
  reply: FastifyReply;
}

export interface RouteSpec<B extends TSchema = TSchema> {
  method: Method;
  /** Path below /api/v3, with authentik's trailing slash and `:param` placeholders. */
  url: string;
  operationId: string;
  description: string;
  tags: string[];
  /** Documentation of path parameters (validated by the service: bad ids are 404s). */
  params?: TSchema;
  /** Documentation of query parameters (parsed by the service with django-filter rules). */
  querystring?: TSchema;
  body?: B;
  bodyRequired?: boolean;
  /** Success status and its schema; null means no body (204). */
  success: { status: number; schema: TSchema | null };
  /** `required` (default) answers 403 without credentials; `optional` lets anonymous through. */
  auth?: 'required' | 'optional';
  /**
   * The OpenAPI security requirements, when they differ from the default (`authentik` only):
   * authentik's user and group views also list `authentik_device_auth` (AgentAuth).
   */
  security?: Record<string, string[]>[];
  /**
   * authentik documents some actions' 400 as a bare description (drf-spectacular
   * OpenApiResponse, e.g. set_password's "Bad request") instead of the shared ValidationError.
   */
  badRequest?: string;
  /** A global permission DRF's has_permission demands before the body is read (list POST). */
  requires?: string;
  /** Content types of the success response besides JSON (the schema endpoint). */
  produces?: string[];
  /** The request changes no token, flow or stage, so it leaves the caches be (see buildApp). */
  cacheNeutral?: boolean;
  handler: (input: HandlerInput<Static<B>>) => Promise<unknown>;
}

export interface ViewMetadata {
  /** DRF's view name for OPTIONS, e.g. "Invitation Stage List". */
  name: string;
  description: string;
}

/** Declares a route with its body type inferred from the body schema. */
export function defineRoute<B extends TSchema>(spec: RouteSpec<B>): RouteSpec {
  return spec as unknown as RouteSpec;
}

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | null;
  }
  interface FastifyContextConfig {
    api?: {
      auth: 'required' | 'optional';
      requires?: string;
      allow?: string;
      /** The view's own content negotiation (the schema view's renderers); throws 404/406. */
      negotiate?: (request: FastifyRequest) => void;
    };
    /**
     * Writes to this route change no token, flow or stage: buildApp leaves the caches be
     * instead of emptying them when the answer leaves.
     */
    cacheNeutral?: boolean;
  }
}

const DRF_METHOD_ORDER = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

/**
 * DRF's content negotiation with its one renderer (`application/json`): some entry of the
 * Accept list, lower-cased and without parameters, must match `application/json` where `*`
 * matches anything. Quality values are not consulted (DRF orders by specificity only), and an
 * empty header matches nothing. No header at all accepts anything.
 * @see rest_framework/negotiation.py DefaultContentNegotiation, rest_framework/utils/mediatypes.py
 */
function acceptsJson(accept: string | undefined): boolean {
  if (accept === undefined) return true;
  return accept.split(',').some((entry) => {
    const [main, sub = ''] = entry.split(';')[0].trim().toLowerCase().split('/');
    return (main === '*' || main === 'application') && (sub === '*' || sub === 'json');
  });
}

/** The request-scoped context services receive. */
export function requestContext(request: FastifyRequest): RequestContext {
  return {
    actor: request.actor ?? null,
    clientIp: request.ip,
    requestId: request.id,
    method: request.method,
    path: request.url.split('?')[0],
    userAgent: request.headers['user-agent'] ?? '',
    origin: forwardedOrigin(request, request.server.config.trustedProxyCidrs),
    query: request.query as Record<string, unknown>,
  };
}

/**
 * The Fastify path of a route: DRF's routers match a lookup value only against `[^/.]+`
 * (SimpleRouter.get_lookup_regex), so an id with a dot in it never reaches the view and gets
 * the HTML 404 of an unknown URL instead of the view's JSON 404.
 */
function routerPath(url: string): string {
  return API_PREFIX + url.replace(/:(\w+)\//g, ':$1([^/.]+)/');
}

/**
 * Registers a group of routes that share URLs. For each URL it also answers OPTIONS with DRF's
 * simple metadata and every other method with 405 and the `Allow` header, after
 * authentication, as DRF does.
 */
export function mountRoutes(
  app: FastifyInstance,
  routes: RouteSpec[],
  metadata: Record<string, ViewMetadata> = {},
): void {
  const byUrl = new Map<string, RouteSpec[]>();
  for (const route of routes) byUrl.set(route.url, [...(byUrl.get(route.url) ?? []), route]);

  for (const [url, group] of byUrl) {
    const path = routerPath(url);
    const methods = new Set<string>(group.map((r) => r.method));
    if (methods.has('GET')) methods.add('HEAD');
    methods.add('OPTIONS');
    const allow = DRF_METHOD_ORDER.filter((m) => methods.has(m)).join(', ');
    const auth = group.every((r) => r.auth === 'optional') ? 'optional' : 'required';
    const cacheNeutral = group.some((r) => r.cacheNeutral);

    for (const route of group) {
      app.route({
        method: route.method,
        url: path,
        config: { api: { auth: route.auth ?? 'required', requires: route.requires, allow }, cacheNeutral },
        schema: {
          operationId: route.operationId,
          description: route.description,
          tags: route.tags,
          ...(route.params ? { params: route.params } : {}),
          ...(route.querystring ? { querystring: route.querystring } : {}),
          ...(route.body ? { body: route.body } : {}),
          security:
            route.security ?? (route.auth === 'optional' ? [{ authentik: [] }, {}] : [{ authentik: [] }]),
          response: {
            [route.success.status]: route.success.schema ?? Type.Null({ description: 'No response body' }),
            400: route.badRequest ? Type.Null({ description: route.badRequest }) : ref(ValidationError),
            403: ref(GenericError),
          },
        },
        // A request without a body (and without a Content-Type) is empty data to DRF, `{}`; a
        // body of an unsupported media type is a 415 once the view reads it.
        preValidation: async (request) => {
          if (!route.body) return;
          if (request.body === undefined) request.body = {};
          if (request.body instanceof UnsupportedBody) {
            throw ApiError.detail(415, Messages.unsupportedMediaType(request.body.contentType));
          }
        },
        handler: async (request, reply) => {
          const result = await route.handler({
            ctx: requestContext(request),
            params: request.params as Record<string, string>,
            query: request.query as RawQuery,
            body: request.body as never,
            request,
            reply,
          });
          reply.code(route.success.status);
          if (route.success.schema === null) return reply.send();
          return result;
        },
      });
    }

    const view = metadata[url];
    app.route({
      method: 'OPTIONS',
      url: path,
      config: { api: { auth, allow }, cacheNeutral },
      schema: { hide: true },
      handler: async (_request, reply) => {
        reply.header('allow', allow);
        return reply
          .type('application/json')
          .serializer(JSON.stringify)
          .send({
            name: view?.name ?? '',
            description: view?.description ?? group[0].description,
            renders: ['application/json'],
            parses: ['application/json'],
          });
      },
    });

    const others = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].filter((m) => !methods.has(m));
    if (others.length > 0) {
      app.route({
        method: others,
        url: path,
        config: { api: { auth, allow }, cacheNeutral },
        schema: { hide: true },
        handler: async (request) => {
          throw ApiError.detail(405, Messages.methodNotAllowed(request.method), { allow });
        },
      });
    }
  }
}

/**
 * The onRequest hook that runs authentik's pipeline in front of every API route: content
 * negotiation, then authentication, then the view-level permission. It runs before the body is
 * parsed, so an unauthenticated request gets its 403 even with a body DRF could not parse.
 */
export function apiPipeline(deps: {
  db: Db;
  permissions: GlobalPermissions;
  tokenCache?: TokenUserCache;
  limiter?: FailureLimiter;
}) {
  return async (request: FastifyRequest): Promise<void> => {
    const api = request.routeOptions.config.api;
    if (!api) return;
    if (api.negotiate) api.negotiate(request);
    else {
      // DRF tests `format` for truthiness: an empty value is no format.
      const format = lastValue(request.query as RawQuery, 'format');
      if (format && format !== 'json') throw ApiError.notFound();
      if (!acceptsJson(request.headers.accept)) throw ApiError.detail(406, Messages.notAcceptable);
    }
    try {
      request.actor = await authenticate(deps.db, request, deps.tokenCache, deps.limiter);
    } catch (error) {
      // A failed authentication is counted; over the limit it becomes the 429.
      if (error instanceof InvalidTokenError && deps.limiter) {
        await deps.limiter.fail('auth', requestContext(request));
      }
      throw error;
    }
    if (api.auth === 'required' && !request.actor) throw ApiError.forbidden(Messages.notAuthenticated);
    if (api.requires && request.actor) await deps.permissions.requireGlobal(request.actor, api.requires);
  };
}
