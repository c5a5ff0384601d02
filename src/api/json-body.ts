/**
 * DRF's JSONParser: an empty body is empty data (`{}`: DRF never parses an empty stream); a
 * malformed one, whitespace only included, is 400 `{"detail": "JSON parse error - <reason>"}`.
 * The reason imitates orjson's wording with Python's position suffix; the exact text of every
 * orjson message is not reproduced.
 * @see rest_framework/request.py Request._parse
 */
import type { FastifyRequest } from 'fastify';
import { ApiError } from './errors.js';
import { findPrototypeKey } from './safe-objects.js';

function position(text: string, index: number): string {
  const before = text.slice(0, index);
  const line = before.split('\n').length;
  const column = index - before.lastIndexOf('\n');
  return `line ${line} column ${column} (char ${index})`;
}

export function parseJsonBody(
  _request: FastifyRequest,
  body: string | Buffer,
  done: (error: Error | null, value?: unknown) => void,
): void {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  if (text.length === 0) return done(null, {});
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const at = /position (\d+)/.exec(message);
    const index = at ? Number(at[1]) : text.length;
    const reason = index >= text.trimEnd().length ? 'unexpected end of data' : 'unexpected character';
    return done(ApiError.detail(400, `JSON parse error - ${reason}: ${position(text, index)}`));
  }
  // Fastify's own parser refuses these keys too: merged or walked, they reach Object.prototype.
  const prototypeKey = findPrototypeKey(data);
  if (prototypeKey !== undefined) {
    return done(ApiError.detail(400, `JSON parse error - forbidden key "${prototypeKey}"`));
  }
  done(null, data);
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
