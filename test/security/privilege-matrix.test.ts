/**
 * The privilege matrix: for each write endpoint that hands out authority, a user holding
 * exactly the permission that endpoint asks for (and, where the endpoint also needs to see the
 * object it acts on, the view permission on it) tries to reach a privilege beyond it. Every attempt
 * must be refused in authentik's error shape and change nothing: the tables that carry
 * authority are compared before and after, and the caller must not have become a superuser.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { query } from '../../src/db/client.js';
import { buildTestApp, type TestResponse } from '../helpers/test-app.js';
import {
  assignToRole,
  createGroup,
  createRole,
  createUserWithToken,
  grantPermission,
  unique,
  type TestUser,
} from '../helpers/factories.js';
import { answers, buildEnrollmentFlow } from '../helpers/enrollment.js';
import { BOOTSTRAP_TOKEN_IDENTIFIER } from '../../src/core/bootstrap/bootstrap.service.js';
import { FlowBrowser } from '../helpers/flow-client.js';

const t = await buildTestApp();
const { db } = t.database;

/** Every table whose rows carry or confer authority, and the audit log. */
const TABLES = [
  'users',
  'groups',
  'group_parents',
  'user_groups',
  'roles',
  'group_roles',
  'user_roles',
  'permission_grants',
  'tokens',
  'user_write_stages',
  'invitations',
  'events',
];

async function snapshot(): Promise<Record<string, unknown[]>> {
  const tables: Record<string, unknown[]> = {};
  for (const table of TABLES) {
    tables[table] = await query(db, sql`SELECT * FROM ${sql.identifier(table)} ORDER BY 1`);
  }
  return tables;
}

/** Objects the attempts aim at, made once by the admin. */
interface Fixture {
  /** "authentik Admins", the bootstrap superuser group. */
  admins: string;
  akadmin: number;
  /** A group without members whose parent is the admins group. */
  underAdmins: string;
  /** A role carrying global permissions no caller below holds. */
  strongRole: string;
  /** A plain group that carries strongRole. */
  strongGroup: string;
}

let f: Fixture;

before(async () => {
  const [admins] = await query<{ pk: string }>(
    db,
    sql`SELECT group_uuid AS pk FROM groups WHERE name = 'authentik Admins'`,
  );
  const [akadmin] = await query<{ id: number }>(db, sql`SELECT id FROM users WHERE username = 'akadmin'`);
  const strongRole = await createRole(t);
  await assignToRole(t, strongRole.pk, [
    'authentik_core.reset_user_password',
    'authentik_core.change_user',
    'authentik_core.view_user',
  ]);
  f = {
    admins: admins.pk,
    akadmin: akadmin.id,
    underAdmins: (await createGroup(t, { parents: [admins.pk] })).pk,
    strongRole: strongRole.pk,
    strongGroup: (await createGroup(t, { roles: [strongRole.pk] })).pk,
  };
});

/** A group the caller is a member of. */
async function ownGroup(me: TestUser): Promise<string> {
  return (await createGroup(t, { users: [me.id] })).pk;
}

/** A role the caller holds, with nothing in it yet. */
async function ownRole(me: TestUser): Promise<string> {
  const role = await createRole(t);
  await db.execute(sql`INSERT INTO user_roles (user_id, role_uuid) VALUES (${me.id}, ${role.pk})`);
  return role.pk;
}

/** An expiring API token of the caller, made through the API as they would. */
async function ownToken(me: TestUser): Promise<string> {
  const identifier = unique('own-token');
  const response = await t.client.as(me.token).post('/api/v3/core/tokens/', { identifier, intent: 'api' });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  assert.equal(response.body.expiring, true);
  return identifier;
}

interface Row {
  /** What the caller holds. */
  holds: string;
  /** What they try to reach. */
  tries: string;
  /** Permissions granted to the caller: global, or on the object `on` names. */
  grants: { permission: string; on?: (me: TestUser, target: string) => string }[];
  /** Builds the object the attempt aims at (not counted as a change). */
  prepare?: (me: TestUser) => Promise<string>;
  attempt: (as: ReturnType<typeof t.client.as>, me: TestUser, target: string) => Promise<TestResponse>;
  /** The refusal: a DRF field error naming the field, or a 403 with a detail. */
  refused: { field: string } | { status: 403 };
}

const onSelf = (me: TestUser) => String(me.id);
const onTarget = (_me: TestUser, target: string) => target;
const viewSelf = { permission: 'authentik_core.view_user', on: onSelf };
const viewGroup = { permission: 'authentik_core.view_group', on: onTarget };
const GROUPS = '/api/v3/core/groups/';
const USERS = '/api/v3/core/users/';

const MATRIX: Row[] = [
  {
    holds: 'add_group',
    tries: 'a new group under the admins group, with themselves as member',
    grants: [{ permission: 'authentik_core.add_group' }],
    attempt: (as, me) => as.post(GROUPS, { name: unique('g'), parents: [f.admins], users: [me.id] }),
    refused: { field: 'parents' },
  },
  {
    holds: 'add_group',
    tries: 'a new group under a child of the admins group, with themselves as member',
    grants: [{ permission: 'authentik_core.add_group' }],
    attempt: (as, me) => as.post(GROUPS, { name: unique('g'), parents: [f.underAdmins], users: [me.id] }),
    refused: { field: 'parents' },
  },
  {
    holds: 'add_group',
    tries: 'a new group carrying a role with reset_user_password, with themselves as member',
    grants: [{ permission: 'authentik_core.add_group' }],
    attempt: (as, me) => as.post(GROUPS, { name: unique('g'), roles: [f.strongRole], users: [me.id] }),
    refused: { field: 'roles' },
  },
  {
    holds: 'add_group and enable_group_superuser',
    tries: 'a new superuser group with themselves as member',
    grants: [
      { permission: 'authentik_core.add_group' },
      { permission: 'authentik_core.enable_group_superuser' },
    ],
    attempt: (as, me) => as.post(GROUPS, { name: unique('g'), is_superuser: true, users: [me.id] }),
    refused: { field: 'users' },
  },
  {
    holds: 'change_group on a group they are in',
    tries: 'to move the group under the admins group',
    grants: [{ permission: 'authentik_core.change_group', on: onTarget }, viewGroup],
    prepare: ownGroup,
    attempt: (as, _me, group) => as.patch(`${GROUPS}${group}/`, { parents: [f.admins] }),
    refused: { field: 'parents' },
  },
  {
    holds: 'change_group and enable_group_superuser on a group they are in',
    tries: 'to make the group a superuser group',
    grants: [
      { permission: 'authentik_core.change_group', on: onTarget },
      { permission: 'authentik_core.enable_group_superuser', on: onTarget },
      viewGroup,
    ],
    prepare: ownGroup,
    attempt: (as, _me, group) => as.patch(`${GROUPS}${group}/`, { is_superuser: true }),
    refused: { field: 'is_superuser' },
  },
  {
    holds: 'change_group on a group they are in',
    tries: 'to give the group a role with reset_user_password',
    grants: [{ permission: 'authentik_core.change_group', on: onTarget }, viewGroup],
    prepare: ownGroup,
    attempt: (as, _me, group) => as.patch(`${GROUPS}${group}/`, { roles: [f.strongRole] }),
    refused: { field: 'roles' },
  },
  {
    holds: 'change_group on a group they are in',
    tries: "to lengthen its members' app passwords through the token-maximum-lifetime attribute",
    grants: [{ permission: 'authentik_core.change_group', on: onTarget }, viewGroup],
    prepare: ownGroup,
    attempt: (as, _me, group) =>
      as.patch(`${GROUPS}${group}/`, {
        attributes: { 'goauthentik.io/user/token-maximum-lifetime': 'days=36500' },
      }),
    refused: { field: 'attributes' },
  },
  {
    holds: 'add_invitation',
    tries: 'to enroll users whose tokens never expire (fixed_data attributes)',
    grants: [{ permission: 'authentik_stages_invitation.add_invitation' }],
    attempt: (as) =>
      as.post('/api/v3/stages/invitation/invitations/', {
        name: unique('lifetime'),
        fixed_data: { attributes: { 'goauthentik.io/user/token-expires': false } },
      }),
    refused: { field: 'fixed_data' },
  },
  {
    holds: 'add_invitation',
    tries: 'to enroll users whose tokens never expire (an attributes_ path in fixed_data)',
    grants: [{ permission: 'authentik_stages_invitation.add_invitation' }],
    attempt: (as) =>
      as.post('/api/v3/stages/invitation/invitations/', {
        name: unique('lifetime'),
        fixed_data: { 'attributes_goauthentik.io/user/token-expires': false },
      }),
    refused: { field: 'fixed_data' },
  },
  {
    holds: 'change_group on the admins group',
    tries: 'to add themselves to its users',
    grants: [
      { permission: 'authentik_core.change_group', on: () => f.admins },
      { permission: 'authentik_core.view_group', on: () => f.admins },
    ],
    attempt: async (as, me) => {
      const current = (await t.client.get(`${GROUPS}${f.admins}/`)).body.users as number[];
      return as.patch(`${GROUPS}${f.admins}/`, { users: [...current, me.id] });
    },
    refused: { field: 'users' },
  },
  {
    holds: 'add_user_to_group on the admins group',
    tries: 'to add themselves',
    grants: [{ permission: 'authentik_core.add_user_to_group', on: () => f.admins }, viewSelf],
    attempt: (as, me) => as.post(`${GROUPS}${f.admins}/add_user/`, { pk: me.id }),
    refused: { status: 403 },
  },
  {
    holds: 'add_user_to_group on a group carrying a strong role',
    tries: 'to add themselves',
    grants: [{ permission: 'authentik_core.add_user_to_group', on: () => f.strongGroup }, viewSelf],
    attempt: (as, me) => as.post(`${GROUPS}${f.strongGroup}/add_user/`, { pk: me.id }),
    refused: { status: 403 },
  },
  {
    holds: 'add_user',
    tries: 'a new user already in the admins group',
    grants: [{ permission: 'authentik_core.add_user' }],
    attempt: (as) => as.post(USERS, { username: unique('u'), name: 'n', groups: [f.admins] }),
    refused: { field: 'groups' },
  },
  {
    holds: 'add_user',
    tries: 'a new user holding a role with reset_user_password',
    grants: [{ permission: 'authentik_core.add_user' }],
    attempt: (as) => as.post(USERS, { username: unique('u'), name: 'n', roles: [f.strongRole] }),
    refused: { field: 'roles' },
  },
  {
    holds: 'change_user on themselves',
    tries: 'to join the admins group',
    grants: [{ permission: 'authentik_core.change_user', on: onSelf }, viewSelf],
    attempt: (as, me) => as.patch(`${USERS}${me.id}/`, { groups: [f.admins] }),
    refused: { field: 'groups' },
  },
  {
    holds: 'change_user on themselves',
    tries: 'to join a group carrying a strong role',
    grants: [{ permission: 'authentik_core.change_user', on: onSelf }, viewSelf],
    attempt: (as, me) => as.patch(`${USERS}${me.id}/`, { groups: [f.strongGroup] }),
    refused: { field: 'groups' },
  },
  {
    holds: 'change_user on themselves',
    tries: 'to take a role with reset_user_password',
    grants: [{ permission: 'authentik_core.change_user', on: onSelf }, viewSelf],
    attempt: (as, me) => as.patch(`${USERS}${me.id}/`, { roles: [f.strongRole] }),
    refused: { field: 'roles' },
  },
  {
    holds: 'change_user on themselves',
    tries: 'to lengthen their own app passwords through the token-maximum-lifetime attribute',
    grants: [{ permission: 'authentik_core.change_user', on: onSelf }, viewSelf],
    attempt: (as, me) =>
      as.patch(`${USERS}${me.id}/`, {
        attributes: { 'goauthentik.io/user/token-maximum-lifetime': 'days=36500' },
      }),
    refused: { field: 'attributes' },
  },
  {
    holds: 'change_user on themselves',
    tries: 'to let their own tokens never expire through the token-expires attribute',
    grants: [{ permission: 'authentik_core.change_user', on: onSelf }, viewSelf],
    attempt: (as, me) =>
      as.patch(`${USERS}${me.id}/`, { attributes: { 'goauthentik.io/user/token-expires': false } }),
    refused: { field: 'attributes' },
  },
  {
    holds: 'change_user',
    tries: "to change akadmin's email (and so its recovery address)",
    grants: [{ permission: 'authentik_core.change_user' }, { permission: 'authentik_core.view_user' }],
    attempt: (as) => as.patch(`${USERS}${f.akadmin}/`, { email: 'attacker@example.com' }),
    refused: { status: 403 },
  },
  {
    holds: 'view_token_key (and view_token)',
    tries: "to read the key of akadmin's token",
    grants: [{ permission: 'authentik_core.view_token_key' }, { permission: 'authentik_core.view_token' }],
    attempt: (as) => as.get(`/api/v3/core/tokens/${BOOTSTRAP_TOKEN_IDENTIFIER}/view_key/`),
    refused: { status: 403 },
  },
  {
    holds: 'set_token_key (and view_token)',
    tries: "to set the key of akadmin's token to one they know",
    grants: [{ permission: 'authentik_core.set_token_key' }, { permission: 'authentik_core.view_token' }],
    attempt: (as) =>
      as.post(`/api/v3/core/tokens/${BOOTSTRAP_TOKEN_IDENTIFIER}/set_key/`, { key: 'known-to-the-attacker' }),
    refused: { status: 403 },
  },
  {
    holds: 'reset_user_password',
    tries: "to set akadmin's password",
    grants: [
      { permission: 'authentik_core.reset_user_password' },
      { permission: 'authentik_core.view_user' },
    ],
    attempt: (as) => as.post(`${USERS}${f.akadmin}/set_password/`, { password: 'taken-over-1234' }),
    refused: { status: 403 },
  },
  {
    holds: 'delete_user',
    tries: 'to delete akadmin',
    grants: [{ permission: 'authentik_core.delete_user' }, { permission: 'authentik_core.view_user' }],
    attempt: (as) => as.delete(`${USERS}${f.akadmin}/`),
    refused: { status: 403 },
  },
  {
    holds: 'change_role on a role with reset_user_password',
    tries: 'to add themselves to the role',
    grants: [{ permission: 'authentik_rbac.change_role', on: () => f.strongRole }, viewSelf],
    attempt: (as, me) => as.post(`/api/v3/rbac/roles/${f.strongRole}/add_user/`, { pk: me.id }),
    refused: { status: 403 },
  },
  {
    holds: 'assign_role_permissions on a role they hold',
    tries: 'to assign the role reset_user_password globally',
    grants: [{ permission: 'authentik_rbac.assign_role_permissions', on: onTarget }],
    prepare: ownRole,
    attempt: (as, _me, role) =>
      as.post(`/api/v3/rbac/permissions/assigned_by_roles/${role}/assign/`, {
        permissions: ['authentik_core.reset_user_password'],
      }),
    refused: { status: 403 },
  },
  {
    holds: 'assign_role_permissions on a role they hold',
    tries: 'to assign the role change_user on akadmin',
    grants: [{ permission: 'authentik_rbac.assign_role_permissions', on: onTarget }],
    prepare: ownRole,
    attempt: (as, _me, role) =>
      as.post(`/api/v3/rbac/permissions/assigned_by_roles/${role}/assign/`, {
        permissions: ['change_user'],
        model: 'authentik_core.user',
        object_pk: String(f.akadmin),
      }),
    refused: { status: 403 },
  },
  {
    holds: 'add_userwritestage',
    tries: 'a user_write stage that puts every enrolled user in the admins group',
    grants: [{ permission: 'authentik_stages_user_write.add_userwritestage' }],
    attempt: (as) =>
      as.post('/api/v3/stages/user_write/', { name: unique('w'), create_users_group: f.admins }),
    refused: { field: 'create_users_group' },
  },
  {
    holds: 'nothing but their own expiring token',
    tries: 'to make the token never expire',
    grants: [],
    prepare: ownToken,
    attempt: (as, _me, identifier) => as.patch(`/api/v3/core/tokens/${identifier}/`, { expiring: false }),
    refused: { field: 'expiring' },
  },
  {
    holds: 'nothing',
    tries: 'a token that never expires',
    grants: [],
    attempt: (as) => as.post('/api/v3/core/tokens/', { identifier: unique('forever'), expiring: false }),
    refused: { field: 'expiring' },
  },
];

async function isSuperuser(me: TestUser): Promise<boolean> {
  const response = await t.client.as(me.token).get(`${USERS}me/`);
  assert.equal(response.status, 200);
  return response.body.user.is_superuser;
}

describe('privilege matrix: one permission never reaches beyond itself', () => {
  for (const row of MATRIX) {
    test(`${row.holds}: ${row.tries} is refused and changes nothing`, async () => {
      const me = await createUserWithToken(t);
      const target = row.prepare ? await row.prepare(me) : '';
      for (const grant of row.grants) {
        await grantPermission(t, me, grant.permission, grant.on?.(me, target));
      }
      const beforeRows = await snapshot();
      const response = await row.attempt(t.client.as(me.token), me, target);
      if ('field' in row.refused) {
        assert.equal(response.status, 400, JSON.stringify(response.body));
        assert.ok(
          Array.isArray(response.body[row.refused.field]),
          `expected an error on ${row.refused.field}: ${JSON.stringify(response.body)}`,
        );
      } else {
        assert.equal(response.status, row.refused.status, JSON.stringify(response.body));
        assert.equal(typeof response.body.detail, 'string');
      }
      assert.deepEqual(await snapshot(), beforeRows);
      assert.equal(await isSuperuser(me), false);
    });
  }

  test('add_invitation: fixed_data naming the admins group, a strong role and is_superuser grants nothing', async () => {
    const e = await buildEnrollmentFlow(t);
    const me = await createUserWithToken(t);
    await grantPermission(t, me, 'authentik_stages_invitation.add_invitation');
    const created = await t.client.as(me.token).post('/api/v3/stages/invitation/invitations/', {
      name: unique('invitation'),
      flow: e.flow.pk,
      fixed_data: { groups: [f.admins], roles: [f.strongRole], is_superuser: true },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const browser = new FlowBrowser(t.app);
    await browser.get(e.flow.slug, `itoken=${created.body.pk}`);
    const username = unique('enrolled');
    const done = await browser.post(e.flow.slug, answers(username), `itoken=${created.body.pk}`);
    assert.equal(done.status, 200, JSON.stringify(done.body));
    const [user] = await query<{ id: number }>(db, sql`SELECT id FROM users WHERE username = ${username}`);
    const groups = await query<{ group_uuid: string }>(
      db,
      sql`SELECT group_uuid FROM user_groups WHERE user_id = ${user.id}`,
    );
    assert.deepEqual(
      groups.map((g) => g.group_uuid),
      [e.groupUuid],
    );
    assert.deepEqual(await query(db, sql`SELECT 1 FROM user_roles WHERE user_id = ${user.id}`), []);
    assert.deepEqual(await query(db, sql`SELECT 1 FROM permission_grants WHERE user_id = ${user.id}`), []);
    const check = await t.client.get(`${USERS}${user.id}/`);
    assert.equal(check.body.is_superuser, false);
  });

  // The same endpoints still hand out what the caller does hold: the rule refuses escalation,
  // not delegation.
  test('a caller holding every permission of a role may give it; a superuser may give anything', async () => {
    const me = await createUserWithToken(t);
    await grantPermission(t, me, 'authentik_core.add_group');
    await grantPermission(t, me, 'authentik_core.view_user');
    const role = await createRole(t);
    await assignToRole(t, role.pk, ['authentik_core.view_user']);
    const other = await createUserWithToken(t);
    const allowed = await t.client
      .as(me.token)
      .post(GROUPS, { name: unique('g'), roles: [role.pk], users: [other.id] });
    assert.equal(allowed.status, 201, JSON.stringify(allowed.body));

    const admin = await t.client.post(GROUPS, { name: unique('g'), parents: [f.admins], users: [other.id] });
    assert.equal(admin.status, 201, JSON.stringify(admin.body));
    assert.equal(await isSuperuser(other), true);
  });

  test('reset_user_password still reaches a user whose only extra grant is the key of their own token', async () => {
    const helpdesk = await createUserWithToken(t);
    await grantPermission(t, helpdesk, 'authentik_core.reset_user_password');
    await grantPermission(t, helpdesk, 'authentik_core.view_user');
    const member = await createUserWithToken(t);
    await ownToken(member);
    const response = await t.client
      .as(helpdesk.token)
      .post(`${USERS}${member.id}/set_password/`, { password: 'a-new-password-1234' });
    assert.equal(response.status, 204, JSON.stringify(response.body));
  });

  test('assign_role_permissions with the permission held on the object may assign it there', async () => {
    const me = await createUserWithToken(t);
    const role = await ownRole(me);
    await grantPermission(t, me, 'authentik_rbac.assign_role_permissions', role);
    const victim = await createUserWithToken(t);
    await grantPermission(t, me, 'authentik_core.view_user', String(victim.id));
    const response = await t.client
      .as(me.token)
      .post(`/api/v3/rbac/permissions/assigned_by_roles/${role}/assign/`, {
        permissions: ['view_user'],
        model: 'authentik_core.user',
        object_pk: String(victim.id),
      });
    assert.equal(response.status, 200, JSON.stringify(response.body));
  });
});
