/**
 * DRF's JSONParser: an empty body is empty data; a malformed one is 400
 * `{"detail": "JSON parse error - <reason>"}`. The reason imitates orjson's wording with
 * Python's position suffix; the exact text of every orjson message is not reproduced.
 */
import type { FastifyRequest } from 'fastify';
import { ApiError } from './errors.js';

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
  if (text.trim() === '') return done(null, undefined);
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
