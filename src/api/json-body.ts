/**
 * DRF's JSONParser: an empty body is empty data (`{}`: DRF never parses an empty stream); a
 * malformed one, whitespace only included, is 400 `{"detail": "JSON parse error - <reason>"}`.
 * The reason imitates orjson's wording with Python's position suffix; the exact text of every
 * orjson message is not reproduced.
 * @see rest_framework/request.py Request._parse
 */
import type { FastifyRequest } from 'fastify';
import { ApiError, Messages } from './errors.js';

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
  try {
    done(null, JSON.parse(text));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const at = /position (\d+)/.exec(message);
    const index = at ? Number(at[1]) : text.length;
    const reason = index >= text.trimEnd().length ? 'unexpected end of data' : 'unexpected character';
    done(ApiError.detail(400, `JSON parse error - ${reason}: ${position(text, index)}`));
  }
}

/**
 * Every other body: DRF ignores a body sent without a Content-Type (empty data), and answers
 * any media type it has no parser for with 415 naming the header as sent, parameters included.
 * @see rest_framework/request.py Request._parse
 */
export function parseOtherBody(
  request: FastifyRequest,
  _body: string | Buffer,
  done: (error: Error | null, value?: unknown) => void,
): void {
  const type = request.headers['content-type'];
  if (type === undefined) return done(null, {});
  done(ApiError.detail(415, Messages.unsupportedMediaType(type)));
}
