/**
 * The one `$ref` resolver behind request validation and response serialization, so both read a
 * schema the same way.
 */
import type { JsonSchema, SchemaRegistry } from './validation.js';

const resolvedByRegistry = new WeakMap<SchemaRegistry, WeakMap<JsonSchema, JsonSchema>>();

/**
 * The schema a property describes once `$ref`s and single-member `allOf` wrappers (how the
 * OpenAPI document attaches `readOnly` or a description to a reference) are followed. Keywords
 * beside the reference override the target's, so `{ $ref, nullable: true }` stays nullable.
 * The same input gives the same object each time: the serializer caches compiled writers by
 * schema identity, which is also what ends the compilation of a recursive schema.
 * A reference to an unregistered schema is a programming error and throws; schemas compile
 * when routes register, so the server does not start rather than answer with one.
 */
export function resolveSchema(schema: JsonSchema, registry: SchemaRegistry): JsonSchema {
  if (!schema.$ref && !isWrapper(schema)) return schema;
  let memo = resolvedByRegistry.get(registry);
  if (!memo) {
    memo = new WeakMap();
    resolvedByRegistry.set(registry, memo);
  }
  let resolved = memo.get(schema);
  if (!resolved) {
    resolved = follow(schema, registry, 0);
    memo.set(schema, resolved);
  }
  return resolved;
}

function isWrapper(schema: JsonSchema): boolean {
  return schema.allOf?.length === 1 && !schema.type && !schema.properties;
}

function follow(schema: JsonSchema, registry: SchemaRegistry, depth: number): JsonSchema {
  if (depth >= 8) return schema;
  if (schema.$ref) {
    const name = schema.$ref.replace(/^#\/components\/schemas\//, '').replace(/#$/, '');
    const target = registry.get(name);
    if (!target) throw new Error(`unknown schema reference ${schema.$ref}`);
    const { $ref: _ref, $id: _id, ...siblings } = schema;
    return follow(Object.keys(siblings).length ? { ...target, ...siblings } : target, registry, depth + 1);
  }
  const wrapped = isWrapper(schema) ? schema.allOf?.[0] : undefined;
  if (wrapped) {
    const { allOf: _allOf, ...siblings } = schema;
    const inner = follow(wrapped, registry, depth + 1);
    return Object.keys(siblings).length ? { ...inner, ...siblings } : inner;
  }
  return schema;
}
