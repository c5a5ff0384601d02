/**
 * Builds an invitation enrollment flow through the API alone, the way the example blueprint
 * does (authentik blueprints/example/flows-invitation-enrollment.yaml): invitation stage,
 * prompt stage (username, password twice, name, email), user_write, user_login.
 */
import { sql } from 'drizzle-orm';
import { query } from '../../src/db/client.js';
import { maskInvitationToken } from '../../src/events/invitation-token.js';
import { bindStage, createFlow, createInvitationStage, unique } from './factories.js';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { FlowBrowser } from './flow-client.js';
import type { TestContext } from './test-app.js';

function expect201(response: { status: number; body: unknown }, what: string) {
  if (response.status !== 201)
    throw new Error(`${what}: ${response.status} ${JSON.stringify(response.body)}`);
}

export async function createPrompt(t: TestContext, overrides: Record<string, unknown>) {
  const response = await t.client.post('/api/v3/stages/prompt/prompts/', {
    name: unique('prompt'),
    label: String(overrides.field_key),
    type: 'text',
    required: true,
    ...overrides,
  });
  expect201(response, 'createPrompt');
  return response.body;
}

export interface EnrollmentFlow {
  flow: { pk: string; slug: string; title: string };
  invitationStage: { pk: string; name: string };
  promptStage: { pk: string };
  userWriteStage: { pk: string };
  userLoginStage: { pk: string };
  groupUuid: string;
}

export async function buildEnrollmentFlow(
  t: TestContext,
  options: { continueWithoutInvitation?: boolean; extraPrompts?: Record<string, unknown>[] } = {},
): Promise<EnrollmentFlow> {
  const flow = await createFlow(t, { designation: 'enrollment', authentication: 'require_unauthenticated' });
  const invitationStage = await createInvitationStage(t, {
    continue_flow_without_invitation: options.continueWithoutInvitation ?? false,
  });
  const prompts = [
    await createPrompt(t, { field_key: 'username', label: 'Username', type: 'username', order: 0 }),
    await createPrompt(t, { field_key: 'password', label: 'Password', type: 'password', order: 1 }),
    await createPrompt(t, {
      field_key: 'password_repeat',
      label: 'Password (repeat)',
      type: 'password',
      order: 2,
    }),
    await createPrompt(t, { field_key: 'name', label: 'Name', type: 'text', order: 3 }),
    await createPrompt(t, { field_key: 'email', label: 'Email', type: 'email', order: 4 }),
  ];
  for (const extra of options.extraPrompts ?? []) prompts.push(await createPrompt(t, extra));
  const promptStage = await t.client.post('/api/v3/stages/prompt/stages/', {
    name: unique('prompt-stage'),
    fields: prompts.map((p: { pk: string }) => p.pk),
  });
  expect201(promptStage, 'prompt stage');
  const [group] = await query<{ group_uuid: string }>(
    t.database.db,
    sql`INSERT INTO groups (name) VALUES (${unique('enrolled')}) RETURNING group_uuid`,
  );
  const userWriteStage = await t.client.post('/api/v3/stages/user_write/', {
    name: unique('write'),
    user_creation_mode: 'always_create',
    create_users_group: group.group_uuid,
    user_type: 'external',
    user_path_template: 'users/external',
  });
  expect201(userWriteStage, 'user_write stage');
  const userLoginStage = await t.client.post('/api/v3/stages/user_login/', { name: unique('login') });
  expect201(userLoginStage, 'user_login stage');
  await bindStage(t, flow.pk, invitationStage.pk, 5, { evaluate_on_plan: true, re_evaluate_policies: true });
  await bindStage(t, flow.pk, promptStage.body.pk, 10);
  await bindStage(t, flow.pk, userWriteStage.body.pk, 20);
  await bindStage(t, flow.pk, userLoginStage.body.pk, 100);
  return {
    flow,
    invitationStage,
    promptStage: promptStage.body,
    userWriteStage: userWriteStage.body,
    userLoginStage: userLoginStage.body,
    groupUuid: group.group_uuid,
  };
}

/** A complete, valid answer to the prompt stage. */
export function answers(username: string, overrides: Record<string, unknown> = {}) {
  return {
    component: 'ak-stage-prompt',
    username,
    password: 'correct horse battery staple',
    password_repeat: 'correct horse battery staple',
    name: `Name of ${username}`,
    email: `${username}@example.com`,
    ...overrides,
  };
}

/** An invitation created through `/stages/invitation/invitations/` as the admin. */
export async function createInvitation(
  t: TestContext,
  body: {
    flow?: string | null;
    single_use?: boolean;
    fixed_data?: Record<string, unknown>;
    expires?: string | null;
    max_uses?: number | null;
    email?: string | null;
    email_domains?: string[] | null;
    groups?: string[];
    roles?: string[];
  } = {},
): Promise<{ pk: string; name: string }> {
  const response = await t.client.post('/api/v3/stages/invitation/invitations/', {
    name: unique('invitation'),
    expires: new Date(Date.now() + 86400000).toISOString(),
    ...body,
  });
  expect201(response, 'createInvitation');
  return response.body;
}

/** authentik's one message for every refused invitation link. */
export const DENIED = 'Invalid invite/invite not found';

/** Reads what an enrollment left in the database: users, audit events, sessions, invitations. */
export function enrollmentProbes(t: TestContext) {
  const db = t.database.db;

  async function userRow(username: string) {
    const [row] = await query<any>(
      db,
      sql`SELECT id, username, name, email, is_active, path, type, attributes, password, last_login
          FROM users WHERE username = ${username}`,
    );
    return row;
  }

  async function usersNamed(prefix: string) {
    return query<{ username: string }>(
      db,
      sql`SELECT username FROM users WHERE username LIKE ${`${prefix}%`}`,
    );
  }

  async function eventsFor(invitationPk: string) {
    return query<any>(
      db,
      sql`SELECT action, app, context, "user" FROM events
          WHERE context->>'invitation_uuid' = ${maskInvitationToken(invitationPk)}
             OR context->'model'->>'pk' = ${maskInvitationToken(invitationPk)}
          ORDER BY created`,
    );
  }

  async function sessionUser(browser: FlowBrowser) {
    const [row] = await query<{ user_id: number | null }>(
      db,
      sql`SELECT user_id FROM sessions WHERE session_key = ${browser.sessionKey ?? ''}`,
    );
    return row?.user_id ?? null;
  }

  async function invitationExists(pk: string) {
    return (await query(db, sql`SELECT 1 FROM invitations WHERE invite_uuid = ${pk}`)).length > 0;
  }

  return { userRow, usersNamed, eventsFor, sessionUser, invitationExists };
}

/** A browser on `app` that carries the cookies `browser` holds (the same session). */
export function sameSession(browser: FlowBrowser, app: FastifyInstance): FlowBrowser {
  const copy = new FlowBrowser(app);
  for (const [name, value] of browser.cookies) copy.cookies.set(name, value);
  return copy;
}

/** Components a flow page renders: a loser must get one of these, never an error. */
export const RENDERABLE = new Set(['ak-stage-prompt', 'xak-flow-redirect', 'ak-stage-access-denied']);

/** Opens the link once, then sends `count` answers at once with that session, over `apps`. */
export async function race(apps: FastifyInstance[], invitation: { pk: string }, slug: string, count: number) {
  const q = `itoken=${invitation.pk}`;
  const opener = new FlowBrowser(apps[0]);
  assert.equal((await opener.get(slug, q)).body.component, 'ak-stage-prompt');
  const prefix = unique('plan-race');
  const results = await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const browser = sameSession(opener, apps[i % apps.length]);
      return browser.post(slug, answers(`${prefix}-${i}`), q);
    }),
  );
  for (const result of results) {
    assert.equal(result.status, 200);
    assert.ok(RENDERABLE.has(result.body.component), JSON.stringify(result.body));
  }
  return { prefix, results };
}
