/**
 * The admin interface at `/if/admin/` (authentik's AdminInterfaceView): a small page whose
 * script manages invitation stages and invitations through the same REST API v3 the official
 * clients use. Only a signed-in admin gets the page (InterfaceAccess.requireAdmin); its script
 * authenticates with that session (and its CSRF cookie), or with an API token the administrator
 * pastes, kept in the tab's sessionStorage only.
 */
import type { FastifyInstance, FastifyReply, preHandlerAsyncHookHandler } from 'fastify';
import { StaticFiles } from '../web/static-files.js';

/** Everything comes from this origin; nothing inline, nothing may frame the page. */
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'";

/** `signedIn` sends whoever may not use the admin interface elsewhere (InterfaceAccess.requireAdmin). */
export const adminRoutes = (signedIn: preHandlerAsyncHookHandler) => async (app: FastifyInstance) => {
  const files = new StaticFiles('admin', ['index.html', 'admin.js', 'admin.css']);
  const send = (name: string) => async (_request: unknown, reply: FastifyReply) =>
    files.send(reply, name, {
      'content-security-policy': CSP,
      'cache-control': name === 'index.html' ? 'no-store' : 'public, max-age=300',
    });
  app.get('/if/admin/', { schema: { hide: true }, preHandler: signedIn }, send('index.html'));
  app.get('/static/tessera/admin/admin.js', { schema: { hide: true } }, send('admin.js'));
  app.get('/static/tessera/admin/admin.css', { schema: { hide: true } }, send('admin.css'));
};
