/**
 * The admin interface at `/if/admin/` (authentik's AdminInterfaceView): a small page whose
 * script manages invitation stages and invitations through the same REST API v3 the official
 * clients use. It authenticates with the signed-in session (and its CSRF cookie) or with an API
 * token the administrator pastes, kept in the tab's sessionStorage only.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';

const STATIC_DIR = new URL('../web/static/admin/', import.meta.url);

function asset(name: string, type: string) {
  return { type, body: readFileSync(fileURLToPath(new URL(name, STATIC_DIR)), 'utf8') };
}

/** Everything comes from this origin; nothing inline, nothing may frame the page. */
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'";

export async function adminRoutes(app: FastifyInstance): Promise<void> {
  const assets: Record<string, { type: string; body: string }> = {
    'index.html': asset('index.html', 'text/html; charset=utf-8'),
    'admin.js': asset('admin.js', 'text/javascript; charset=utf-8'),
    'admin.css': asset('admin.css', 'text/css; charset=utf-8'),
  };
  const send = (name: string) => async (_request: unknown, reply: FastifyReply) => {
    const file = assets[name];
    return reply
      .header('content-security-policy', CSP)
      .header('cache-control', name === 'index.html' ? 'no-store' : 'public, max-age=300')
      .type(file.type)
      .send(file.body);
  };
  app.get('/if/admin/', { schema: { hide: true } }, send('index.html'));
  app.get('/static/tessera/admin/admin.js', { schema: { hide: true } }, send('admin.js'));
  app.get('/static/tessera/admin/admin.css', { schema: { hide: true } }, send('admin.css'));
}
