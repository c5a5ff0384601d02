/**
 * The admin interface at `/if/admin/` (authentik's AdminInterfaceView): the web application in
 * web/admin/ (Lit elements on PatternFly), bundled at build time and served from this origin.
 * It talks to the REST API v3 through the official `@goauthentik/api` client with the
 * signed-in session and its CSRF cookie, as authentik's own admin interface does. Only a
 * signed-in admin gets the page (InterfaceAccess.requireAdmin); its bundled files hold no data.
 */
import type { FastifyInstance, preHandlerAsyncHookHandler } from 'fastify';
import { serveStaticFolder } from '../web/static-files.js';
import { loadAdminBundle } from './admin-bundle.js';

/** Everything comes from this origin; nothing inline, nothing may frame the page. */
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
  "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'";

/** Hashed names change with their content, so they may be kept for good. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

const SECURITY_HEADERS = { 'content-security-policy': CSP, 'x-content-type-options': 'nosniff' };

/** `signedIn` sends whoever may not use the admin interface elsewhere (InterfaceAccess.requireAdmin). */
export const adminRoutes = (signedIn: preHandlerAsyncHookHandler) => async (app: FastifyInstance) => {
  const bundle = loadAdminBundle();
  app.get('/if/admin/', { schema: { hide: true }, preHandler: signedIn }, async (_request, reply) => {
    if (bundle) {
      return reply
        .headers({ ...SECURITY_HEADERS, 'cache-control': 'no-store' })
        .type('text/html; charset=utf-8')
        .send(bundle.page);
    }
    // A checkout run from src/ without `npm run build`: say so instead of a blank page.
    return reply
      .code(503)
      .type('text/plain; charset=utf-8')
      .send('The admin interface is not built: run `npm run build`.');
  });
  if (!bundle) return;
  // The bundle's files are sent from disk as they are asked for: held in memory, its source maps
  // alone would weigh on every instance, and a browser asks for each file once. The page goes
  // out at `/if/admin/` alone.
  await serveStaticFolder(app, {
    root: bundle.dir,
    prefix: '/static/dist/admin/',
    serves: (name) => name !== '/index.html',
    headers: { ...SECURITY_HEADERS, 'cache-control': IMMUTABLE },
  });
};
