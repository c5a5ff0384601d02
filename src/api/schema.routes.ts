/**
 * The OpenAPI document of what Tessera serves, generated from the route schemas (never written
 * by hand) with authentik's operationIds and component names, at `/api/v3/schema/`: YAML by
 * default (`application/vnd.oai.openapi`), JSON with `?format=json` or the JSON media type.
 * @see drf-spectacular SpectacularAPIView as authentik mounts it (authentik/api/v3/urls.py)
 */
import type { FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import YAML from 'yaml';
import { API_PREFIX, type RouteSpec } from './routes.js';
import { ApiError } from './errors.js';

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

export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'authentik',
        version: '2026.8.3',
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

export function schemaRoutes(app: FastifyInstance): RouteSpec[] {
  let cached: { yaml: string; json: string } | undefined;
  const render = () => {
    if (!cached) {
      const document = buildDocument(app);
      cached = {
        yaml: YAML.stringify(document, { aliasDuplicateObjects: false }),
        json: JSON.stringify(document),
      };
    }
    return cached;
  };
  const anyObject = { type: 'object', additionalProperties: {} };
  app.route({
    method: 'GET',
    url: `${API_PREFIX}/schema/`,
    config: { api: { auth: 'optional', allow: 'GET, HEAD, OPTIONS' } },
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
      const query = request.query as Record<string, string | string[] | undefined>;
      const formatRaw = query.format;
      const format = Array.isArray(formatRaw) ? formatRaw[formatRaw.length - 1] : formatRaw;
      const accept = request.headers.accept ?? '';
      const wantsJson =
        format === 'json' || (format === undefined && /application\/(vnd\.oai\.openapi\+)?json/.test(accept));
      if (format !== undefined && format !== 'json' && format !== 'yaml') throw ApiError.notFound();
      const body = render();
      if (wantsJson) {
        return reply
          .type(
            accept.includes('application/json') && format !== 'json'
              ? 'application/json'
              : 'application/vnd.oai.openapi+json',
          )
          .serializer((x) => x as string)
          .send(body.json);
      }
      return reply
        .type('application/vnd.oai.openapi')
        .serializer((x) => x as string)
        .send(body.yaml);
    },
  });
  return [];
}
