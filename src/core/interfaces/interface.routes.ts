/**
 * `/` (authentik's RootRedirectView) and the user interface `/if/user/` (UserInterfaceView),
 * here a server-rendered page with the signed-in person's account and a way to sign out.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Db } from '../../db/client.js';
import { escapeHtml } from '../../web/html.js';
import { createInterfaceRepository } from './interface.repository.js';
import { ADMIN_INTERFACE, USER_INTERFACE, signInUrl, type InterfaceAccess } from './interface-access.js';

/** The page loads only the flow page's style sheet; nothing may frame it. */
const CSP =
  "default-src 'none'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; " +
  "form-action 'self'; frame-ancestors 'none'";

/** authentik's default invalidation (sign-out) flow. */
export const SIGN_OUT_URL = '/flows/-/default/invalidation/';

function userPage(user: { name: string; username: string; email: string }, groups: string[], admin: boolean) {
  const e = escapeHtml;
  const groupList =
    groups.length > 0
      ? `<ul class="groups">${groups.map((group) => `<li>${e(group)}</li>`).join('')}</ul>`
      : '<p class="muted">No groups</p>';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>My account</title>
<link rel="stylesheet" href="/static/tessera/flow/flow.css">
</head>
<body>
<main class="flow">
<div class="card">
<h1>Welcome, ${e(user.name || user.username)}</h1>
<h2>Your account</h2>
<dl class="account">
<dt>Username</dt><dd>${e(user.username)}</dd>
<dt>Email</dt><dd>${user.email ? e(user.email) : '<span class="muted">Not set</span>'}</dd>
<dt>Groups</dt><dd>${groupList}</dd>
</dl>
<nav aria-label="Account">
${admin ? `<p><a href="${ADMIN_INTERFACE}">Admin interface</a></p>\n` : ''}<p><a class="button" href="${SIGN_OUT_URL}">Sign out</a></p>
</nav>
</div>
</main>
</body>
</html>
`;
}

function html(reply: FastifyReply, body: string) {
  return reply
    .code(200)
    .header('content-security-policy', CSP)
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(body);
}

export function interfaceRoutes(db: Db, access: InterfaceAccess) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get('/', { schema: { hide: true } }, async (request, reply) => {
      const actor = await access.signedIn(request);
      if (!actor) return reply.redirect(signInUrl('/'), 302);
      return reply.redirect((await access.canAccessAdmin(actor)) ? ADMIN_INTERFACE : USER_INTERFACE, 302);
    });

    app.get(USER_INTERFACE, { schema: { hide: true } }, async (request, reply) => {
      const actor = await access.signedIn(request);
      if (!actor) return reply.redirect(signInUrl(USER_INTERFACE), 302);
      const groups = await createInterfaceRepository(db).groupNames(actor.user.id);
      return html(reply, userPage(actor.user, groups, await access.canAccessAdmin(actor)));
    });
  };
}
