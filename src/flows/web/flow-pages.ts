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
import { StaticFiles } from '../../web/static-files.js';

const ASSETS = new StaticFiles('flow', ['flow.js', 'flow.css']);

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
      const raw = (request.query as Record<string, string | string[] | undefined>).next;
      const next = safeRelativeUrl(Array.isArray(raw) ? raw[raw.length - 1] : raw);
      return reply.redirect(next ?? '/', 302);
    });

    app.get('/static/tessera/flow/:file', { schema: { hide: true } }, async (request, reply) => {
      const { file } = request.params as { file: string };
      return ASSETS.send(reply, file, { 'cache-control': 'no-cache' }) ?? html(reply, 404, NOT_FOUND_PAGE);
    });
  };
}
