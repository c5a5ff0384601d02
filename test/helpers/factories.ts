/**
 * Factories: each builds one object with unique defaults and returns what it created, so
 * tests assert on their own rows. API objects are created through the API (as a client
 * would); users, tokens and grants directly in the database.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { query } from '../../src/db/client.js';
import type { TestContext } from './test-app.js';

let counter = 0;
export function unique(prefix: string): string {
  counter += 1;
  return `${prefix}-${counter}-${randomBytes(3).toString('hex')}`;
}

function expectStatus(response: { status: number; body: unknown }, status: number, what: string) {
  if (response.status !== status) {
    throw new Error(`${what}: expected ${status}, got ${response.status} ${JSON.stringify(response.body)}`);
  }
}

export async function createFlow(t: TestContext, overrides: Record<string, unknown> = {}) {
  const slug = unique('flow');
  const response = await t.client.post('/api/v3/flows/instances/', {
    name: slug,
    slug,
    title: `Title of ${slug}`,
    designation: 'enrollment',
    ...overrides,
  });
  expectStatus(response, 201, 'createFlow');
  return response.body;
}

export async function createInvitationStage(t: TestContext, overrides: Record<string, unknown> = {}) {
  const response = await t.client.post('/api/v3/stages/invitation/stages/', {
    name: unique('invite'),
    ...overrides,
  });
  expectStatus(response, 201, 'createInvitationStage');
  return response.body;
}

export async function bindStage(
  t: TestContext,
  flowPk: string,
  stagePk: string,
  order = 10,
  overrides: Record<string, unknown> = {},
) {
  const response = await t.client.post('/api/v3/flows/bindings/', {
    target: flowPk,
    stage: stagePk,
    order,
    ...overrides,
  });
  expectStatus(response, 201, 'bindStage');
  return response.body;
}

export interface TestUser {
  id: number;
  username: string;
  token: string;
}

/** A user with an API token; not a superuser unless asked. */
export async function createUserWithToken(
  t: TestContext,
  options: { superuser?: boolean; active?: boolean; username?: string } = {},
): Promise<TestUser> {
  const { db } = t.database;
  const username = options.username ?? unique('user');
  const [user] = await query<{ id: number }>(
    db,
    sql`INSERT INTO users (username, name, email, is_active) VALUES (${username}, ${username}, ${`${username}@example.com`}, ${options.active ?? true}) RETURNING id`,
  );
  if (options.superuser) {
    await db.execute(
      sql`INSERT INTO user_groups (user_id, group_uuid) SELECT ${user.id}, group_uuid FROM groups WHERE name = 'authentik Admins'`,
    );
  }
  const token = randomBytes(24).toString('hex');
  await db.execute(
    sql`INSERT INTO tokens (identifier, key, intent, user_id, expiring) VALUES (${unique('token')}, ${token}, 'api', ${user.id}, false)`,
  );
  return { id: user.id, username, token };
}

/** Grants `app_label.codename` to the user, globally or on one object, through a new role. */
export async function grantPermission(t: TestContext, user: TestUser, permission: string, objectPk?: string) {
  const { db } = t.database;
  const [appLabel, codename] = permission.split('.');
  const [role] = await query<{ uuid: string }>(
    db,
    sql`INSERT INTO roles (name) VALUES (${unique('role')}) RETURNING uuid`,
  );
  await db.execute(sql`INSERT INTO user_roles (user_id, role_uuid) VALUES (${user.id}, ${role.uuid})`);
  await db.execute(
    sql`INSERT INTO permission_grants (permission_id, role_uuid, object_pk)
        SELECT id, ${role.uuid}, ${objectPk ?? null} FROM permissions WHERE app_label = ${appLabel} AND codename = ${codename}`,
  );
}

/** A user created through `/core/users/` as the admin (with an email, as authentik's schema wants). */
export async function createUser(t: TestContext, overrides: Record<string, unknown> = {}) {
  const username = unique('person');
  const response = await t.client.post('/api/v3/core/users/', {
    username,
    name: `Name of ${username}`,
    email: `${username}@example.com`,
    ...overrides,
  });
  expectStatus(response, 201, 'createUser');
  return response.body;
}

/** A group created through `/core/groups/` as the admin. */
export async function createGroup(t: TestContext, overrides: Record<string, unknown> = {}) {
  const response = await t.client.post('/api/v3/core/groups/', { name: unique('group'), ...overrides });
  expectStatus(response, 201, 'createGroup');
  return response.body;
}

/** A role created through `/rbac/roles/` as the admin. */
export async function createRole(t: TestContext, overrides: Record<string, unknown> = {}) {
  const response = await t.client.post('/api/v3/rbac/roles/', { name: unique('role'), ...overrides });
  expectStatus(response, 201, 'createRole');
  return response.body;
}

/** Assigns `app_label.codename` permissions to a role through the assign endpoint, as the admin. */
export async function assignToRole(
  t: TestContext,
  rolePk: string,
  permissions: string[],
  object?: { model: string; object_pk: string },
) {
  const response = await t.client.post(`/api/v3/rbac/permissions/assigned_by_roles/${rolePk}/assign/`, {
    permissions,
    ...(object ?? {}),
  });
  expectStatus(response, 200, 'assignToRole');
  return response.body;
}

/**
 * An invitation written directly in the database (for flow tests that must not depend on the
 * invitations API). Defaults: multi-use, no flow, expiring tomorrow, created by akadmin.
 */
export async function insertInvitation(
  t: TestContext,
  overrides: {
    name?: string;
    flow?: string | null;
    single_use?: boolean;
    fixed_data?: Record<string, unknown>;
    expires?: string | null;
    max_uses?: number | null;
  } = {},
): Promise<{ pk: string; name: string }> {
  const { db } = t.database;
  const name = overrides.name ?? unique('invitation');
  const expires =
    overrides.expires === undefined ? new Date(Date.now() + 86400000).toISOString() : overrides.expires;
  const [row] = await query<{ pk: string }>(
    db,
    sql`INSERT INTO invitations (name, expires, flow, single_use, created_by, fixed_data, max_uses)
        SELECT ${name}, ${expires}, ${overrides.flow ?? null}, ${overrides.single_use ?? false}, id,
               ${JSON.stringify(overrides.fixed_data ?? {})}::jsonb, ${overrides.max_uses ?? null}
        FROM users WHERE username = 'akadmin'
        RETURNING invite_uuid AS pk`,
  );
  return { pk: row.pk, name };
}
