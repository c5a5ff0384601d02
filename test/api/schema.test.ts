/**
 * The OpenAPI document Tessera serves (`/api/v3/schema/`) against authentik's own (schema.yml
 * in @goauthentik/api 2026.8.3): for every operation Tessera serves on a path authentik also
 * has, the same operationId, parameters, request body and success responses, and for every
 * component those reach, the same property names and `required` lists.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import YAML from 'yaml';
import { buildTestApp } from '../helpers/test-app.js';

const require = createRequire(import.meta.url);

interface Schema {
  $ref?: string;
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  allOf?: Schema[];
  enum?: unknown[];
  additionalProperties?: unknown;
  [key: string]: unknown;
}
interface Parameter {
  $ref?: string;
  in: string;
  name: string;
  required?: boolean;
}
interface Operation {
  operationId: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema: Schema }> };
  responses: Record<string, { $ref?: string; content?: Record<string, { schema: Schema }> }>;
  security?: Record<string, string[]>[];
  tags?: string[];
}
interface Document {
  openapi: string;
  servers: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: {
    schemas: Record<string, Schema>;
    parameters?: Record<string, Parameter>;
    securitySchemes: Record<string, unknown>;
    responses?: Record<string, unknown>;
  };
}

/**
 * Properties Tessera sends beyond authentik 2026.8.3's component, each listed in
 * docs/compatibility.md: FlowSet carries 2025.10's `background` beside `background_url`;
 * invitations carry `max_uses` (writable), `uses`, `status`, `revoked_at` and `revoked_by` after
 * authentik's fields, then their grants (`groups`, `roles`, with read-only summaries) and email
 * binding.
 */
const INVITATION_WRITABLE = ['max_uses', 'groups', 'roles', 'email', 'email_domains'];
const DOCUMENTED_EXTRAS: Record<string, string[]> = {
  FlowSet: ['background'],
  Invitation: [
    'max_uses',
    'uses',
    'status',
    'revoked_at',
    'revoked_by',
    'groups',
    'groups_obj',
    'roles',
    'roles_obj',
    'email',
    'email_domains',
  ],
  InvitationRequest: INVITATION_WRITABLE,
  PatchedInvitationRequest: INVITATION_WRITABLE,
};

/** Query parameters Tessera adds to authentik's operations, each listed in docs/compatibility.md. */
const DOCUMENTED_EXTRA_PARAMETERS: Record<string, string[]> = {
  'get /stages/invitation/invitations/': ['query:status'],
  'get /events/events/': ['query:created__gte', 'query:created__lt'],
};

/** Operations Tessera adds beside authentik's, each listed in docs/compatibility.md. */
const TESSERA_EXTENSIONS = [
  'get /stages/invitation/stages/{stage_uuid}/consumption/',
  'put /stages/invitation/stages/{stage_uuid}/consumption/',
  'patch /stages/invitation/stages/{stage_uuid}/consumption/',
  'get /stages/invitation/invitations/{invite_uuid}/uses/',
  'post /stages/invitation/invitations/bulk/',
  'post /stages/invitation/invitations/{invite_uuid}/revoke/',
  'get /stages/invitation/invitations/{invite_uuid}/timeline/',
  'get /stages/invitation/invitations/{invite_uuid}/deliveries/',
  'get /tessera/webhooks/',
  'post /tessera/webhooks/',
  'get /tessera/webhooks/{endpoint_uuid}/',
  'put /tessera/webhooks/{endpoint_uuid}/',
  'patch /tessera/webhooks/{endpoint_uuid}/',
  'delete /tessera/webhooks/{endpoint_uuid}/',
  'get /tessera/webhooks/{endpoint_uuid}/used_by/',
  'get /tessera/webhooks/{endpoint_uuid}/deliveries/',
];

/** Enum values Tessera adds to authentik's, each listed in docs/compatibility.md. */
const DOCUMENTED_EXTRA_ENUM_VALUES: Record<string, string[]> = {
  // Tessera's own model, so that permissions on webhook endpoints can be assigned per object.
  ModelEnum: ['tessera_webhooks.webhookendpoint'],
};

const authentik = YAML.parse(
  readFileSync(require.resolve('@goauthentik/api/schema.yml'), 'utf8'),
) as Document;

const t = await buildTestApp();
const response = await t.client.get('/api/v3/schema/?format=json', { token: null });
const tessera = JSON.parse(response.text) as Document;

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

function operations(document: Document) {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((method) => ({ path, method, operation: item[method] })),
  );
}

const shared = operations(tessera).filter(({ path, method }) => authentik.paths[path]?.[method]);

function refName(schema: Schema | undefined): string | undefined {
  return schema?.$ref?.split('/').pop();
}

function parameterNames(document: Document, operation: Operation): string[] {
  return (operation.parameters ?? [])
    .map((p) => (p.$ref ? document.components.parameters?.[p.$ref.split('/').pop() as string] : p))
    .map((p) => `${p?.in}:${p?.name}${p?.required ? '*' : ''}`)
    .sort();
}

/** Component names a schema refers to, directly or through allOf/items/properties. */
function referencedComponents(schema: Schema | undefined, into: Set<string>, document: Document): void {
  if (!schema || typeof schema !== 'object') return;
  const name = refName(schema);
  if (name) {
    if (into.has(name)) return;
    into.add(name);
    referencedComponents(document.components.schemas[name], into, document);
    return;
  }
  for (const part of schema.allOf ?? []) referencedComponents(part, into, document);
  referencedComponents(schema.items, into, document);
  for (const property of Object.values(schema.properties ?? {}))
    referencedComponents(property, into, document);
  if (typeof schema.additionalProperties === 'object') {
    referencedComponents(schema.additionalProperties as Schema, into, document);
  }
}

function bodyComponents(operation: Operation): Set<string> {
  const names = new Set<string>();
  referencedComponents(operation.requestBody?.content['application/json']?.schema, names, tessera);
  for (const status of ['200', '201']) {
    referencedComponents(operation.responses[status]?.content?.['application/json']?.schema, names, tessera);
  }
  return names;
}

describe('the schema endpoint', () => {
  test('serves YAML by default as application/vnd.oai.openapi, to anyone', async () => {
    const yaml = await t.client.get('/api/v3/schema/', { token: null });
    assert.equal(yaml.status, 200);
    // drf-spectacular's YAML renderer keeps DRF's default charset; its JSON renderers have none.
    assert.equal(yaml.headers['content-type'], 'application/vnd.oai.openapi; charset=utf-8');
    assert.deepEqual(YAML.parse(yaml.text), tessera);
  });

  test('serves JSON for ?format=json and for the JSON media types', async () => {
    assert.equal(response.status, 200);
    assert.equal(response.headers['content-type'], 'application/vnd.oai.openapi+json');
    const negotiated = await t.client.get('/api/v3/schema/', {
      token: null,
      headers: { accept: 'application/vnd.oai.openapi+json' },
    });
    assert.deepEqual(JSON.parse(negotiated.text), tessera);
    const yaml = await t.client.get('/api/v3/schema/?format=yaml', { token: null });
    assert.equal(yaml.headers['content-type'], 'application/vnd.oai.openapi; charset=utf-8');
    // An empty format is no format.
    assert.equal((await t.client.get('/api/v3/schema/?format=', { token: null })).status, 200);
  });

  test("negotiates over drf-spectacular's four renderers, before authentication", async () => {
    const typeFor = async (accept: string, query = '') => {
      const r = await t.client.get(`/api/v3/schema/${query}`, { token: null, headers: { accept } });
      return [r.status, r.headers['content-type']];
    };
    assert.deepEqual(await typeFor('application/json'), [200, 'application/json']);
    assert.deepEqual(await typeFor('application/yaml'), [200, 'application/yaml; charset=utf-8']);
    assert.deepEqual(await typeFor('text/html, application/json'), [200, 'application/json']);
    assert.deepEqual(await typeFor('application/*'), [200, 'application/vnd.oai.openapi; charset=utf-8']);
    assert.deepEqual(await typeFor('*/*', '?format=json'), [200, 'application/vnd.oai.openapi+json']);
    assert.deepEqual(await typeFor('application/json', '?format=yaml'), [
      406,
      'application/vnd.oai.openapi; charset=utf-8',
    ]);
    // Errors of this view go through its renderer: YAML prints DRF's ErrorDetail with its code.
    const html = await t.client.get('/api/v3/schema/', {
      token: 'not-a-token',
      headers: { accept: 'text/html' },
    });
    assert.equal(html.status, 406);
    assert.deepEqual(YAML.parse(html.text), {
      detail: { string: 'Could not satisfy the request Accept header.', code: 'not_acceptable' },
    });
    const other = await t.client.get('/api/v3/schema/?format=xml', { token: null });
    assert.equal(other.status, 404);
    assert.deepEqual(YAML.parse(other.text), { detail: { string: 'Not found.', code: 'not_found' } });
    const badToken = await t.client.get('/api/v3/schema/?format=json', { token: 'not-a-token' });
    assert.equal(badToken.status, 403);
    assert.deepEqual(JSON.parse(badToken.text), { detail: 'Token invalid/expired' });
    const post = await t.client.request('POST', '/api/v3/schema/', { token: null });
    assert.equal(post.status, 405);
    assert.equal(post.headers.allow, 'GET, HEAD, OPTIONS');
    assert.deepEqual(YAML.parse(post.text), {
      detail: { string: 'Method "POST" not allowed.', code: 'method_not_allowed' },
    });
    // An admin token is fine too.
    assert.equal((await t.client.get('/api/v3/schema/')).status, 200);
  });

  test('carries authentik’s document header: version, servers and the security schemes it uses', () => {
    assert.equal(tessera.openapi, authentik.openapi);
    assert.deepEqual(tessera.servers, authentik.servers);
    assert.equal((tessera as unknown as { info: { version: string } }).info.version, '2026.8.3');
    const used = new Set(
      operations(tessera).flatMap(({ operation }) =>
        (operation.security ?? []).flatMap((requirement) => Object.keys(requirement)),
      ),
    );
    assert.ok(used.size > 0);
    for (const scheme of used) {
      assert.deepEqual(
        tessera.components.securitySchemes[scheme],
        authentik.components.securitySchemes[scheme],
      );
    }
    assert.deepEqual(tessera.components.securitySchemes, authentik.components.securitySchemes);
  });
});

describe('Tessera’s document matches authentik’s for every operation both have', () => {
  test('the shared operations include the seed endpoint, flows and bindings', () => {
    const ids = new Set(shared.map(({ operation }) => operation.operationId));
    for (const id of [
      'stages_invitation_stages_list',
      'stages_invitation_stages_create',
      'stages_invitation_stages_used_by_list',
      'flows_instances_list',
      'flows_instances_partial_update',
      'flows_bindings_list',
      'flows_bindings_destroy',
      'schema_retrieve',
    ]) {
      assert.ok(ids.has(id), id);
    }
  });

  test('every Tessera path under /api/v3 is one authentik documents, or a documented extension', () => {
    const extra = operations(tessera)
      .filter(({ path, method }) => !authentik.paths[path]?.[method])
      .filter(({ path, method }) => !TESSERA_EXTENSIONS.includes(`${method} ${path}`))
      .map(({ path, method }) => `${method} ${path}`);
    assert.deepEqual(extra, []);
  });

  for (const { path, method, operation } of shared) {
    const theirs = authentik.paths[path][method];
    test(`${method.toUpperCase()} ${path}`, () => {
      assert.equal(operation.operationId, theirs.operationId, 'operationId');
      const extraParameters = DOCUMENTED_EXTRA_PARAMETERS[`${method} ${path}`] ?? [];
      for (const extra of extraParameters) {
        assert.ok(parameterNames(tessera, operation).includes(extra), `documented extra ${extra}`);
      }
      assert.deepEqual(
        parameterNames(tessera, operation).filter((name) => !extraParameters.includes(name)),
        parameterNames(authentik, theirs),
        'parameters',
      );
      assert.deepEqual(operation.security, theirs.security, 'security');
      assert.deepEqual(operation.tags, theirs.tags, 'tags');
      // Request body: same component, same `required` flag (drf-spectacular: true for POST/PUT
      // bodies with required fields, absent for PATCH).
      assert.equal(
        refName(operation.requestBody?.content['application/json']?.schema),
        refName(theirs.requestBody?.content['application/json']?.schema),
        'request body component',
      );
      assert.deepEqual(
        Object.keys(operation.requestBody?.content ?? {}),
        Object.keys(theirs.requestBody?.content ?? {}),
        'request content types',
      );
      assert.equal(operation.requestBody?.required, theirs.requestBody?.required, 'requestBody.required');
      // Success responses: the same statuses, content types and component.
      const successes = (op: Operation) => Object.keys(op.responses).filter((s) => s.startsWith('2'));
      assert.deepEqual(successes(operation), successes(theirs), 'success statuses');
      for (const status of successes(theirs)) {
        const ours = operation.responses[status];
        const their = theirs.responses[status];
        assert.deepEqual(
          Object.keys(ours.content ?? {}),
          Object.keys(their.content ?? {}),
          `${status} content`,
        );
        const schema = (r: typeof ours) => r.content?.['application/json']?.schema;
        assert.equal(refName(schema(ours)), refName(schema(their)), `${status} component`);
        assert.equal(refName(schema(ours)?.items), refName(schema(their)?.items), `${status} item component`);
      }
      // Error responses: the same shared responses authentik references.
      for (const status of ['400', '403']) {
        assert.deepEqual(operation.responses[status], theirs.responses[status], `${status} response`);
      }
    });
  }

  const components = new Set<string>();
  for (const { operation } of shared) for (const name of bodyComponents(operation)) components.add(name);

  test('the components compared include the nested ones', () => {
    for (const name of ['InvitationStage', 'FlowSet', 'Stage', 'Pagination', 'UsedBy', 'FlowStageBinding']) {
      assert.ok(components.has(name), name);
    }
  });

  for (const name of [...components].sort()) {
    test(`component ${name}`, () => {
      const ours = tessera.components.schemas[name];
      const theirs = authentik.components.schemas[name];
      assert.ok(theirs, `authentik has no component ${name}`);
      const extras = DOCUMENTED_EXTRAS[name] ?? [];
      const names = (s: Schema) => Object.keys(s.properties ?? {}).filter((p) => !extras.includes(p));
      assert.deepEqual(names(ours), names(theirs), 'property names, in order');
      for (const extra of extras) assert.ok(ours.properties?.[extra], `documented extra ${extra}`);
      const required = (s: Schema) => (s.required ?? []).filter((p) => !extras.includes(p)).sort();
      assert.deepEqual(required(ours), required(theirs), 'required');
      assert.equal(ours.type, theirs.type, 'type');
      if (theirs.enum) {
        const added = DOCUMENTED_EXTRA_ENUM_VALUES[name] ?? [];
        assert.deepEqual(
          ours.enum?.filter((value) => !added.includes(value as string)),
          theirs.enum,
          'enum values',
        );
      }
      for (const [property, schema] of Object.entries(theirs.properties ?? {})) {
        const mine = ours.properties?.[property] as Schema;
        assert.equal(Boolean(mine.readOnly), Boolean(schema.readOnly), `${property} readOnly`);
        assert.equal(Boolean(mine.nullable), Boolean(schema.nullable), `${property} nullable`);
        assert.equal(mine.type, schema.type, `${property} type`);
        assert.equal(mine.format, schema.format, `${property} format`);
        const target = (s: Schema) => refName(s) ?? refName(s.allOf?.[0]) ?? refName(s.items);
        assert.equal(target(mine), target(schema), `${property} component`);
      }
    });
  }
});
