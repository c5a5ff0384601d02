/**
 * DRF's JSONParser: an empty body is empty data (`{}`: DRF never parses an empty stream); a
 * malformed one, whitespace only included, is 400 `{"detail": "JSON parse error - <reason>"}`.
 * The reason imitates orjson's wording with Python's position suffix; the exact text of every
 * orjson message is not reproduced.
 *
 * What orjson refuses is refused here too, before any view sees it: bytes that are not UTF-8
 * (Node would otherwise decode them to U+FFFD and store that), strings with a lone surrogate
 * (`"\ud800"`, "str is not valid UTF-8: surrogates not allowed"), and nesting deeper than a
 * fixed limit (orjson stops at 1024 with "Recursion limit reached"; Tessera's limit is lower
 * because every layer that walks a value, from validation to the audit log, recurses).
 * @see rest_framework/request.py Request._parse
 */
import type { FastifyRequest } from 'fastify';
import { ApiError } from './errors.js';
import { findPrototypeKey } from './safe-objects.js';

/** The deepest nesting of arrays and objects a body may have. */
export const MAX_JSON_DEPTH = 128;

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
// A `\uD800`-`\uDFFF` escape: the only way a parsed string can hold a lone surrogate once the
// bytes were strict UTF-8.
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function position(text: string, index: number): string {
  const before = text.slice(0, index);
  const line = before.split('\n').length;
  const column = index - before.lastIndexOf('\n');
  return `line ${line} column ${column} (char ${index})`;
}

function parseError(reason: string): ApiError {
  return ApiError.detail(400, `JSON parse error - ${reason}`);
}

/** Index of the bracket that opens level `MAX_JSON_DEPTH + 1`, or -1; string contents skipped. */
function tooDeepAt(text: string): number {
  // A text shorter than the limit cannot nest beyond it.
  if (text.length <= MAX_JSON_DEPTH) return -1;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i += 1;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      depth += 1;
      if (depth > MAX_JSON_DEPTH) return i;
    } else if (c === 0x5d || c === 0x7d) {
      depth -= 1;
    }
  }
  return -1;
}

/** Whether some string (or key) of a parsed value holds a lone surrogate. */
function hasLoneSurrogate(value: unknown): boolean {
  if (typeof value === 'string') return LONE_SURROGATE.test(value);
  if (Array.isArray(value)) return value.some(hasLoneSurrogate);
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).some(([key, item]) => LONE_SURROGATE.test(key) || hasLoneSurrogate(item));
  }
  return false;
}

export function parseJsonBody(
  _request: FastifyRequest,
  body: string | Buffer,
  done: (error: Error | null, value?: unknown) => void,
): void {
  let text: string;
  try {
    text = typeof body === 'string' ? body : UTF8.decode(body);
  } catch {
    return done(parseError('str is not valid UTF-8: invalid byte sequence'));
  }
  if (text.length === 0) return done(null, {});
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const at = /position (\d+)/.exec(message);
    const index = at ? Number(at[1]) : text.length;
    const reason = index >= text.trimEnd().length ? 'unexpected end of data' : 'unexpected character';
    return done(parseError(`${reason}: ${position(text, index)}`));
  }
  const deep = tooDeepAt(text);
  if (deep >= 0) {
    return done(parseError(`nested deeper than ${MAX_JSON_DEPTH} levels: ${position(text, deep)}`));
  }
  if (SURROGATE_ESCAPE.test(text) && hasLoneSurrogate(value)) {
    return done(parseError('str is not valid UTF-8: surrogates not allowed'));
  }
  // Fastify's own parser refuses these keys too: merged or walked, they reach Object.prototype.
  const prototypeKey = findPrototypeKey(value);
  if (prototypeKey !== undefined) return done(parseError(`forbidden key "${prototypeKey}"`));
  done(null, value);
}

/** A body of a media type DRF has no parser for; 415 only if the view reads its data. */
export class UnsupportedBody {
  constructor(readonly contentType: string) {}
}

/**
 * Every other body: DRF ignores a body sent without a Content-Type (empty data); a media type
 * it has no parser for is a 415 naming the header as sent, parameters included, but only when
 * the view reads `request.data` (routes with a body; a DELETE or a 405 never does).
 * @see rest_framework/request.py Request._parse
 */
export function parseOtherBody(
  request: FastifyRequest,
  _body: string | Buffer,
  done: (error: Error | null, value?: unknown) => void,
): void {
  const type = request.headers['content-type'];
  done(null, type === undefined ? {} : new UnsupportedBody(type));
}
