/**
 * The admin interface at `/if/admin/` (authentik's AdminInterfaceView): the web application in
 * web/admin/ (Lit elements on PatternFly), bundled at build time and served from this origin.
 * It talks to the REST API v3 through the official `@goauthentik/api` client with the
 * signed-in session and its CSRF cookie, as authentik's own admin interface does. Only a
 * signed-in admin gets the page (InterfaceAccess.requireAdmin); its bundled files hold no data.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { loadAdminBundle } from './admin-bundle.js';

/** Everything comes from this origin; nothing inline, nothing may frame the page. */
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
  "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'";

/** Hashed names change with their content, so they may be kept for good. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/** `signedIn` sends whoever may not use the admin interface elsewhere (InterfaceAccess.requireAdmin). */
export const adminRoutes = (signedIn: preHandlerAsyncHookHandler) => async (app: FastifyInstance) => {
  const files = loadAdminBundle();
  const send = (reply: FastifyReply, name: string, cache: string) => {
    const file = files.get(name);
    if (!file) return undefined;
    return reply
      .headers({
        'content-security-policy': CSP,
        'cache-control': cache,
        'x-content-type-options': 'nosniff',
      })
      .type(file.type)
      .send(file.body);
  };
  app.get('/if/admin/', { schema: { hide: true }, preHandler: signedIn }, async (_request, reply) => {
    const sent = send(reply, 'index.html', 'no-store');
    if (sent) return sent;
    // A checkout run from src/ without `npm run build`: say so instead of a blank page.
    return reply
      .code(503)
      .type('text/plain; charset=utf-8')
      .send('The admin interface is not built: run `npm run build`.');
  });
  app.get<{ Params: { '*': string } }>(
    '/static/dist/admin/*',
    { schema: { hide: true } },
    async (request: FastifyRequest<{ Params: { '*': string } }>, reply) => {
      const name = request.params['*'];
      if (name === 'index.html') return reply.callNotFound();
      return send(reply, name, IMMUTABLE) ?? reply.callNotFound();
    },
  );
};
