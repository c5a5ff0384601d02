/**
 * `GET /recovery/use-token/<key>/` (authentik's UseTokenView): consumes the recovery key, signs
 * its user in with a new browser session and redirects to the admin interface. An unknown,
 * used or expired key gets the 404 page of an unknown URL, as authentik raises Http404.
 */
import type { FastifyInstance } from 'fastify';
import { requestContext } from '../api/routes.js';
import type { SessionStore } from '../core/sessions/session.store.js';
import { UNAUTHENTICATED_AGE_SECONDS } from '../core/sessions/session.store.js';
import { NOT_FOUND_PAGE } from '../web/html.js';
import { RECOVERY_PATH, type RecoveryService } from './recovery.service.js';

export function recoveryRoutes(recovery: RecoveryService, sessions: SessionStore) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get<{ Params: { key: string } }>(
      `${RECOVERY_PATH}:key/`,
      { schema: { hide: true } },
      async (request, reply) => {
        // The key signs its holder in: the audit event records the path without it.
        const ctx = { ...requestContext(request), path: `${RECOVERY_PATH}********/`, query: {} };
        const used = await recovery.useKey(ctx, request.params.key);
        if (!used) return reply.code(404).type('text/html; charset=utf-8').send(NOT_FOUND_PAGE);
        const session = await sessions.load(request);
        // Django's login(): a new session key, whatever session the browser had.
        session.login(used.userId, UNAUTHENTICATED_AGE_SECONDS, false);
        await sessions.commit(request, reply, session, used.events);
        return reply.code(302).header('location', '/if/admin/').header('cache-control', 'no-store').send();
      },
    );
  };
}
