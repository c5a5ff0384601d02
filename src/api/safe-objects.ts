/**
 * Prototype-safe handling of data that came from outside: request bodies, an invitation's
 * `fixed_data`, prompt answers, anything read back from a JSON column.
 *
 * JavaScript objects inherit from `Object.prototype`, so a key path that walks through
 * `__proto__` (or `constructor.prototype`) writes onto the object every other object reads
 * through. Python dictionaries have no such path, so authentik can set any dotted key its
 * user_write stage is given; Tessera refuses these three names as path segments and merge keys,
 * and builds the objects that carry authority (actors, grants, flow plans) without a prototype,
 * so that even a polluted `Object.prototype` cannot lend them a property.
 */

/** Keys that reach a prototype instead of naming data. */
const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export function isPrototypeKey(key: string): boolean {
  return PROTOTYPE_KEYS.has(key);
}

export function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A copy of `fields` that inherits from nothing: a missing key reads as undefined, always. */
export function withoutPrototype<T extends object>(fields: T): T {
  return Object.assign(Object.create(null) as T, fields);
}

/**
 * A deep copy of JSON data in which every object inherits from nothing. Keys named
 * `__proto__` become plain own keys of the copy, where they are inert.
 */
export function detachedJson<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item: unknown) => detachedJson(item)) as T;
  if (!isPlainRecord(value)) return value;
  const copy = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(value)) copy[key] = detachedJson(value[key]);
  return copy as T;
}

/**
 * Sets `path` inside `target`, creating the intermediate objects (authentik's
 * set_path_in_dict). Returns false, and writes nothing, when a segment would reach a prototype.
 */
export function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): boolean {
  if (path.length === 0 || path.some(isPrototypeKey)) return false;
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = Object.hasOwn(node, key) ? node[key] : undefined;
    if (!isPlainRecord(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]] = value;
  return true;
}

/**
 * deepmerge's `always_merger`, which authentik uses for prompt data and group attributes:
 * objects merge recursively, lists concatenate, anything else is replaced by `b`. Neither input
 * is changed; keys that would reach a prototype are dropped from every object it returns.
 */
export function deepMerge(a: unknown, b: unknown): unknown {
  if (isPlainRecord(a) && isPlainRecord(b)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(a)) if (!isPrototypeKey(key)) out[key] = deepMerge(undefined, a[key]);
    for (const key of Object.keys(b)) {
      if (isPrototypeKey(key)) continue;
      out[key] = deepMerge(Object.hasOwn(out, key) ? out[key] : undefined, b[key]);
    }
    return out;
  }
  if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
  return isPlainRecord(b) ? deepMerge({}, b) : b;
}

/**
 * The first key of a JSON value, at any depth, that would reach a prototype if the value
 * were merged or walked as a path (`__proto__`, or `constructor` holding `prototype`, as
 * Fastify's own JSON parser refuses them); undefined when there is none.
 */
export function findPrototypeKey(value: unknown): string | undefined {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const node = pending.pop();
    if (Array.isArray(node)) {
      for (const item of node) pending.push(item);
    } else if (isPlainRecord(node)) {
      for (const key of Object.keys(node)) {
        if (key === '__proto__') return key;
        if (key === 'constructor' && isPlainRecord(node[key]) && Object.hasOwn(node[key], 'prototype')) {
          return 'constructor.prototype';
        }
        pending.push(node[key]);
      }
    }
  }
  return undefined;
}
