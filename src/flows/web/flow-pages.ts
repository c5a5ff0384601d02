/**
 * The browser side of flows: `/if/flow/<slug>/` (authentik's FlowInterfaceView, here a small
 * page whose script drives the executor API), `/flows/-/cancel/` (CancelView) and the page's
 * own script and style sheet, served from the repository (no framework, nothing from a CDN).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { SessionStore } from '../../core/sessions/session.store.js';
import { ensureCsrfCookie } from '../../core/sessions/session.store.js';
import type { FlowExecutor } from '../executor/executor.service.js';
import { safeRelativeUrl } from '../executor/executor.service.js';
import { escapeHtml, NOT_FOUND_PAGE } from '../../web/html.js';
import { ownStaticFolder, serveStaticFolder } from '../../web/static-files.js';
import { lastValue, type RawQuery } from '../../api/filters.js';

/** Everything the page loads comes from this origin; nothing may frame it. */
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'";

function page(slug: string, title: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="/static/tessera/flow/flow.css">
<script type="module" src="/static/tessera/flow/flow.js"></script>
</head>
<body>
<main class="flow" data-flow-slug="${escapeHtml(slug)}">
<div class="card">
<h1 id="flow-title" tabindex="-1">${escapeHtml(title)}</h1>
<div id="flow-body" aria-live="polite" aria-busy="true"><p class="muted">Loading…</p></div>
<noscript><p>This page needs JavaScript.</p></noscript>
</div>
</main>
</body>
</html>
`;
}

function html(reply: FastifyReply, status: number, body: string) {
  return reply
    .code(status)
    .header('content-security-policy', CSP)
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(body);
}

export function flowPages(executor: FlowExecutor, sessions: SessionStore) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get('/if/flow/:slug/', { schema: { hide: true } }, async (request, reply) => {
      const { slug } = request.params as { slug: string };
      const flow = await executor.findFlow(slug);
      if (!flow) return html(reply, 404, NOT_FOUND_PAGE);
      // The page's script echoes this cookie in X-authentik-CSRF on its POSTs.
      ensureCsrfCookie(request, reply);
      return html(reply, 200, page(flow.slug, flow.title));
    });

    // authentik's CancelView: drop the plan (and what it holds), then go to a relative `next`.
    app.get('/flows/-/cancel/', { schema: { hide: true } }, async (request, reply) => {
      const session = await sessions.load(request);
      if (!session.isNew) {
        await executor.cancel(session);
        await sessions.commit(request, reply, session);
      }
      const next = safeRelativeUrl(lastValue(request.query as RawQuery, 'next'));
      return reply.redirect(next ?? '/', 302);
    });

    // authentik's ToDefaultFlow for authentication: the default sign-in flow's page, with the
    // query passed on, except a `next` that would leave this site (an open redirect).
    app.get('/flows/-/default/authentication/', { schema: { hide: true } }, async (request, reply) => {
      const slug = await executor.defaultFlow('authentication');
      if (!slug) return html(reply, 404, NOT_FOUND_PAGE);
      const next = safeRelativeUrl(lastValue(request.query as RawQuery, 'next'));
      const query = next ? `?${new URLSearchParams({ next }).toString()}` : '';
      return reply.redirect(`/if/flow/${encodeURIComponent(slug)}/${query}`, 302);
    });

    // authentik's ToDefaultFlow for invalidation: signing out is the default invalidation
    // flow (its user_logout stage ends the session), which then sends the browser to `/`.
    app.get('/flows/-/default/invalidation/', { schema: { hide: true } }, async (request, reply) => {
      const slug = await executor.defaultFlow('invalidation');
      if (!slug) return html(reply, 404, NOT_FOUND_PAGE);
      return reply.redirect(`/if/flow/${encodeURIComponent(slug)}/`, 302);
    });

    // The page's names stay the same from one build to the next: revalidated on each use.
    await serveStaticFolder(app, {
      root: ownStaticFolder('flow'),
      prefix: '/static/tessera/flow/',
      serves: (name) => name === '/flow.js' || name === '/flow.css',
      headers: { 'cache-control': 'no-cache' },
    });
  };
}
