/**
 * The admin interface's bundle (dist/web/admin/, written by scripts/build-ui.mjs at
 * `npm run build`). Its page is read once when the server starts; the scripts, stylesheets,
 * source maps and fonts are sent from disk as they are asked for (admin.routes.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface AdminBundle {
  /** The folder the build wrote. */
  dir: string;
  /** The page, which names the hashed script and stylesheet. */
  page: Buffer;
}

/**
 * Where the bundle is: beside the compiled server (dist/admin/ -> dist/web/admin/) when it runs
 * from dist/, or under the checkout's dist/ when it runs from src/ through tsx. Undefined when
 * it was never built.
 */
export function loadAdminBundle(): AdminBundle | undefined {
  const candidates = [
    new URL('../web/admin/', import.meta.url),
    new URL('../../dist/web/admin/', import.meta.url),
  ];
  for (const candidate of candidates) {
    const dir = fileURLToPath(candidate);
    const page = path.join(dir, 'index.html');
    if (existsSync(page)) return { dir, page: readFileSync(page) };
  }
  return undefined;
}
