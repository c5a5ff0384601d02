/**
 * Reads authentik's blueprint YAML (authentik/blueprints/v1/common.py BlueprintLoader): the
 * document with its custom tags kept as `BlueprintTag` objects, which the importer resolves
 * entry by entry, in order, because `!KeyOf` and `!Find` see what earlier entries created.
 *
 * Mappings are built without a prototype, so a `__proto__` key in a blueprint is an inert own
 * key (which the services' validation then refuses where it matters, e.g. `fixed_data`).
 */
import type { Alias } from 'yaml';
import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  parseDocument,
  type Document,
  type Node,
  type ParsedNode,
  type ScalarTag,
  type CollectionTag,
} from 'yaml';
import { isPlainRecord } from '../api/safe-objects.js';

/** A blueprint that cannot be read at all (authentik's EntryInvalidError raised while loading). */
export class BlueprintLoadError extends Error {}

/** An entry that cannot be applied: names the entry and, when known, the field. */
export class EntryError extends Error {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** What a tag may ask of the importer while it resolves. */
export interface ResolveScope {
  context: Record<string, unknown>;
  /** The environment `!Env` reads, or null where blueprints may not read it (API uploads). */
  env: Record<string, string | undefined> | null;
  /** The primary key of an earlier entry's object, by its `id`. */
  keyOf(id: string): unknown;
  /** The primary key of the first object of `model` matching all conditions, or null. */
  find(model: string, conditions: [string, unknown][]): Promise<unknown>;
  /** Items of the `!Enumerate` tags being expanded, innermost last. */
  enumerations: [unknown, unknown][];
}

export abstract class BlueprintTag {
  abstract readonly name: string;
  abstract resolve(scope: ResolveScope): Promise<unknown>;
}

/** Resolves every tag inside a value, depth first. */
export async function resolveValue(value: unknown, scope: ResolveScope): Promise<unknown> {
  if (value instanceof BlueprintTag) return resolveValue(await value.resolve(scope), scope);
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const item of value) out.push(await resolveValue(item, scope));
    return out;
  }
  if (isPlainRecord(value)) {
    const out = Object.create(null) as Record<string, unknown>;
    for (const key of Object.keys(value)) out[key] = await resolveValue(value[key], scope);
    return out;
  }
  return value;
}

/** Python's truth value, which `conditions`, `!If` and `!Condition` use. */
export function pythonTruthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (isPlainRecord(value)) return Object.keys(value).length > 0;
  return true;
}

/** Python's str() of a YAML value, as `%s` renders it. */
function pythonStr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'string') return value;
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** Python's `format % args` for the conversions blueprints use: %s, %d, %i and %%. */
export function pythonPercentFormat(format: string, args: unknown[]): string {
  let next = 0;
  const out = format.replace(/%([%sdir])/g, (_match, conversion: string) => {
    if (conversion === '%') return '%';
    if (next >= args.length) throw new EntryError('not enough arguments for format string');
    const value = args[next++];
    if (conversion === 's') return pythonStr(value);
    if (conversion === 'r') return typeof value === 'string' ? `'${value}'` : pythonStr(value);
    if (typeof value !== 'number' && typeof value !== 'boolean') {
      throw new EntryError(`%${conversion} format: a real number is required, not ${typeof value}`);
    }
    return String(Math.trunc(Number(value)));
  });
  if (next < args.length) throw new EntryError('not all arguments converted during string formatting');
  return out;
}

class KeyOf extends BlueprintTag {
  readonly name = '!KeyOf';
  constructor(private readonly id: string) {
    super();
  }
  resolve(scope: ResolveScope): Promise<unknown> {
    return Promise.resolve(scope.keyOf(this.id));
  }
}

class Env extends BlueprintTag {
  readonly name = '!Env';
  constructor(
    private readonly key: unknown,
    private readonly fallback: unknown,
  ) {
    super();
  }
  async resolve(scope: ResolveScope): Promise<unknown> {
    if (scope.env === null) {
      throw new EntryError(
        '!Env cannot be used in an uploaded blueprint: it would read the server environment.',
      );
    }
    const key = String(await resolveValue(this.key, scope));
    // os.getenv(key) or default: an empty variable falls back too.
    return Object.hasOwn(scope.env, key) && scope.env[key] ? scope.env[key] : (this.fallback ?? null);
  }
}

class Context extends BlueprintTag {
  readonly name = '!Context';
  constructor(
    private readonly key: unknown,
    private readonly fallback: unknown,
  ) {
    super();
  }
  async resolve(scope: ResolveScope): Promise<unknown> {
    const key = String(await resolveValue(this.key, scope));
    return Object.hasOwn(scope.context, key) ? scope.context[key] : (this.fallback ?? null);
  }
}

class Format extends BlueprintTag {
  readonly name = '!Format';
  constructor(private readonly items: unknown[]) {
    super();
  }
  async resolve(scope: ResolveScope): Promise<unknown> {
    const [format, ...args] = (await resolveValue(this.items, scope)) as unknown[];
    return pythonPercentFormat(String(format), args);
  }
}

class Find extends BlueprintTag {
  readonly name = '!Find';
  constructor(private readonly items: unknown[]) {
    super();
  }
  async resolve(scope: ResolveScope): Promise<unknown> {
    const [model, ...conditions] = (await resolveValue(this.items, scope)) as unknown[];
    const pairs = conditions.map((condition) => {
      if (!Array.isArray(condition) || condition.length !== 2) {
        throw new EntryError('!Find: each condition must be a [field, value] pair');
      }
      return [String(condition[0]), condition[1]] as [string, unknown];
    });
    return scope.find(String(model), pairs);
  }
}

class If extends BlueprintTag {
  readonly name = '!If';
  constructor(private readonly items: unknown[]) {
    super();
  }
  async resolve(scope: ResolveScope): Promise<unknown> {
    const [condition, whenTrue = true, whenFalse = false] = this.items;
    const chosen = pythonTruthy(await resolveValue(condition, scope)) ? whenTrue : whenFalse;
    return resolveValue(chosen, scope);
  }
}

const COMPARATORS: Record<string, (args: boolean[]) => boolean> = {
  AND: (args) => args.every(Boolean),
  NAND: (args) => !args.every(Boolean),
  OR: (args) => args.some(Boolean),
  NOR: (args) => !args.some(Boolean),
  XOR: (args) => args.reduce((a, b) => a !== b),
  XNOR: (args) => !args.reduce((a, b) => a !== b),
};

class Condition extends BlueprintTag {
  readonly name = '!Condition';
  constructor(private readonly items: unknown[]) {
    super();
  }
  async resolve(scope: ResolveScope): Promise<unknown> {
    const [mode, ...args] = (await resolveValue(this.items, scope)) as unknown[];
    if (args.length === 0) throw new EntryError('At least one value is required after mode selection.');
    const comparator = COMPARATORS[String(mode).toUpperCase()];
    if (!comparator) throw new EntryError(`!Condition: unknown mode ${String(mode)}`);
    return comparator(args.map(pythonTruthy));
  }
}

class Enumerate extends BlueprintTag {
  readonly name = '!Enumerate';
  constructor(private readonly items: unknown[]) {
    super();
  }
  async resolve(scope: ResolveScope): Promise<unknown> {
    const [iterableValue, outputValue, body] = this.items;
    const iterable = await resolveValue(iterableValue, scope);
    const output = String(await resolveValue(outputValue, scope)).toUpperCase();
    if (output !== 'SEQ' && output !== 'MAP') throw new EntryError(`!Enumerate: unknown output ${output}`);
    let items: [unknown, unknown][];
    if (Array.isArray(iterable)) items = iterable.map((value, index) => [index, value]);
    else if (isPlainRecord(iterable)) items = Object.keys(iterable).map((key) => [key, iterable[key]]);
    else throw new EntryError("Enumerate's iterable must be an iterable such as a sequence or a mapping");
    const seq: unknown[] = [];
    const map = Object.create(null) as Record<string, unknown>;
    for (const item of items) {
      scope.enumerations.push(item);
      try {
        const resolved = await resolveValue(body, scope);
        if (output === 'SEQ') seq.push(resolved);
        else if (Array.isArray(resolved) && resolved.length === 2) map[String(resolved[0])] = resolved[1];
        else if (isPlainRecord(resolved)) Object.assign(map, resolved);
        else throw new EntryError(`Invalid Enumerate item found: ${pythonStr(resolved)}`);
      } finally {
        scope.enumerations.pop();
      }
    }
    return output === 'SEQ' ? seq : map;
  }
}

class EnumeratedItem extends BlueprintTag {
  constructor(
    readonly name: '!Index' | '!Value',
    private readonly depth: number,
  ) {
    super();
  }
  resolve(scope: ResolveScope): Promise<unknown> {
    const item = scope.enumerations[scope.enumerations.length - 1 - this.depth];
    if (!item) {
      throw new EntryError(
        this.depth === 0
          ? 'EnumeratedItem tags are only usable inside an Enumerate tag'
          : `${this.name} tag: depth ${this.depth} is deeper than the Enumerate tags around it`,
      );
    }
    return Promise.resolve(this.name === '!Index' ? item[0] : item[1]);
  }
}

/** Tags authentik has that Tessera does not read (see docs/blueprints.md). */
const UNSUPPORTED_TAGS = ['!File', '!FindObject', '!ParseJSON', '!AtIndex'];

type TagBuilder = (node: Node | undefined, toValue: (node: unknown) => unknown) => BlueprintTag;

/** `!Tag key` or `!Tag [key, default]`. */
function keyWithDefault(build: (key: unknown, fallback: unknown) => BlueprintTag): TagBuilder {
  return (node, toValue) => {
    if (isSeq(node)) return build(toValue(node.items[0]), toValue(node.items[1]));
    // The tagged node itself: its plain value (converting it again would meet the tag again).
    if (isScalar(node)) return build(node.value, null);
    throw new BlueprintLoadError('expected a key or [key, default]');
  };
}

function sequence(build: (items: unknown[]) => BlueprintTag, minimum: number): TagBuilder {
  return (node, toValue) => {
    if (!isSeq(node) || node.items.length < minimum) {
      throw new BlueprintLoadError(`expected a sequence of at least ${minimum} items`);
    }
    return build(node.items.map((item) => toValue(item)));
  };
}

function scalar(build: (value: string) => BlueprintTag): TagBuilder {
  return (node) => {
    if (!isScalar(node)) throw new BlueprintLoadError('expected a scalar');
    return build(String(node.value));
  };
}

const TAGS: Record<string, TagBuilder> = {
  '!KeyOf': scalar((id) => new KeyOf(id)),
  '!Env': keyWithDefault((key, fallback) => new Env(key, fallback)),
  '!Context': keyWithDefault((key, fallback) => new Context(key, fallback)),
  '!Format': sequence((items) => new Format(items), 1),
  '!Find': sequence((items) => new Find(items), 1),
  '!If': (node, toValue) => {
    if (!isSeq(node) || (node.items.length !== 1 && node.items.length !== 3)) {
      throw new BlueprintLoadError('expected [condition] or [condition, when_true, when_false]');
    }
    return new If(node.items.map((item) => toValue(item)));
  },
  '!Condition': sequence((items) => new Condition(items), 1),
  '!Enumerate': sequence((items) => new Enumerate(items), 3),
  '!Index': scalar((depth) => new EnumeratedItem('!Index', Number.parseInt(depth, 10) || 0)),
  '!Value': scalar((depth) => new EnumeratedItem('!Value', Number.parseInt(depth, 10) || 0)),
};

/** Every tag name as scalar and as sequence, so that the YAML parser keeps the tag on its node. */
const CUSTOM_TAGS: (ScalarTag | CollectionTag)[] = [...Object.keys(TAGS), ...UNSUPPORTED_TAGS].flatMap(
  (tag) => [
    { tag, resolve: (value: string) => value } as ScalarTag,
    { tag, collection: 'seq', resolve: (value: unknown) => value } as unknown as CollectionTag,
    { tag, collection: 'map', resolve: (value: unknown) => value } as unknown as CollectionTag,
  ],
);

/** Nodes a document may expand to, aliases included: bounds a "billion laughs" blueprint. */
const MAX_NODES = 200_000;

function toValueFrom(document: Document.Parsed): (node: unknown) => unknown {
  let visited = 0;
  const toValue = (input: unknown): unknown => {
    visited += 1;
    if (visited > MAX_NODES) throw new BlueprintLoadError('blueprint expands to too many values');
    let node = input as ParsedNode | Alias | null | undefined;
    if (node === null || node === undefined) return null;
    if (isAlias(node)) node = node.resolve(document) as ParsedNode | undefined;
    if (!node) return null;
    const tag = node.tag;
    if (tag && tag.startsWith('!')) {
      if (UNSUPPORTED_TAGS.includes(tag)) throw new BlueprintLoadError(`the tag ${tag} is not supported`);
      const build = TAGS[tag];
      if (!build) throw new BlueprintLoadError(`unknown tag ${tag}`);
      try {
        return build(node, toValue);
      } catch (error) {
        if (error instanceof BlueprintLoadError) throw new BlueprintLoadError(`${tag}: ${error.message}`);
        throw error;
      }
    }
    if (isScalar(node)) return node.value instanceof Date ? node.value.toISOString() : node.value;
    if (isSeq(node)) return node.items.map((item) => toValue(item));
    if (isMap(node)) {
      const out = Object.create(null) as Record<string, unknown>;
      for (const pair of node.items) {
        const key = toValue(pair.key);
        if (key instanceof BlueprintTag || (key !== null && typeof key === 'object')) {
          throw new BlueprintLoadError('mapping keys must be plain values');
        }
        out[String(key)] = toValue(pair.value);
      }
      return out;
    }
    return null;
  };
  return toValue;
}

/** Parses blueprint YAML into plain values and tags. Throws BlueprintLoadError. */
export function loadYaml(text: string): unknown {
  const document = parseDocument(text, { customTags: CUSTOM_TAGS, uniqueKeys: true, prettyErrors: false });
  if (document.errors.length > 0) throw new BlueprintLoadError(document.errors[0].message);
  return toValueFrom(document)(document.contents);
}
