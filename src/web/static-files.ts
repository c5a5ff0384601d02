/**
 * Browser files sent from disk by @fastify/static: the flow page's own (src/web/static/flow/,
 * copied to dist/web/static/ by the build) and the admin bundle (dist/web/admin/). Each folder
 * says which of its names it serves; any other name, and any name that climbs out of the
 * folder, is the not-found page, never a file found by joining the URL to a path.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** The kinds of file served, by extension; a file of any other kind is never sent. */
const CONTENT_TYPES = new Map<string, string>([
  ['.html', 'text/html; charset=utf-8'],
  ['.js', 'text/javascript; charset=utf-8'],
  ['.css', 'text/css; charset=utf-8'],
  ['.map', 'application/json'],
  ['.txt', 'text/plain; charset=utf-8'],
  ['.woff2', 'font/woff2'],
  ['.woff', 'font/woff'],
  ['.svg', 'image/svg+xml'],
  ['.png', 'image/png'],
  ['.jpg', 'image/jpeg'],
]);

export interface StaticFolder {
  /** The folder on disk. */
  root: string;
  /** The URL path it is served under, ending in `/`. */
  prefix: string;
  /** Whether a name under the folder (`/file.js`, `/assets/font.woff2`) is served. */
  serves: (name: string) => boolean;
  /** Headers every file of the folder is sent with. */
  headers: Record<string, string>;
}

/** A folder of src/web/static/ (dist/web/static/ once built), beside this module either way. */
export function ownStaticFolder(name: string): string {
  return fileURLToPath(new URL(`./static/${name}/`, import.meta.url));
}

export async function serveStaticFolder(app: FastifyInstance, folder: StaticFolder): Promise<void> {
  await app.register(fastifyStatic, {
    root: folder.root,
    prefix: folder.prefix,
    decorateReply: false,
    schemaHide: true,
    index: false,
    redirect: false,
    dotfiles: 'ignore',
    cacheControl: false,
    allowedPath: (name) =>
      !name.split('/').includes('..') && CONTENT_TYPES.has(path.extname(name)) && folder.serves(name),
    setHeaders: (reply, filePath) => {
      reply.headers({
        ...folder.headers,
        'content-type': CONTENT_TYPES.get(path.extname(filePath)) ?? 'application/octet-stream',
      });
    },
  });
}
