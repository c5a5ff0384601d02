import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { query } from '../../../src/db/client.js';
import { groupNumPk } from '../../../src/db/group-identity.js';
import { buildTestApp } from '../../helpers/test-app.js';
import {
  createGroup,
  createRole,
  createUser,
  createUserWithToken,
  grantPermission,
  unique,
} from '../../helpers/factories.js';

const t = await buildTestApp({ AUTHENTIK_BOOTSTRAP_EMAIL: 'admin@example.com' });
const GROUPS = '/api/v3/core/groups/';

async function eventCount(action: string, pk: string): Promise<number> {
  const rows = await query<{ n: string }>(
    t.database.db,
    sql`SELECT count(*) AS n FROM events WHERE action = ${action}
        AND context->'model'->>'model_name' = 'group' AND context->'model'->>'pk' = ${pk.replace(/-/g, '')}`,
  );
  return Number(rows[0].n);
}

describe('groups', () => {
  test('create with parents, members and roles; authentik’s shape and include switches', async () => {
    const parent = await createGroup(t);
    const role = await createRole(t);
    const member = await createUser(t);
    const response = await t.client.post(GROUPS, {
      name: unique('grp'),
      parents: [parent.pk],
      users: [member.pk],
      roles: [role.pk],
      attributes: { a: 1 },
    });
    assert.equal(response.status, 201);
    const group = response.body;
    assert.deepEqual(Object.keys(group), [
      'pk',
      'num_pk',
      'name',
      'is_superuser',
      'parents',
      'parents_obj',
      'users',
      'users_obj',
      'attributes',
      'roles',
      'roles_obj',
      'inherited_roles_obj',
      'children',
      'children_obj',
    ]);
    assert.equal(group.num_pk, groupNumPk(group.pk));
    assert.ok(group.num_pk >= 0 && group.num_pk <= 99999);
    assert.deepEqual(group.parents, [parent.pk]);
    assert.equal(group.parents_obj, null);
    assert.deepEqual(group.users, [member.pk]);
    assert.deepEqual(Object.keys(group.users_obj[0]), [
      'pk',
      'username',
      'name',
      'is_active',
      'last_login',
      'email',
      'attributes',
      'uid',
    ]);
    assert.deepEqual(group.roles_obj, [{ pk: role.pk, name: role.name }]);
    assert.equal(group.inherited_roles_obj, null);
    assert.equal(group.children_obj, null);
    assert.equal(await eventCount('model_created', group.pk), 1);

    const parentView = await t.client.get(
      `${GROUPS}${parent.pk}/?include_children=true&include_users=false&include_inherited_roles=TRUE`,
    );
    assert.deepEqual(parentView.body.children, [group.pk]);
    assert.deepEqual(parentView.body.children_obj, [
      { pk: group.pk, name: group.name, is_superuser: false, attributes: { a: 1 }, group_uuid: group.pk },
    ]);
    assert.equal(parentView.body.users_obj, null);
    assert.deepEqual(parentView.body.inherited_roles_obj, []);
    const inherited = await createRole(t);
    await t.client.patch(`${GROUPS}${parent.pk}/`, { roles: [inherited.pk] });
    const childView = await t.client.get(
      `${GROUPS}${group.pk}/?include_inherited_roles=true&include_parents=true`,
    );
    assert.deepEqual(childView.body.inherited_roles_obj, [{ pk: inherited.pk, name: inherited.name }]);
    assert.equal(childView.body.parents_obj[0].pk, parent.pk);
  });

  test('validation: unique name, related pks, superuser flag needs its permission', async () => {
    const existing = await createGroup(t);
    assert.deepEqual((await t.client.post(GROUPS, { name: existing.name })).body, {
      name: ['Group with this name already exists.'],
    });
    assert.deepEqual((await t.client.post(GROUPS, { name: '' })).body, {
      name: ['This field may not be blank.'],
    });
    assert.deepEqual((await t.client.post(GROUPS, { name: unique('g'), users: [987654] })).body, {
      users: ['Invalid pk "987654" - object does not exist.'],
    });
    const actor = await createUserWithToken(t);
    await grantPermission(t, actor, 'authentik_core.add_group');
    const as = t.client.as(actor.token);
    const denied = await as.post(GROUPS, { name: unique('g'), is_superuser: true });
    assert.equal(denied.status, 400);
    assert.deepEqual(denied.body, {
      is_superuser: ['User does not have permission to set superuser status to True.'],
    });
    assert.equal((await as.post(GROUPS, { name: unique('g'), is_superuser: false })).status, 201);
    await grantPermission(t, actor, 'authentik_core.enable_group_superuser');
    assert.equal((await as.post(GROUPS, { name: unique('g'), is_superuser: true })).status, 201);
  });

  test('PUT replaces members when absent, PATCH keeps them; delete', async () => {
    const member = await createUser(t);
    const group = await createGroup(t, { users: [member.pk] });
    assert.deepEqual((await t.client.patch(`${GROUPS}${group.pk}/`, { attributes: { b: 2 } })).body.users, [
      member.pk,
    ]);
    assert.deepEqual((await t.client.put(`${GROUPS}${group.pk}/`, { name: group.name })).body.users, []);
    assert.equal((await t.client.delete(`${GROUPS}${group.pk}/`)).status, 204);
    assert.equal(await eventCount('model_deleted', group.pk), 1);
    assert.deepEqual((await t.client.get(`${GROUPS}${group.pk}/`)).body, {
      detail: 'No Group matches the given query.',
    });
  });

  test('add_user / remove_user with their permissions; unknown users are 404', async () => {
    const group = await createGroup(t);
    const member = await createUser(t);
    assert.equal((await t.client.post(`${GROUPS}${group.pk}/add_user/`, { pk: member.pk })).status, 204);
    assert.deepEqual((await t.client.get(`${GROUPS}${group.pk}/`)).body.users, [member.pk]);
    assert.equal(await eventCount('model_updated', group.pk), 1);
    assert.deepEqual((await t.client.post(`${GROUPS}${group.pk}/add_user/`, { pk: 987654 })).body, {
      detail: 'Not found.',
    });
    assert.deepEqual((await t.client.post(`${GROUPS}${group.pk}/add_user/`, {})).body, {
      pk: ['This field is required.'],
    });
    const actor = await createUserWithToken(t);
    const as = t.client.as(actor.token);
    assert.equal((await as.post(`${GROUPS}${group.pk}/remove_user/`, { pk: member.pk })).status, 403);
    await grantPermission(t, actor, 'authentik_core.remove_user_from_group', group.pk);
    // The permission on the group is not enough: the user must be visible to the caller.
    assert.equal((await as.post(`${GROUPS}${group.pk}/remove_user/`, { pk: member.pk })).status, 404);
    await grantPermission(t, actor, 'authentik_core.view_user', String(member.pk));
    assert.equal((await as.post(`${GROUPS}${group.pk}/remove_user/`, { pk: member.pk })).status, 204);
    assert.deepEqual((await t.client.get(`${GROUPS}${group.pk}/`)).body.users, []);
  });

  test('list filters, search and visibility; used_by', async () => {
    const tag = unique('gl');
    const member = await createUser(t);
    const role = await createRole(t);
    const a = await createGroup(t, { name: `${tag}-a`, users: [member.pk], roles: [role.pk] });
    const b = await createGroup(t, { name: `${tag}-b`, parents: [a.pk] });
    const pks = async (q: string) =>
      (await t.client.get(`${GROUPS}?${q}`)).body.results.map((r: { pk: string }) => r.pk);
    assert.deepEqual(await pks(`search=${tag}`), [a.pk, b.pk]);
    assert.deepEqual(await pks(`search=${tag}&ordering=-name`), [b.pk, a.pk]);
    assert.deepEqual(await pks(`members_by_username=${member.username}`), [a.pk]);
    assert.deepEqual(await pks(`members_by_pk=${member.pk}`), [a.pk]);
    assert.deepEqual(await pks(`name=${tag}-b`), [b.pk]);
    assert.deepEqual((await t.client.get(`${GROUPS}?members_by_pk=abc`)).body, {
      members_by_pk: ['“abc” is not a valid value.'],
    });
    assert.deepEqual(await pks(`is_superuser=true&name=authentik%20Admins`), [
      (await t.client.get(`${GROUPS}?name=authentik%20Admins`)).body.results[0].pk,
    ]);

    const usedBy = await t.client.get(`${GROUPS}${a.pk}/used_by/`);
    assert.deepEqual(usedBy.body, [
      {
        app: 'authentik_core',
        model_name: 'group',
        pk: b.pk,
        name: `Group ${b.name}`,
        action: 'cascade_many',
      },
      {
        app: 'authentik_rbac',
        model_name: 'role',
        pk: role.pk,
        name: `Role ${role.name}`,
        action: 'cascade_many',
      },
      {
        app: 'authentik_core',
        model_name: 'user',
        pk: String(member.pk),
        name: member.username,
        action: 'cascade_many',
      },
    ]);

    const actor = await createUserWithToken(t);
    const as = t.client.as(actor.token);
    assert.equal((await as.get(GROUPS)).status, 403);
    await grantPermission(t, actor, 'authentik_core.view_group', b.pk);
    assert.deepEqual(
      (await as.get(GROUPS)).body.results.map((r: { pk: string }) => r.pk),
      [b.pk],
    );
    assert.equal((await as.get(`${GROUPS}${a.pk}/`)).status, 404);
    assert.equal((await as.patch(`${GROUPS}${b.pk}/`, { name: unique('x') })).status, 403);
    // used_by shows only what the caller may view.
    assert.deepEqual((await as.get(`${GROUPS}${b.pk}/used_by/`)).body, []);
  });
});
