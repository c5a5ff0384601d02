/**
 * Value generators of the fuzz test: hostile strings, values of any JSON type, deep nesting,
 * and values shaped after an OpenAPI schema (mostly well-typed, so requests reach the rules
 * behind validation, with wrong types mixed in).
 */
import fc from 'fast-check';
import { deref, type Schema } from './spec.js';

/** Objects the fuzz test created beforehand, so generated references sometimes exist. */
export interface Fixtures {
  uuids: string[];
  ints: number[];
  /** Path parameter name → values that name an existing object. */
  byParam: Record<string, string[]>;
  /** Permission names (`app_label.codename`). */
  permissions: string[];
}

/** Strings known to break naive code: NUL, lone surrogates, prototype keys, injections, bad dates. */
export const HOSTILE_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfffy',
  '\ufeff',
  '\u202e',
  '😀',
  'ǅ',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  "' OR '1'='1",
  '"; DROP TABLE users; --',
  '<script>alert(1)</script>',
  'javascript:alert(1)',
  '//evil.example/',
  '../../../etc/passwd',
  '..%2f..%2f',
  '%00',
  '\r\nSet-Cookie: x=1',
  '${7*7}',
  '{{7*7}}',
  'NaN',
  'Infinity',
  '-0',
  '1e400',
  'null',
  'true',
  '[]',
  '{}',
  '-25h',
  '2024-13-45T25:61:61Z',
  '2024-01-01T00:00:00-25:00',
  '2024-01-01T00:00:00+99:99',
  '2024-01-01T00:00:00-25h',
  '0000-00-00',
  '0001-01-01T00:00:00Z',
  '9999-12-31T23:59:59Z',
  '275760-09-13T00:00:00Z',
  '-1',
  'akadmin',
  'authentik Admins',
  'attributes.__proto__.fuzzPolluted',
  '__proto__.fuzzPolluted',
  'constructor.prototype.fuzzPolluted',
];

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...HOSTILE_STRINGS), weight: 4 },
  { arbitrary: fc.string({ maxLength: 40 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }), weight: 1 },
  { arbitrary: fc.constantFrom(151, 256, 1025, 70_000).map((n) => 'x'.repeat(n)), weight: 1 },
);

/** Keys that reach an object's prototype chain, and dotted paths through them. */
export const HOSTILE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'attributes.__proto__.fuzzPolluted',
  '__proto__.fuzzPolluted',
  'constructor.prototype.fuzzPolluted',
  'attributes.constructor.prototype.fuzzPolluted',
  '',
  '\u0000',
  'a'.repeat(300),
];

/** An object with own hostile keys (JSON.parse makes `__proto__` an own property). */
export const hostileObject: fc.Arbitrary<unknown> = fc
  .array(
    fc.tuple(
      fc.oneof(fc.constantFrom(...HOSTILE_KEYS), fc.string({ maxLength: 10 })),
      fc.oneof(fc.constantFrom<unknown>(true, 1, 'x', null, ['x'], { fuzzPolluted: true }), hostileString),
    ),
    { maxLength: 4 },
  )
  .map((entries) =>
    JSON.parse(`{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`),
  );

/** A value nested `depth` levels deep, built iteratively (no recursion in the generator). */
export function nested(depth: number, kind: 'array' | 'object'): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i += 1) value = kind === 'array' ? [value] : { a: value };
  return value;
}

export const deepValue: fc.Arbitrary<unknown> = fc
  .tuple(fc.constantFrom(20, 100, 300, 1000), fc.constantFrom<'array' | 'object'>('array', 'object'))
  .map(([depth, kind]) => nested(depth, kind));

/** Any JSON value: what a field of the wrong type receives. */
export const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.constantFrom(0, -1, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 1, 1e300, -1e-300, 0.5),
  hostileString,
  fc.array(fc.oneof(hostileString, fc.integer(), fc.constant(null)), { maxLength: 3 }),
  hostileObject,
  deepValue,
);

const dateTime: fc.Arbitrary<string> = fc.oneof(
  fc
    .date({
      min: new Date('2000-01-01T00:00:00Z'),
      max: new Date('2100-01-01T00:00:00Z'),
      noInvalidDate: true,
    })
    .map((d) => d.toISOString()),
  fc.constantFrom(
    '2030-01-01T00:00:00+02:00',
    '2030-01-01T00:00:00-25:00',
    '2030-01-01T00:00:00-25h',
    '2030-01-01 00:00',
    '2030-01-01',
    '2030-02-30T00:00:00Z',
    '99999-01-01T00:00:00Z',
    'yesterday',
  ),
);

interface Context {
  fixtures: Fixtures;
  /** Relative weight of a wrong-typed value in place of each field (0: none). */
  chaos: number;
  /** Well-formed values only: no hostile strings in place of enums, references or dates. */
  clean: boolean;
}

function withChaos(typed: fc.Arbitrary<unknown>, context: Context): fc.Arbitrary<unknown> {
  if (context.chaos === 0) return typed;
  return fc.oneof({ arbitrary: typed, weight: 12 }, { arbitrary: anyValue, weight: context.chaos });
}

function fromString(schema: Schema, context: Context): fc.Arbitrary<unknown> {
  const { fixtures } = context;
  if (Array.isArray(schema.enum)) {
    return context.clean
      ? fc.constantFrom(...schema.enum)
      : fc.oneof(fc.constantFrom(...schema.enum), hostileString);
  }
  if (context.clean && schema.format === 'uuid') return fc.constantFrom(...fixtures.uuids);
  if (context.clean && schema.format === 'date-time') {
    return fc
      .date({
        min: new Date('2030-01-01T00:00:00Z'),
        max: new Date('2040-01-01T00:00:00Z'),
        noInvalidDate: true,
      })
      .map((d) => d.toISOString());
  }
  if (context.clean && schema.format === 'email') return fc.emailAddress();
  switch (schema.format) {
    case 'uuid':
      return fc.oneof(
        { arbitrary: fc.constantFrom(...fixtures.uuids), weight: 4 },
        { arbitrary: fc.uuid(), weight: 1 },
        { arbitrary: hostileString, weight: 1 },
      );
    case 'date-time':
      return dateTime;
    case 'email':
      return fc.oneof(fc.emailAddress(), hostileString);
    case 'uri':
      return fc.oneof(fc.webUrl(), hostileString);
  }
  const plain = fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 16 }).map((s) => `fz${s}`);
  if (typeof schema.pattern === 'string') {
    let matching: fc.Arbitrary<string> | undefined;
    try {
      matching = fc.stringMatching(new RegExp(schema.pattern)).filter((s) => s.length > 0 && s.length < 60);
    } catch {
      matching = undefined;
    }
    if (matching)
      return fc.oneof({ arbitrary: matching, weight: 3 }, { arbitrary: hostileString, weight: 1 });
  }
  return fc.oneof(
    { arbitrary: plain, weight: context.clean ? 8 : 3 },
    { arbitrary: hostileString, weight: 2 },
  );
}

function fromSchemaAt(input: Schema, context: Context, depth: number): fc.Arbitrary<unknown> {
  const schema = deref(input);
  if (depth > 4) return fc.constant(null);
  if (Array.isArray(schema.allOf) && schema.allOf.length > 0)
    return fromSchemaAt(schema.allOf[0], context, depth);
  const union = schema.oneOf ?? schema.anyOf;
  if (Array.isArray(union) && union.length > 0) {
    return fc.oneof(...union.map((branch: Schema) => fromSchemaAt(branch, context, depth + 1)));
  }
  let typed: fc.Arbitrary<unknown>;
  switch (schema.type) {
    case 'string':
      typed = fromString(schema, context);
      break;
    case 'integer':
      typed = fc.oneof(
        { arbitrary: fc.constantFrom(...context.fixtures.ints), weight: 3 },
        { arbitrary: fc.integer({ min: -2, max: 1000 }), weight: 2 },
        { arbitrary: fc.constantFrom(2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 1, 1e21), weight: 1 },
      );
      break;
    case 'number':
      typed = fc.double({ noNaN: true, noDefaultInfinity: true });
      break;
    case 'boolean':
      typed = fc.boolean();
      break;
    case 'array':
      typed = fc.array(fromSchemaAt(schema.items ?? {}, context, depth + 1), { maxLength: 3 });
      break;
    default: {
      const properties = Object.entries((schema.properties ?? {}) as Record<string, Schema>).filter(
        ([, property]) => !deref(property).readOnly,
      );
      if (properties.length === 0) {
        // A free-form object (attributes, fixed_data, context): hostile keys are the point.
        typed = fc.oneof(
          fc.constant({}),
          hostileObject,
          fc.dictionary(fc.string({ maxLength: 8 }), anyValue, { maxKeys: 3 }),
        );
        break;
      }
      const required = new Set<string>(schema.required ?? []);
      const record = fc.record(
        Object.fromEntries(
          properties.map(([name, property]) => [
            name,
            // Permission names are a closed set the fixtures know: existing ones reach the rules.
            name === 'permissions' && context.fixtures.permissions.length > 0
              ? fc.oneof(
                  {
                    arbitrary: fc.array(fc.constantFrom(...context.fixtures.permissions), { maxLength: 3 }),
                    weight: 3,
                  },
                  { arbitrary: withChaos(fromSchemaAt(property, context, depth + 1), context), weight: 1 },
                )
              : withChaos(fromSchemaAt(property, context, depth + 1), context),
          ]),
        ),
        {
          requiredKeys:
            context.chaos === 0 ? properties.map(([name]) => name).filter((name) => required.has(name)) : [],
        },
      );
      typed = record;
    }
  }
  if (schema.nullable)
    typed = fc.oneof({ arbitrary: typed, weight: 5 }, { arbitrary: fc.constant(null), weight: 1 });
  return typed;
}

/** A value shaped after `schema`; with `chaos` > 0 some fields get a value of any type instead. */
export function fromSchema(
  schema: Schema,
  fixtures: Fixtures,
  chaos = 0,
  clean = false,
): fc.Arbitrary<unknown> {
  return fromSchemaAt(schema, { fixtures, chaos, clean }, 0);
}
