/**
 * The server's own browser files under src/web/static/, read once when the server starts.
 * @fastify/static would do this; it is not a dependency yet, and these few small files need
 * none of its range, etag or directory handling.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyReply } from 'fastify';

const STATIC_ROOT = new URL('./static/', import.meta.url);

const CONTENT_TYPES = new Map<string, string>([
  ['.html', 'text/html; charset=utf-8'],
  ['.js', 'text/javascript; charset=utf-8'],
  ['.css', 'text/css; charset=utf-8'],
]);

interface StaticFile {
  type: string;
  body: string;
}

export class StaticFiles {
  // A Map, not an object literal: the file name comes from the URL, and `constructor` or
  // `__proto__` must be unknown files rather than what Object.prototype holds under that name.
  private readonly files = new Map<string, StaticFile>();

  /** Reads `names` from src/web/static/<folder>/; only these files are ever served. */
  constructor(folder: string, names: readonly string[]) {
    const dir = new URL(`${folder}/`, STATIC_ROOT);
    for (const name of names) {
      const type = CONTENT_TYPES.get(path.extname(name));
      if (!type) throw new Error(`no content type for static file ${name}`);
      this.files.set(name, { type, body: readFileSync(fileURLToPath(new URL(name, dir)), 'utf8') });
    }
  }

  /** Sends the file with the headers given; undefined (nothing sent) when there is no such file. */
  send(reply: FastifyReply, name: string, headers: Record<string, string>): FastifyReply | undefined {
    const file = this.files.get(name);
    if (!file) return undefined;
    return reply.headers(headers).type(file.type).send(file.body);
  }
}
