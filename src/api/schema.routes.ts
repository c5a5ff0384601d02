/**
 * The OpenAPI document of what Tessera serves, generated from the route schemas (never written
 * by hand) with authentik's operationIds and component names, at `/api/v3/schema/`: YAML by
 * default (`application/vnd.oai.openapi; charset=utf-8`), JSON with `?format=json` or the JSON
 * media types, negotiated as DRF does for drf-spectacular's four renderers.
 * @see drf-spectacular SpectacularAPIView as authentik mounts it (authentik/api/v3/urls.py)
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import swagger from '@fastify/swagger';
import { API_PREFIX, type RouteSpec } from './routes.js';
import { ApiError, Messages } from './errors.js';
import { lastValue, type RawQuery } from './filters.js';

const ERROR_RESPONSES = {
  ValidationErrorResponse: {
    content: { 'application/json': { schema: { $ref: '#/components/schemas/ValidationError' } } },
    description: '',
  },
  GenericErrorResponse: {
    content: { 'application/json': { schema: { $ref: '#/components/schemas/GenericError' } } },
    description: '',
  },
};

/** The authentik release whose API Tessera serves (its schema.yml is the reference). */
export const AUTHENTIK_VERSION = '2026.8.3';

export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'authentik',
        version: AUTHENTIK_VERSION,
        description: 'Making authentication simple. Served by Tessera.',
      },
      servers: [{ url: API_PREFIX }],
      components: {
        // authentik 2026.8.3's schemes, declared alike so that generated clients configure the
        // same credentials; Tessera's routes use `authentik` (bearer API tokens) only.
        securitySchemes: {
          authentik: { type: 'http', scheme: 'bearer' },
          authentik_device_auth: { type: 'http', scheme: 'bearer+agent' },
          authentik_device_enroll: { type: 'http', scheme: 'bearer' },
          authentik_device_federation: { type: 'http', scheme: 'bearer' },
        },
      },
    },
    hideUntagged: true,
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, index) => String(json.$id ?? `def-${index}`),
    },
    transform: ({ schema, url }) => ({
      schema: schema as never,
      url: url.startsWith(API_PREFIX) ? url.slice(API_PREFIX.length) : url,
    }),
  });
}

/** Removes Tessera's private validation hints from a schema tree. */
function clean(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(clean);
  if (node && typeof node === 'object') {
    return Object.fromEntries(
      Object.entries(node as Record<string, unknown>)
        .filter(([key]) => !key.startsWith('x-drf-') && key !== '$id')
        .map(([key, value]) => [key, clean(value)]),
    );
  }
  return node;
}

interface OpenApiOperation {
  responses?: Record<string, unknown>;
  requestBody?: { required?: boolean; content?: Record<string, { schema?: { $ref?: string } }> };
}

type OpenApiDocument = {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { schemas?: Record<string, { required?: string[] }> } & Record<string, unknown>;
};

/**
 * drf-spectacular marks a request body required when its serializer has a required field and
 * the request is not partial: never for PATCH, and not for a body whose fields are all optional
 * (@fastify/swagger always writes `required: true`).
 * @see drf_spectacular/openapi.py AutoSchema._get_request_body
 */
function fixRequestBodyRequired(document: OpenApiDocument, method: string, operation: OpenApiOperation) {
  const body = operation.requestBody;
  if (!body) return;
  const name = body.content?.['application/json']?.schema?.$ref?.split('/').pop();
  const component = name ? document.components.schemas?.[name] : undefined;
  const hasRequiredField = (component?.required ?? []).length > 0;
  if (method !== 'patch' && hasRequiredField) body.required = true;
  else delete body.required;
}

/** The document, with the shared error responses referenced the way drf-spectacular does. */
export function buildDocument(app: FastifyInstance): OpenApiDocument {
  const document = clean(app.swagger()) as OpenApiDocument;
  for (const operations of Object.values(document.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      fixRequestBodyRequired(document, method, operation);
      if (!operation.responses) continue;
      // A 400 documented by description only (RouteSpec.badRequest) stays as it is.
      const badRequest = operation.responses['400'] as { content?: unknown } | undefined;
      if (badRequest?.content)
        operation.responses['400'] = { $ref: '#/components/responses/ValidationErrorResponse' };
      if (operation.responses['403'])
        operation.responses['403'] = { $ref: '#/components/responses/GenericErrorResponse' };
    }
  }
  document.components.responses = ERROR_RESPONSES;
  return document;
}

/** drf-spectacular's renderers on SpectacularAPIView, in its order (YAML first). */
interface Renderer {
  mediaType: string;
  format: 'yaml' | 'json';
  /** DRF's BaseRenderer charset (`utf-8`); the JSON renderers have none. */
  charset: string | null;
}

const RENDERERS: Renderer[] = [
  { mediaType: 'application/vnd.oai.openapi', format: 'yaml', charset: 'utf-8' },
  { mediaType: 'application/yaml', format: 'yaml', charset: 'utf-8' },
  { mediaType: 'application/vnd.oai.openapi+json', format: 'json', charset: null },
  { mediaType: 'application/json', format: 'json', charset: null },
];

interface MediaType {
  text: string;
  main: string;
  sub: string;
  params: [string, string][];
}

function parseMediaType(text: string): MediaType {
  const [type, ...rest] = text.split(';');
  const [main = '', sub = ''] = type.trim().toLowerCase().split('/');
  const params = rest
    .map((part) => part.split('='))
    .filter((pair) => pair.length === 2)
    .map(([key, value]) => [key.trim().toLowerCase(), value.trim()] as [string, string]);
  return { text, main, sub, params };
}

/** DRF's _MediaType.precedence: `*` 0, `type/*` 1, a full type 2, with parameters 3. */
function precedence(media: MediaType): number {
  if (media.main === '*') return 0;
  if (media.sub === '*') return 1;
  if (media.params.length === 0 || media.params.every(([key]) => key === 'q')) return 2;
  return 3;
}

function matches(renderer: Renderer, media: MediaType): boolean {
  const [main, sub] = renderer.mediaType.split('/');
  return (media.sub === '*' || media.sub === sub) && (media.main === '*' || media.main === main);
}

interface Negotiated {
  renderer: Renderer;
  contentType: string;
}

/** The response's Content-Type: the accepted media type, with the renderer's charset. */
function contentType(renderer: Renderer, accepted: string): string {
  return renderer.charset ? `${accepted}; charset=${renderer.charset}` : accepted;
}

/**
 * DRF's DefaultContentNegotiation over the schema view's renderers: `?format=` (a truthy value)
 * keeps the renderers of that format, none is a 404; then the Accept entries by precedence,
 * the first renderer one of them matches wins (q is not consulted); none is a 406. A wildcard
 * entry answers with the renderer's own type (plus the entry's parameters).
 * @see rest_framework/negotiation.py DefaultContentNegotiation.select_renderer
 */
function negotiate(format: string | undefined, accept: string | undefined): Negotiated {
  const renderers = format ? RENDERERS.filter((r) => r.format === format) : RENDERERS;
  if (renderers.length === 0) throw ApiError.notFound();
  const entries = (accept ?? '*/*').split(',').map((entry) => parseMediaType(entry.trim()));
  for (const level of [3, 2, 1, 0]) {
    const set = entries.filter((entry) => precedence(entry) === level);
    for (const renderer of renderers) {
      const media = set.find((entry) => matches(renderer, entry));
      if (!media) continue;
      const accepted =
        level < 2
          ? [renderer.mediaType, ...media.params.map(([key, value]) => `${key}=${value}`)].join(';')
          : media.text;
      return { renderer, contentType: contentType(renderer, accepted) };
    }
  }
  throw ApiError.detail(406, Messages.notAcceptable);
}

const negotiated = new WeakMap<FastifyRequest, Negotiated>();

/** DRF's default codes of the errors this view can raise, which the YAML renderer prints. */
function errorCode(error: ApiError): string {
  switch (error.status) {
    case 403:
      return 'authentication_failed';
    case 404:
      return 'not_found';
    case 405:
      return 'method_not_allowed';
    case 406:
      return 'not_acceptable';
    default:
      return 'error';
  }
}

/** The YAML library, loaded when the schema is first asked for rather than at every start. */
const loadYaml = async () => (await import('yaml')).default;

/**
 * Errors of the schema view go through the negotiated renderer (the first one, YAML, when
 * negotiation itself failed, as DRF's forced negotiation falls back to): the YAML renderer
 * prints an ErrorDetail as `{string, code}`.
 * @see drf_spectacular/renderers.py OpenApiYamlRenderer
 */
async function schemaErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (!(error instanceof ApiError)) throw error;
  const choice = negotiated.get(request) ?? {
    renderer: RENDERERS[0],
    contentType: contentType(RENDERERS[0], RENDERERS[0].mediaType),
  };
  const body = error.body as { detail?: string };
  const text =
    choice.renderer.format === 'yaml' && typeof body.detail === 'string'
      ? (await loadYaml()).stringify({ detail: { string: body.detail, code: errorCode(error) } })
      : JSON.stringify(error.body);
  for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  return reply
    .code(error.status)
    .type(choice.contentType)
    .serializer((x) => x as string)
    .send(text);
}

export function schemaRoutes(app: FastifyInstance): RouteSpec[] {
  let cached: { yaml: string; json: string } | undefined;
  const render = async () => {
    if (!cached) {
      const document = buildDocument(app);
      cached = {
        yaml: (await loadYaml()).stringify(document, { aliasDuplicateObjects: false }),
        json: JSON.stringify(document),
      };
    }
    return cached;
  };
  const anyObject = { type: 'object', additionalProperties: {} };
  // Content negotiation runs first in the pipeline (before authentication), as in DRF.
  const api = {
    auth: 'optional' as const,
    allow: 'GET, HEAD, OPTIONS',
    negotiate: (request: FastifyRequest) => {
      const format = lastValue(request.query as RawQuery, 'format');
      negotiated.set(request, negotiate(format, request.headers.accept));
    },
  };
  app.route({
    method: ['POST', 'PUT', 'PATCH', 'DELETE'],
    url: `${API_PREFIX}/schema/`,
    config: { api },
    schema: { hide: true },
    errorHandler: schemaErrorHandler,
    handler: async (request) => {
      throw ApiError.detail(405, Messages.methodNotAllowed(request.method), { allow: api.allow });
    },
  });
  app.route({
    method: 'GET',
    url: `${API_PREFIX}/schema/`,
    config: { api },
    errorHandler: schemaErrorHandler,
    schema: {
      operationId: 'schema_retrieve',
      description:
        'OpenApi3 schema for this API. Format can be selected via content negotiation.\n\n- YAML: application/vnd.oai.openapi\n- JSON: application/vnd.oai.openapi+json',
      tags: ['schema'],
      querystring: {
        type: 'object',
        properties: { format: { type: 'string', enum: ['json', 'yaml'] }, lang: { type: 'string' } },
      },
      security: [{ authentik: [] }, {}],
      response: {
        200: {
          description: '',
          content: {
            'application/vnd.oai.openapi': { schema: anyObject },
            'application/yaml': { schema: anyObject },
            'application/vnd.oai.openapi+json': { schema: anyObject },
            'application/json': { schema: anyObject },
          },
        },
        // drf-spectacular documents authentik's shared error responses on this view as well.
        400: { $ref: 'ValidationError' },
        403: { $ref: 'GenericError' },
      },
    },
    handler: async (request, reply) => {
      const choice = negotiated.get(request) as Negotiated;
      const body = await render();
      return reply
        .type(choice.contentType)
        .serializer((x) => x as string)
        .send(choice.renderer.format === 'json' ? body.json : body.yaml);
    },
  });
  return [];
}
