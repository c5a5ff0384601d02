/**
 * Response serialization that keeps authentik's field order. fast-json-stringify writes
 * required properties before optional ones, which would reorder fields relative to DRF's
 * serializers; here each response schema compiles into a projection that copies the declared
 * properties in schema order (dropping anything undeclared), then JSON.stringify renders it
 * compactly, as orjson does.
 */
import type { JsonSchema, SchemaRegistry } from './validation.js';

type Projector = (value: unknown) => unknown;

const identity: Projector = (value) => value;

function resolveRef(schema: JsonSchema, registry: SchemaRegistry): JsonSchema {
  let current = schema;
  for (let depth = 0; depth < 8; depth += 1) {
    if (current.$ref) {
      const target = registry.get(current.$ref.replace(/^#\/components\/schemas\//, ''));
      if (!target) return current;
      current = target;
    } else if (current.allOf?.length === 1 && !current.properties) {
      current = current.allOf[0];
    } else {
      break;
    }
  }
  return current;
}

export function compileProjector(
  schema: JsonSchema,
  registry: SchemaRegistry,
  seen = new Map<JsonSchema, Projector>(),
): Projector {
  const resolved = resolveRef(schema, registry);
  const cached = seen.get(resolved);
  if (cached) return cached;
  if (resolved.properties && resolved.additionalProperties === undefined) {
    const entries: [string, Projector][] = [];
    const projector: Projector = (value) => {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
      const source = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const [key, project] of entries) {
        const field = source[key];
        if (field !== undefined) out[key] = project(field);
      }
      return out;
    };
    seen.set(resolved, projector);
    for (const [key, property] of Object.entries(resolved.properties)) {
      entries.push([key, compileProjector(property, registry, seen)]);
    }
    return projector;
  }
  if (resolved.items) {
    const item = compileProjector(resolved.items, registry, seen);
    if (item === identity) return identity;
    return (value) => (Array.isArray(value) ? value.map(item) : value);
  }
  return identity;
}

export function compileSerializer(
  schema: JsonSchema,
  registry: SchemaRegistry,
): (payload: unknown) => string {
  const project = compileProjector(schema, registry);
  return (payload) => JSON.stringify(project(payload));
}
