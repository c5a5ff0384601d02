/**
 * Response serialization that keeps authentik's field order. fast-json-stringify writes
 * required properties before optional ones, which would reorder fields relative to DRF's
 * serializers; here each response schema compiles into a writer that emits the declared
 * properties in schema order (dropping anything undeclared), compactly, as orjson does.
 * Subtrees the schema says nothing more about are left to JSON.stringify, and a value the
 * database already rendered as JSON (RawJson, such as a stage's stored `flow_set`) is copied
 * in as it is rather than parsed and re-encoded.
 */
import { resolveSchema } from './schema-ref.js';
import type { JsonSchema, SchemaRegistry } from './validation.js';

/** JSON text written into a response unchanged. Only for text the database produced as JSON. */
export class RawJson {
  constructor(readonly json: string) {}
  /** For anything that is not a response writer (logs, JSON.stringify in tests). */
  toJSON(): unknown {
    return JSON.parse(this.json);
  }
}

type Writer = (value: unknown) => string;

/**
 * Characters JSON.stringify would escape: control characters, the quote, the backslash, and
 * (conservatively) any surrogate, of which it escapes the unpaired ones.
 */
const ESCAPED = /[\u0000-\u001f"\\\ud800-\udfff]/;

function leaf(value: unknown): string {
  // Scalars written without a call into JSON.stringify, which is most of a list's cost here;
  // the results are the same as its.
  switch (typeof value) {
    case 'string':
      return ESCAPED.test(value) ? JSON.stringify(value) : `"${value}"`;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    default:
      if (value instanceof RawJson) return value.json;
      // undefined (and functions) have no JSON; in an array JSON.stringify writes null for them.
      return JSON.stringify(value) ?? 'null';
  }
}

function compileWriter(schema: JsonSchema, registry: SchemaRegistry, seen: Map<JsonSchema, Writer>): Writer {
  const resolved = resolveSchema(schema, registry);
  const cached = seen.get(resolved);
  if (cached) return cached;
  if (resolved.properties && resolved.additionalProperties === undefined) {
    const entries: { prefix: string; key: string; write: Writer }[] = [];
    const writer: Writer = (value) => {
      if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof RawJson) {
        return leaf(value);
      }
      const source = value as Record<string, unknown>;
      let out = '';
      for (const entry of entries) {
        const field = source[entry.key];
        if (field === undefined) continue;
        out += (out === '' ? '{' : ',') + entry.prefix + entry.write(field);
      }
      return out === '' ? '{}' : out + '}';
    };
    // Registered before the properties compile, so recursive schemas terminate.
    seen.set(resolved, writer);
    for (const [key, property] of Object.entries(resolved.properties)) {
      entries.push({
        prefix: `${JSON.stringify(key)}:`,
        key,
        write: compileWriter(property, registry, seen),
      });
    }
    return writer;
  }
  if (resolved.items) {
    const item = compileWriter(resolved.items, registry, seen);
    if (item === leaf) return leaf;
    return (value) => {
      if (!Array.isArray(value)) return leaf(value);
      let out = '[';
      for (let index = 0; index < value.length; index += 1) {
        out += (index === 0 ? '' : ',') + item(value[index]);
      }
      return out + ']';
    };
  }
  return leaf;
}

export function compileSerializer(
  schema: JsonSchema,
  registry: SchemaRegistry,
): (payload: unknown) => string {
  return compileWriter(schema, registry, new Map());
}
