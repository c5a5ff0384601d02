/**
 * The admin interface's bundle (dist/web/admin/, written by scripts/build-ui.mjs at
 * `npm run build`), read once when the server starts. Only files the build wrote are served:
 * the name comes from the URL and is looked up in a Map, never joined to a path.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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

export interface BundleFile {
  type: string;
  body: Buffer;
}

/**
 * Where the bundle is: beside the compiled server (dist/admin/ -> dist/web/admin/) when it runs
 * from dist/, or under the checkout's dist/ when it runs from src/ through tsx.
 */
function bundleDir(): string | undefined {
  const candidates = [
    new URL('../web/admin/', import.meta.url),
    new URL('../../dist/web/admin/', import.meta.url),
  ];
  for (const candidate of candidates) {
    const dir = fileURLToPath(candidate);
    if (existsSync(path.join(dir, 'index.html'))) return dir;
  }
  return undefined;
}

function readAll(dir: string, prefix = ''): [string, BundleFile][] {
  return readdirSync(dir).flatMap((name): [string, BundleFile][] => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return readAll(full, `${prefix}${name}/`);
    const type = CONTENT_TYPES.get(path.extname(name));
    return type ? [[`${prefix}${name}`, { type, body: readFileSync(full) }]] : [];
  });
}

/** The bundle's files by their path under dist/web/admin/; empty when it was never built. */
export function loadAdminBundle(): Map<string, BundleFile> {
  const dir = bundleDir();
  return new Map(dir ? readAll(dir) : []);
}
