/** Users with a password, and signing them in through the default authentication flow. */
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { query } from '../../src/db/client.js';
import { hashPassword } from '../../src/core/users/password.js';
import { FlowBrowser } from './flow-client.js';
import type { TestContext } from './test-app.js';
import { unique } from './factories.js';

export const AUTH_FLOW = 'default-authentication-flow';

export interface PasswordUser {
  id: number;
  username: string;
  email: string;
  password: string;
}

/** A user with a password; `superuser` joins "authentik Admins". */
export async function createPasswordUser(
  t: TestContext,
  options: { superuser?: boolean; name?: string; active?: boolean } = {},
): Promise<PasswordUser> {
  const username = unique('signer');
  const email = `${username}@example.com`;
  const password = `pw-${username}`;
  const [user] = await query<{ id: number }>(
    t.database.db,
    sql`INSERT INTO users (username, name, email, password, is_active)
        VALUES (${username}, ${options.name ?? username}, ${email}, ${await hashPassword(password)}, ${options.active ?? true})
        RETURNING id`,
  );
  if (options.superuser) {
    await t.database.db.execute(
      sql`INSERT INTO user_groups (user_id, group_uuid) SELECT ${user.id}, group_uuid FROM groups WHERE name = 'authentik Admins'`,
    );
  }
  return { id: user.id, username, email, password };
}

/** Signs `user` in through the default authentication flow; returns the signed-in browser. */
export async function signIn(t: TestContext, user: { username: string; password: string }, query = '') {
  const browser = new FlowBrowser(t.app);
  assert.equal((await browser.get(AUTH_FLOW, query)).body.component, 'ak-stage-identification');
  const password = await browser.post(
    AUTH_FLOW,
    { component: 'ak-stage-identification', uid_field: user.username },
    query,
  );
  assert.equal(password.body.component, 'ak-stage-password');
  const done = await browser.post(
    AUTH_FLOW,
    { component: 'ak-stage-password', password: user.password },
    query,
  );
  assert.equal(done.body.component, 'xak-flow-redirect', JSON.stringify(done.body));
  return { browser, done };
}

/** The audit events of `action` whose context names `username`. */
export async function eventsFor(t: TestContext, action: string, username: string) {
  return query<{ context: Record<string, any>; user: Record<string, any> }>(
    t.database.db,
    sql`SELECT context, "user" FROM events WHERE action = ${action}
        AND (context->>'username' = ${username} OR "user"->>'username' = ${username}) ORDER BY created`,
  );
}
