/**
 * Request generators of the fuzz test: one request of one operation of `openapi.yml`, with
 * hostile path parameters, query strings, headers and bodies (JSON values, malformed text,
 * deep nesting, invalid UTF-8 bytes, oversized payloads), sent as one of several actors.
 */
import fc from 'fast-check';
import { deref, type FuzzOperation, type Parameter } from './spec.js';
import { anyValue, fromSchema, hostileObject, hostileString, type Fixtures } from './values.js';

export type Actor = 'superuser' | 'unprivileged' | 'anonymous' | 'forged';

export interface FuzzRequest {
  operation: string;
  actor: Actor;
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: Buffer;
}

export interface Credentials {
  superuser: string;
  unprivileged: string;
}

/** Percent-encodes every UTF-8 byte that is not unreserved; a lone surrogate becomes U+FFFD's bytes. */
export function encode(value: string): string {
  return [...Buffer.from(value, 'utf8')]
    .map((byte) =>
      /[A-Za-z0-9\-_.~]/.test(String.fromCharCode(byte))
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).padStart(2, '0').toUpperCase()}`,
    )
    .join('');
}

/** Path segments, already as they appear in the URL. */
const HOSTILE_SEGMENTS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '..%2f',
  '..%2F..%2F..%2Fetc%2Fpasswd',
  '%2e%2e',
  '%2E',
  '%00',
  'a%00b',
  '%ff',
  '%',
  '%zz',
  '%C3%28',
  '%ED%A0%80',
  '%F0%9F%98%80',
  '%20',
  'a'.repeat(499),
  'a'.repeat(501),
  'a'.repeat(9000),
  '-1',
  '0',
  '1.5',
  '1e9',
  '2147483648',
  '99999999999999999999',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  'not-a-uuid',
  'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz',
  'null',
  'undefined',
  'me',
];

function pathValue(parameter: Parameter, fixtures: Fixtures, clean: boolean): fc.Arbitrary<string> {
  const existing = fixtures.byParam[parameter.name] ?? [];
  if (clean && existing.length > 0) return fc.constantFrom(...existing).map(encode);
  return fc.oneof(
    ...(existing.length > 0 ? [{ arbitrary: fc.constantFrom(...existing).map(encode), weight: 6 }] : []),
    { arbitrary: fc.constantFrom(...HOSTILE_SEGMENTS), weight: 3 },
    { arbitrary: hostileString.map(encode), weight: 1 },
    { arbitrary: fc.uuid(), weight: 1 },
  );
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
}

/** Query values: raw, already encoded. */
const hostileQueryValue: fc.Arbitrary<string> = fc.oneof(
  hostileString.map(encode),
  fc.constantFrom(
    '%zz',
    '%',
    '%ff',
    '%00',
    '%ED%A0%80',
    '',
    '-__proto__',
    'pk,-__proto__,xyz',
    'password',
    '-25h',
    '1e9',
    '0',
    '-1',
  ),
);

function queryEntries(operation: FuzzOperation, fixtures: Fixtures): fc.Arbitrary<[string, string][]> {
  const declared = operation.queryParams.map((parameter) =>
    fc
      .oneof(
        {
          arbitrary: fromSchema(parameter.schema, fixtures).map((v) =>
            (Array.isArray(v) ? v.map(text) : [text(v)]).map(encode),
          ),
          weight: 3,
        },
        { arbitrary: hostileQueryValue.map((v) => [v]), weight: 2 },
      )
      .map((values) => values.map((value) => [parameter.name, value] as [string, string])),
  );
  const extra = fc
    .tuple(
      fc.constantFrom(
        'search',
        'ordering',
        'page',
        'page_size',
        'format',
        '__proto__',
        'constructor[prototype][x]',
        'itoken',
        'query',
        'next',
      ),
      hostileQueryValue,
    )
    .map((entry) => [entry]);
  return fc.array(fc.oneof(...declared, extra), { maxLength: 4 }).map((lists) => lists.flat());
}

/** The first property the body schema declares, to nest hostile values under a real field. */
/** At most two declared parameters with values of their type. */
function cleanQuery(operation: FuzzOperation, fixtures: Fixtures): fc.Arbitrary<[string, string][]> {
  if (operation.queryParams.length === 0) return fc.constant([]);
  const entry = fc
    .constantFrom(...operation.queryParams)
    .chain((parameter) =>
      fromSchema(parameter.schema, fixtures, 0, true).map((v) =>
        (Array.isArray(v) ? v.map(text) : [text(v)]).map(
          (value) => [parameter.name, encode(value)] as [string, string],
        ),
      ),
    );
  return fc.array(entry, { maxLength: 2 }).map((lists) => lists.flat());
}

function cleanBody(operation: FuzzOperation, fixtures: Fixtures): fc.Arbitrary<Buffer | undefined> {
  return operation.body
    ? fromSchema(operation.body, fixtures, 0, true).map(jsonPayload)
    : fc.constant(undefined);
}

function firstProperty(operation: FuzzOperation): string {
  const properties = operation.body ? Object.keys(deref(operation.body).properties ?? {}) : [];
  return properties[0] ?? 'name';
}

/** Bodies no JSON encoder writes: malformed, deep, invalid UTF-8, oversized. */
function rawBody(operation: FuzzOperation, fixtures: Fixtures): fc.Arbitrary<Buffer> {
  const field = firstProperty(operation);
  const deep = fc
    .tuple(fc.constantFrom(1000, 5000, 10_000, 100_000), fc.constantFrom('array', 'object', 'field'))
    .map(([depth, kind]) => {
      const array = `${'['.repeat(depth)}${']'.repeat(depth)}`;
      if (kind === 'array') return array;
      if (kind === 'object') return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
      return `{"${field}":${array}}`;
    });
  const malformed = fc.constantFrom(
    '{',
    '}',
    '{"a":}',
    '{"a" 1}',
    "{'a':1}",
    '[1,]',
    'NaN',
    '\u0000',
    ' ',
    '\n',
    '"\\ud800"',
    '{"name":"\\u0000"}',
    '{"name":"\\udc00"}',
    '{"name":1,"name":"x"}',
    '\ufeff{}',
    '{"__proto__":{"fuzzPolluted":true}}',
    '{"constructor":{"prototype":{"fuzzPolluted":true}}}',
    '{"attributes":{"__proto__":{"fuzzPolluted":true}}}',
    '{"fixed_data":{"__proto__":{"fuzzPolluted":true}}}',
    '1e999',
    '-',
    'true',
    'null',
    '[]',
    '"x"',
  );
  const badUtf8 = fc
    .tuple(
      operation.body ? fromSchema(operation.body, fixtures) : fc.constant({}),
      fc.constantFrom(
        [0xff],
        [0xc3, 0x28],
        [0xed, 0xa0, 0x80],
        [0xf8, 0x88, 0x80, 0x80, 0x80],
        [0xc0, 0xaf],
        [0x80],
        [0xe2, 0x82],
      ),
    )
    .map(([value, bytes]) => {
      const json = Buffer.from(JSON.stringify(value) ?? '{}');
      const quote = json.indexOf(0x22, json.indexOf(0x3a));
      if (quote < 0)
        return Buffer.concat([Buffer.from(`{"${field}":"`), Buffer.from(bytes), Buffer.from('"}')]);
      return Buffer.concat([json.subarray(0, quote + 1), Buffer.from(bytes), json.subarray(quote + 1)]);
    });
  const huge = fc.constant(`{"${field}":"${'x'.repeat(1024 * 1024 + 10)}"}`);
  return fc.oneof(
    { arbitrary: deep.map((s) => Buffer.from(s)), weight: 3 },
    { arbitrary: malformed.map((s) => Buffer.from(s)), weight: 3 },
    { arbitrary: badUtf8, weight: 3 },
    { arbitrary: huge.map((s) => Buffer.from(s)), weight: 1 },
  );
}

function jsonPayload(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value) ?? 'null');
}

function body(operation: FuzzOperation, fixtures: Fixtures): fc.Arbitrary<Buffer | undefined> {
  if (!operation.body) {
    return fc.oneof(
      { arbitrary: fc.constant(undefined), weight: 8 },
      { arbitrary: anyValue.map(jsonPayload), weight: 1 },
      { arbitrary: rawBody(operation, fixtures), weight: 1 },
    );
  }
  return fc.oneof(
    { arbitrary: fromSchema(operation.body, fixtures).map(jsonPayload), weight: 6 },
    { arbitrary: fromSchema(operation.body, fixtures, 2).map(jsonPayload), weight: 3 },
    { arbitrary: fc.oneof(anyValue, hostileObject).map(jsonPayload), weight: 1 },
    { arbitrary: rawBody(operation, fixtures), weight: 2 },
    { arbitrary: fc.constant(undefined), weight: 1 },
  );
}

const printable = fc
  .string({ unit: 'grapheme-ascii', maxLength: 30 })
  .filter((s) => /^[\x20-\x7e]*$/.test(s));

/** Headers an attacker controls, beside Authorization. */
const hostileHeaders: fc.Arbitrary<Record<string, string>> = fc.record(
  {
    host: fc.oneof(
      fc.constantFrom('evil.example', 'localhost:99999', '[::1]', 'a'.repeat(300), 'évil.example'),
      printable,
    ),
    'x-forwarded-for': fc.oneof(
      fc.constantFrom('not-an-ip', '1.1.1.1, 2.2.2.2', '::ffff:1.2.3.4', '999.999.999.999', ''),
      printable,
    ),
    'x-forwarded-proto': fc.constantFrom('https', 'javascript', 'http, https', ''),
    'x-forwarded-host': fc.constantFrom('evil.example', 'evil.example:443, good.example', ''),
    cookie: fc.oneof(
      fc.constantFrom(
        'authentik_session=__proto__',
        'authentik_session=',
        'authentik_session=' + 'a'.repeat(5000),
        'a=b; a=c',
        '=;=;',
        'authentik_session=%00',
      ),
      printable.map((s) => `authentik_session=${s.replace(/;/g, '')}`),
    ),
    accept: fc.constantFrom(
      'text/html',
      'application/xml',
      '*/*',
      'application/json; version=99',
      'application/json;q=0',
      '',
    ),
    'accept-language': fc.constantFrom('xx', '*;q=abc', 'de-DE,de;q=0.9', 'a'.repeat(1000)),
    'content-encoding': fc.constantFrom('gzip', 'br', 'identity'),
    origin: fc.constantFrom('https://evil.example', 'null'),
    'user-agent': fc.oneof(printable, fc.constant('u'.repeat(10_000))),
    'x-http-method-override': fc.constantFrom('DELETE', 'PUT'),
  },
  { requiredKeys: [] },
);

const contentTypes = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin-1',
  'APPLICATION/JSON',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/vnd.api+json',
  '',
);

function authorization(actor: Actor, credentials: Credentials): fc.Arbitrary<string | undefined> {
  switch (actor) {
    case 'superuser':
      return fc.constant(`Bearer ${credentials.superuser}`);
    case 'unprivileged':
      return fc.constant(`Bearer ${credentials.unprivileged}`);
    case 'anonymous':
      return fc.constant(undefined);
    case 'forged':
      return fc.constantFrom(
        'Bearer',
        'Bearer ',
        `Bearer ${'a'.repeat(5000)}`,
        'Basic YWthZG1pbjpha2FkbWlu',
        `bearer ${credentials.unprivileged}`,
        `Bearer ${credentials.unprivileged} extra`,
        `Bearer ${credentials.unprivileged}x`,
        'Token x',
        'Bearer %00',
        'Bearer \xff\xfe',
      );
  }
}

const OTHER_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'TRACE'];

/**
 * One request of `operation`: a third are well-formed (existing objects, typed query and body,
 * plain headers) so that requests reach the rules behind validation; the rest are hostile.
 */
export function requestFor(
  operation: FuzzOperation,
  fixtures: Fixtures,
  credentials: Credentials,
): fc.Arbitrary<FuzzRequest> {
  return fc.oneof(
    { arbitrary: buildRequest(operation, fixtures, credentials, true), weight: 1 },
    { arbitrary: buildRequest(operation, fixtures, credentials, false), weight: 2 },
  );
}

function buildRequest(
  operation: FuzzOperation,
  fixtures: Fixtures,
  credentials: Credentials,
  clean: boolean,
): fc.Arbitrary<FuzzRequest> {
  const path = fc
    .tuple(...operation.pathParams.map((parameter) => pathValue(parameter, fixtures, clean)))
    .map((values) => {
      let url = operation.template;
      operation.pathParams.forEach((parameter, i) => {
        url = url.replace(`{${parameter.name}}`, values[i]);
      });
      return `/api/v3${url}`;
    });
  const actor = fc.oneof(
    { arbitrary: fc.constant<Actor>('superuser'), weight: clean ? 12 : 9 },
    { arbitrary: fc.constant<Actor>('unprivileged'), weight: 8 },
    { arbitrary: fc.constant<Actor>('anonymous'), weight: 2 },
    { arbitrary: fc.constant<Actor>('forged'), weight: 1 },
  );
  return fc
    .record({
      actor,
      path,
      query: clean ? cleanQuery(operation, fixtures) : queryEntries(operation, fixtures),
      method: clean
        ? fc.constant<string>(operation.method)
        : fc.oneof(
            { arbitrary: fc.constant(operation.method), weight: 15 },
            { arbitrary: fc.constantFrom(...OTHER_METHODS), weight: 1 },
          ),
      payload: clean ? cleanBody(operation, fixtures) : body(operation, fixtures),
      contentType: clean
        ? fc.constant('application/json')
        : fc.oneof(
            { arbitrary: fc.constant('application/json'), weight: 8 },
            { arbitrary: contentTypes, weight: 1 },
          ),
      headers: clean
        ? fc.constant({})
        : fc.oneof({ arbitrary: fc.constant({}), weight: 3 }, { arbitrary: hostileHeaders, weight: 1 }),
    })
    .chain((r) =>
      authorization(r.actor, credentials).map((auth) => {
        const headers: Record<string, string> = { ...r.headers };
        if (auth !== undefined) headers.authorization = auth;
        if (r.payload !== undefined && r.contentType !== '') headers['content-type'] = r.contentType;
        const query = r.query.map(([k, v]) => `${encode(k)}=${v}`).join('&');
        return {
          operation: operation.id,
          actor: r.actor,
          method: r.method,
          url: query ? `${r.path}?${query}` : r.path,
          headers,
          payload: r.method === 'GET' || r.method === 'HEAD' ? undefined : r.payload,
        };
      }),
    );
}

/** A short, printable account of a request, for failure reports. */
export function describeRequest(request: FuzzRequest): string {
  const clip = (s: string, n = 300) => (s.length > n ? `${s.slice(0, n)}…(${s.length} chars)` : s);
  const payload = request.payload ? clip(JSON.stringify(request.payload.toString('latin1'))) : '(none)';
  const headers = Object.entries(request.headers)
    .map(([k, v]) => `${k}: ${clip(JSON.stringify(v), 80)}`)
    .join('; ');
  return `${request.method} ${clip(request.url)} as ${request.actor} [${headers}] body ${payload}`;
}
