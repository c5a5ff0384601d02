/**
 * Validates response bodies against authentik's own OpenAPI document (the schema.yml shipped
 * in @goauthentik/api 2026.8.3): every response a test sees through `TestClient` goes through
 * here, so a shape drift fails the test that produced it.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import YAML from 'yaml';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

const require = createRequire(import.meta.url);
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => void;

interface Operation {
  responses?: Record<string, { $ref?: string; content?: Record<string, { schema?: unknown }> }>;
}

type Document = {
  paths: Record<string, Record<string, Operation>>;
  components: {
    schemas: Record<string, unknown>;
    responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
  };
};

let loaded: { document: Document; ajv: Ajv; routes: { regex: RegExp; template: string }[] } | undefined;

function load() {
  if (loaded) return loaded;
  const file = require.resolve('@goauthentik/api/schema.yml');
  const document = YAML.parse(readFileSync(file, 'utf8')) as Document;
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  // authentik renders a blank EmailField as "" although its schema says `format: email`.
  const email = ajv.formats.email as RegExp;
  ajv.addFormat('email', { type: 'string', validate: (value: string) => value === '' || email.test(value) });
  // authentik sends `flow_obj: null` for an invitation without a flow, although its schema
  // documents a required Flow (authentik/stages/invitation/api.py InvitationSerializer).
  const invitation = document.components.schemas.Invitation as { properties: Record<string, object> };
  invitation.properties.flow_obj = { ...invitation.properties.flow_obj, nullable: true };
  // authentik's UserSerializer takes any username of up to 150 characters (a UniqueValidator,
  // no pattern), while the member and self serializers document the model field's pattern; a
  // user created through the API with, say, a backtick is rendered there all the same.
  for (const name of ['PartialUser', 'UserSelf']) {
    const schema = document.components.schemas[name] as { properties: Record<string, object> };
    const { pattern: _pattern, ...username } = schema.properties.username as { pattern?: string };
    schema.properties.username = username;
  }
  ajv.addSchema(fixNullable({ components: document.components }) as object, 'authentik');
  // Literal paths before templated ones, as DRF's router matches `events/actions/` before
  // `events/{event_uuid}/`.
  const templated = (template: string) => (template.match(/\{/g) ?? []).length;
  const paths = Object.keys(document.paths).sort((a, b) => templated(a) - templated(b));
  const routes = paths.map((template) => ({
    template,
    regex: new RegExp(
      `^${template
        .replace(/[.*+?^$()|[\]\\]/g, '\\$&')
        .replace(/\\?\{[^}]+\\?\}/g, '[^/]+')
        .replace(/\{[^}]+\}/g, '[^/]+')}$`,
    ),
  }));
  loaded = { document, ajv, routes };
  return loaded;
}

const validators = new Map<string, ValidateFunction | null>();

/**
 * OpenAPI's `discriminator` picks one `oneOf` branch by a property; JSON Schema's plain `oneOf`
 * would demand that exactly one branch match, which fails for unions such as ChallengeTypes
 * where some branches (EmailChallenge) require nothing. Spell the mapping out as if/then.
 */
function discriminated(node: Record<string, unknown>): Record<string, unknown> | undefined {
  const discriminator = node.discriminator as { propertyName?: string; mapping?: Record<string, string> };
  if (!Array.isArray(node.oneOf) || !discriminator?.propertyName || !discriminator.mapping) return undefined;
  const property = discriminator.propertyName;
  const mapping = discriminator.mapping;
  return {
    type: 'object',
    required: [property],
    properties: { [property]: { enum: Object.keys(mapping) } },
    allOf: Object.entries(mapping).map(([value, target]) => ({
      if: { properties: { [property]: { const: value } }, required: [property] },
      then: { $ref: target },
    })),
  };
}

/** OpenAPI 3.0's `nullable` beside allOf/$ref (no `type`) is not JSON Schema; spell it out. */
function fixNullable(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(fixNullable);
  if (node && typeof node === 'object') {
    const union = discriminated(node as Record<string, unknown>);
    if (union) return fixNullable(union);
    const { nullable, ...rest } = node as Record<string, unknown>;
    const fixed = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, fixNullable(v)]));
    if (nullable === true)
      return rest.type === undefined ? { anyOf: [fixed, { type: 'null' }] } : { ...fixed, nullable };
    return fixed;
  }
  return node;
}

function rewriteRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (node && typeof node === 'object') {
    return Object.fromEntries(
      Object.entries(node as Record<string, unknown>).map(([key, value]) => [
        key,
        key === '$ref' && typeof value === 'string' ? `authentik${value}` : rewriteRefs(value),
      ]),
    );
  }
  return node;
}

/** Finds authentik's schema for (method, path, status); null when authentik documents none. */
function validatorFor(method: string, path: string, status: number): ValidateFunction | null {
  const { document, ajv, routes } = load();
  const apiPath = path.replace(/^\/api\/v3/, '').split('?')[0];
  const route = routes.find((r) => r.regex.test(apiPath));
  const key = `${method} ${route?.template} ${status}`;
  if (validators.has(key)) return validators.get(key) ?? null;
  let validator: ValidateFunction | null = null;
  const operation = route ? document.paths[route.template][method.toLowerCase()] : undefined;
  let response = operation?.responses?.[String(status)];
  if (response?.$ref) response = document.components.responses[response.$ref.split('/').pop() as string];
  if (!response && status === 404) response = document.components.responses.GenericErrorResponse;
  const schema = response?.content?.['application/json']?.schema;
  if (schema) validator = ajv.compile(rewriteRefs(fixNullable(schema)) as object);
  validators.set(key, validator);
  return validator;
}

/** Whether authentik documents this path at all (Tessera's own extensions are not). */
export function isAuthentikPath(method: string, path: string): boolean {
  const { document, routes } = load();
  const apiPath = path.replace(/^\/api\/v3/, '').split('?')[0];
  const route = routes.find((r) => r.regex.test(apiPath));
  return Boolean(route && document.paths[route.template][method.toLowerCase()]);
}

/**
 * Throws when the body does not match authentik's documented schema. Bodies that authentik
 * itself sends outside its document (the bare-array 400 for a NUL in `search`) are let through.
 */
export function assertMatchesAuthentikSchema(
  method: string,
  path: string,
  status: number,
  body: unknown,
): void {
  if (!path.startsWith('/api/v3/') || body === undefined || typeof body === 'string') return;
  if (status === 400 && Array.isArray(body)) return;
  const validate = validatorFor(method, path, status);
  if (!validate) return;
  if (!validate(body)) {
    const errors = (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`).join('; ');
    throw new Error(
      `${method} ${path} ${status}: body does not match authentik's schema: ${errors}\n${JSON.stringify(body).slice(0, 500)}`,
    );
  }
}
