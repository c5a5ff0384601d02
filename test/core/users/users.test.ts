import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { query } from '../../../src/db/client.js';
import { verifyPassword } from '../../../src/core/users/password.js';
import { userUid } from '../../../src/core/users/partial-user.schema.js';
import { buildTestApp } from '../../helpers/test-app.js';
import {
  assignToRole,
  createGroup,
  createRole,
  createUser,
  createUserWithToken,
  grantPermission,
  unique,
} from '../../helpers/factories.js';

const t = await buildTestApp({ AUTHENTIK_BOOTSTRAP_EMAIL: 'admin@example.com' });
const USERS = '/api/v3/core/users/';

async function storedPassword(pk: number): Promise<string | null> {
  const rows = await query<{ password: string | null }>(
    t.database.db,
    sql`SELECT password FROM users WHERE id = ${pk}`,
  );
  return rows[0].password;
}

async function events(action: string, pk: number) {
  return query<{ app: string; user: Record<string, unknown>; context: Record<string, any> }>(
    t.database.db,
    sql`SELECT app, "user", context FROM events WHERE action = ${action}
        AND (context->'model'->>'pk' = ${String(pk)} OR ("user"->>'pk')::int = ${pk} AND ${action} = 'password_set')`,
  );
}

async function me(token: string) {
  return t.client.as(token || null).get(`${USERS}me/`);
}

describe('users: create, read, update, delete', () => {
  test('create returns the User shape in authentik’s order, never a password', async () => {
    const group = await createGroup(t);
    const role = await createRole(t);
    const username = unique('user');
    const response = await t.client.post(USERS, {
      username,
      name: 'Jane',
      email: `${username}@example.com`,
      path: 'users/staff',
      attributes: { team: 'a' },
      groups: [group.pk],
      roles: [role.pk],
      type: 'external',
    });
    assert.equal(response.status, 201);
    assert.deepEqual(Object.keys(response.body), [
      'pk',
      'username',
      'name',
      'is_active',
      'last_login',
      'date_joined',
      'is_superuser',
      'groups',
      'groups_obj',
      'roles',
      'roles_obj',
      'email',
      'avatar',
      'attributes',
      'uid',
      'path',
      'type',
      'uuid',
      'password_change_date',
      'last_updated',
    ]);
    const body = response.body;
    assert.equal(body.is_superuser, false);
    assert.deepEqual(body.groups, [group.pk]);
    assert.deepEqual(body.groups_obj, [
      { pk: group.pk, num_pk: group.num_pk, name: group.name, is_superuser: false, attributes: {} },
    ]);
    assert.deepEqual(body.roles_obj, [{ pk: role.pk, name: role.name }]);
    assert.equal(body.avatar, '/static/dist/assets/images/user_default.png');
    assert.equal(body.uid, userUid(t.app.installId, body.pk));
    assert.equal(body.type, 'external');
    assert.ok(!JSON.stringify(body).includes('password"'));
    assert.equal(await storedPassword(body.pk), null);
    assert.equal((await events('model_created', body.pk)).length, 1);
    assert.equal((await events('model_created', body.pk))[0].context.model.name, 'Jane');

    const retrieved = await t.client.get(`${USERS}${body.pk}/?include_groups=false&include_roles=false`);
    assert.equal(retrieved.body.groups_obj, null);
    assert.equal(retrieved.body.roles_obj, null);
    assert.deepEqual(retrieved.body.groups, [group.pk]);
  });

  test('validation errors in DRF’s shapes, and nothing is written', async () => {
    const existing = await createUser(t);
    const cases: [Record<string, unknown>, unknown][] = [
      [{ name: 'x' }, { username: ['This field is required.'] }],
      [{ username: existing.username, name: 'x' }, { username: ['This field must be unique.'] }],
      [
        { username: unique('u'), name: 'x', path: '/lead' },
        { path: ['No leading or trailing slashes allowed.'] },
      ],
      [
        { username: unique('u'), name: 'x', path: 'a//b' },
        { path: ['No empty segments in user path allowed.'] },
      ],
      [{ username: unique('u'), name: 'x', path: '' }, { path: ['This field may not be blank.'] }],
      [
        { username: unique('u'), name: 'x', type: 'internal_service_account' },
        { type: ['Setting a user to internal service account is not allowed.'] },
      ],
      [{ username: unique('u'), name: 'x', type: 'robot' }, { type: ['"robot" is not a valid choice.'] }],
      [{ username: unique('u'), name: 'x', email: 'nope' }, { email: ['Enter a valid email address.'] }],
      [
        { username: unique('u'), name: 'x', attributes: [] },
        { attributes: ['Value must be a dictionary, and not have any duplicate keys.'] },
      ],
      [
        { username: unique('u'), name: 'x', groups: ['00000000-0000-4000-8000-000000000000'] },
        { groups: ['Invalid pk "00000000-0000-4000-8000-000000000000" - object does not exist.'] },
      ],
      [
        { username: 'x'.repeat(151), name: 'x' },
        { username: ['Ensure this field has no more than 150 characters.'] },
      ],
      [{ username: unique('u'), name: 'x', groups: ['nope'] }, { groups: ['“nope” is not a valid UUID.'] }],
      [
        { username: unique('u'), name: 'x', roles: 'nope' },
        { roles: ['Expected a list of items but got type "str".'] },
      ],
    ];
    for (const [body, expected] of cases) {
      const response = await t.client.post(USERS, body);
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.deepEqual(response.body, expected, JSON.stringify(body));
    }
    // A NUL inside JSON cannot be stored by PostgreSQL: still a 400, never a 500.
    const nul = await t.client.post(USERS, { username: unique('u'), name: 'x', attributes: { a: '\u0000' } });
    assert.equal(nul.status, 400);
    const count = await query<{ n: string }>(
      t.database.db,
      sql`SELECT count(*) AS n FROM users WHERE name = 'x'`,
    );
    assert.equal(Number(count[0].n), 0);
  });

  test('PUT replaces groups and roles when absent, PATCH keeps them; delete', async () => {
    const group = await createGroup(t);
    const user = await createUser(t, { groups: [group.pk] });
    const patched = await t.client.patch(`${USERS}${user.pk}/`, { name: 'Renamed', attributes: { a: 1 } });
    assert.equal(patched.status, 200);
    assert.deepEqual(patched.body.groups, [group.pk]);
    assert.equal(patched.body.name, 'Renamed');
    const put = await t.client.put(`${USERS}${user.pk}/`, { username: user.username, name: 'Put' });
    assert.deepEqual(put.body.groups, []);
    assert.deepEqual(put.body.attributes, { a: 1 });
    assert.deepEqual((await t.client.put(`${USERS}${user.pk}/`, { name: 'x' })).body, {
      username: ['This field is required.'],
    });
    assert.ok((await events('model_updated', user.pk)).length >= 2);
    assert.equal((await t.client.delete(`${USERS}${user.pk}/`)).status, 204);
    assert.equal((await events('model_deleted', user.pk)).length, 1);
    assert.deepEqual((await t.client.get(`${USERS}${user.pk}/`)).body, {
      detail: 'No User matches the given query.',
    });
    assert.deepEqual((await t.client.get(`${USERS}abc/`)).body, { detail: 'Not found.' });
  });

  test('deactivating with PATCH ends the user’s sessions', async () => {
    const user = await createUser(t);
    await t.database.db.execute(
      sql`INSERT INTO sessions (session_key, user_id, expires) VALUES (${unique('s')}, ${user.pk}, now() + interval '1 hour')`,
    );
    await t.client.patch(`${USERS}${user.pk}/`, { is_active: false });
    const rows = await query(t.database.db, sql`SELECT 1 FROM sessions WHERE user_id = ${user.pk}`);
    assert.equal(rows.length, 0);
  });
});

describe('users: internal service accounts', () => {
  test('cannot be modified, nor turned into another type', async () => {
    const rows = await query<{ id: number }>(
      t.database.db,
      sql`INSERT INTO users (username, name, email, type) VALUES (${unique('outpost')}, 'Outpost', 'o@example.com',
          'internal_service_account') RETURNING id`,
    );
    const pk = rows[0].id;
    assert.deepEqual((await t.client.patch(`${USERS}${pk}/`, { type: 'internal' })).body, {
      type: ["Can't change internal service account to other user type."],
    });
    assert.deepEqual((await t.client.patch(`${USERS}${pk}/`, { name: 'Renamed' })).body, {
      non_field_errors: ["Can't modify internal service account users"],
    });
    assert.equal((await t.client.get(`${USERS}${pk}/`)).body.name, 'Outpost');
  });
});

describe('users: list', () => {
  test('filters, search, ordering', async () => {
    const tag = unique('lst');
    const group = await createGroup(t);
    const role = await createRole(t);
    const a = await createUser(t, {
      username: `${tag}-a`,
      path: `${tag}/x`,
      groups: [group.pk],
      type: 'external',
    });
    const b = await createUser(t, {
      username: `${tag}-b`,
      path: `${tag}/y`,
      roles: [role.pk],
      is_active: false,
      attributes: { k: { n: 2 } },
    });
    const pks = async (q: string) =>
      (await t.client.get(`${USERS}?${q}`)).body.results.map((r: { pk: number }) => r.pk);
    assert.deepEqual(await pks(`search=${tag}`), [a.pk, b.pk]);
    assert.deepEqual(await pks(`search=${tag}&ordering=-username`), [b.pk, a.pk]);
    assert.deepEqual(await pks(`path_startswith=${tag}/&is_active=false`), [b.pk]);
    assert.deepEqual(await pks(`path=${tag}/x`), [a.pk]);
    assert.deepEqual(await pks(`groups_by_pk=${group.pk}`), [a.pk]);
    assert.deepEqual(await pks(`groups_by_name=${encodeURIComponent(group.name)}`), [a.pk]);
    assert.deepEqual(await pks(`roles_by_name=${role.name}`), [b.pk]);
    assert.deepEqual(await pks(`search=${tag}&type=external`), [a.pk]);
    assert.deepEqual(await pks(`uuid=${b.uuid}`), [b.pk]);
    assert.deepEqual(await pks(`username=${a.username}`), [a.pk]);
    assert.deepEqual(await pks(`attributes=${encodeURIComponent('{"k__n": 2}')}`), [b.pk]);
    assert.deepEqual(await pks(`search=${tag}&last_login__isnull=true`), [a.pk, b.pk]);
    assert.deepEqual(await pks(`is_superuser=true&username=akadmin`), [1]);

    const bad = await t.client.get(`${USERS}?type=robot&groups_by_pk=nope&uuid=x&date_joined__gt=soon`);
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body, {
      type: ['Select a valid choice. robot is not one of the available choices.'],
      groups_by_pk: ['“nope” is not a valid UUID.'],
      uuid: ['Enter a valid UUID.'],
      date_joined__gt: ['Enter a valid date/time.'],
    });
    const missingGroup = await t.client.get(`${USERS}?groups_by_name=no-such-group`);
    assert.deepEqual(missingGroup.body, {
      groups_by_name: ['Select a valid choice. no-such-group is not one of the available choices.'],
    });
    const badJson = await t.client.get(`${USERS}?attributes=${encodeURIComponent('{')}`);
    assert.equal(badJson.status, 400);
    assert.deepEqual(badJson.body, { attributes: ['filter: failed to parse JSON'] });
    assert.deepEqual((await t.client.get(`${USERS}?attributes=1`)).body, {
      attributes: ['filter: value must be key:value mapping'],
    });
  });

  test('is_superuser is derived from groups and their ancestors', async () => {
    const root = await createGroup(t, { is_superuser: true });
    const child = await createGroup(t, { parents: [root.pk] });
    const user = await createUser(t, { groups: [child.pk] });
    assert.equal(user.is_superuser, true);
    const plain = await createUser(t);
    assert.equal(plain.is_superuser, false);
  });
});

describe('users: permissions', () => {
  test('403 without view_user, object-level visibility, change/delete need their permission', async () => {
    const target = await createUser(t);
    const other = await createUser(t);
    const actor = await createUserWithToken(t);
    const as = t.client.as(actor.token);
    assert.deepEqual((await as.get(USERS)).body, {
      detail: 'You do not have permission to perform this action.',
    });
    assert.equal((await as.get(`${USERS}${target.pk}/`)).status, 403);
    assert.equal((await as.post(USERS, { username: unique('u'), name: 'x' })).status, 403);
    await grantPermission(t, actor, 'authentik_core.view_user', String(target.pk));
    assert.deepEqual(
      (await as.get(USERS)).body.results.map((r: { pk: number }) => r.pk),
      [target.pk],
    );
    assert.deepEqual((await as.get(`${USERS}${other.pk}/`)).body, {
      detail: 'No User matches the given query.',
    });
    assert.equal((await as.patch(`${USERS}${target.pk}/`, { name: 'n' })).status, 403);
    assert.equal((await as.delete(`${USERS}${target.pk}/`)).status, 403);
    assert.equal((await as.post(`${USERS}${target.pk}/set_password/`, { password: 'pw-12345' })).status, 403);
    await grantPermission(t, actor, 'authentik_core.change_user', String(target.pk));
    assert.equal((await as.patch(`${USERS}${target.pk}/`, { name: 'n' })).status, 200);
    assert.equal((await t.client.get(USERS, { token: null })).status, 403);
  });

  test('a role assigned through the API grants add_user', async () => {
    const actor = await createUserWithToken(t);
    const role = await createRole(t);
    await t.client.post(`/api/v3/rbac/roles/${role.pk}/add_user/`, { pk: actor.id });
    await assignToRole(t, role.pk, ['authentik_core.add_user', 'authentik_core.view_user']);
    const created = await t.client
      .as(actor.token)
      .post(USERS, { username: unique('u'), name: 'made', email: 'made@example.com' });
    assert.equal(created.status, 201);
  });
});

describe('users: set_password, used_by, me', () => {
  test('set_password stores a scrypt hash and logs password_set; empty is a 400', async () => {
    const user = await createUser(t);
    const response = await t.client.post(`${USERS}${user.pk}/set_password/`, { password: 'correct horse' });
    assert.equal(response.status, 204);
    assert.equal(response.text, '');
    const stored = await storedPassword(user.pk);
    assert.match(String(stored), /^scrypt\$/);
    assert.equal(await verifyPassword('correct horse', stored), true);
    const logged = await events('password_set', user.pk);
    assert.equal(logged.length, 1);
    assert.equal(logged[0].user.username, user.username);
    assert.ok(!JSON.stringify(logged).includes('correct horse'));
    assert.deepEqual((await t.client.post(`${USERS}${user.pk}/set_password/`, { password: '' })).body, {
      password: ['This field may not be blank.'],
    });
    const after = await t.client.get(`${USERS}${user.pk}/`);
    assert.ok(after.body.password_change_date >= user.password_change_date);
    assert.ok(!JSON.stringify(after.body).includes('scrypt'));
    assert.equal((await t.client.post(`${USERS}999999/set_password/`, { password: 'x' })).status, 404);
  });

  test('used_by lists groups, roles and created invitations the caller may see', async () => {
    const group = await createGroup(t);
    const role = await createRole(t);
    const user = await createUser(t, { groups: [group.pk], roles: [role.pk] });
    const response = await t.client.get(`${USERS}${user.pk}/used_by/`);
    assert.deepEqual(response.body, [
      {
        app: 'authentik_core',
        model_name: 'group',
        pk: group.pk,
        name: `Group ${group.name}`,
        action: 'cascade_many',
      },
      {
        app: 'authentik_rbac',
        model_name: 'role',
        pk: role.pk,
        name: `Role ${role.name}`,
        action: 'cascade_many',
      },
    ]);
  });

  test('me returns the caller as UserSelf, with inherited groups and roles', async () => {
    const role = await createRole(t);
    await assignToRole(t, role.pk, ['authentik_rbac.view_role']);
    const parent = await createGroup(t, { roles: [role.pk], attributes: { settings: { theme: 'dark' } } });
    const child = await createGroup(t, { parents: [parent.pk] });
    const actor = await createUserWithToken(t);
    await t.client.post(`/api/v3/core/groups/${child.pk}/add_user/`, { pk: actor.id });
    const response = await me(actor.token);
    assert.equal(response.status, 200);
    assert.deepEqual(Object.keys(response.body), ['user', 'users']);
    const self = response.body.user;
    assert.deepEqual(Object.keys(self), [
      'pk',
      'username',
      'name',
      'is_active',
      'is_superuser',
      'is_current',
      'groups',
      'roles',
      'email',
      'avatar',
      'uid',
      'settings',
      'type',
      'system_permissions',
    ]);
    assert.equal(self.pk, actor.id);
    assert.deepEqual(self.groups.map((g: { pk: string }) => g.pk).sort(), [child.pk, parent.pk].sort());
    assert.deepEqual(self.roles, [{ name: role.name, pk: role.pk }]);
    assert.deepEqual(self.settings, { theme: 'dark' });
    assert.deepEqual(self.system_permissions, ['view_role']);
    assert.equal(self.is_current, false);
    // The same user through a browser session owns it.
    const sessionKey = unique('session');
    await t.database.db.execute(
      sql`INSERT INTO sessions (session_key, user_id, expires) VALUES (${sessionKey}, ${actor.id}, now() + interval '1 hour')`,
    );
    const viaSession = await t.app.inject({
      url: `${USERS}me/`,
      headers: { cookie: `authentik_session=${sessionKey}` },
    });
    assert.equal(JSON.parse(viaSession.body).user.is_current, true);
    assert.equal((await me('')).status, 403);
  });
});
