import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { query } from '../../src/db/client.js';
import { buildTestApp } from '../helpers/test-app.js';
import {
  assignToRole,
  createGroup,
  createInvitationStage,
  createRole,
  createUserWithToken,
  grantPermission,
  unique,
} from '../helpers/factories.js';

const t = await buildTestApp({ AUTHENTIK_BOOTSTRAP_EMAIL: 'admin@example.com' });
const STAGES = '/api/v3/stages/invitation/stages/';
const ROLES = '/api/v3/rbac/roles/';
const PERMS = '/api/v3/rbac/permissions/';
const BY_ROLES = `${PERMS}assigned_by_roles/`;

async function grantCount(rolePk: string): Promise<number> {
  const rows = await query<{ n: string }>(
    t.database.db,
    sql`SELECT count(*) AS n FROM permission_grants WHERE role_uuid = ${rolePk}`,
  );
  return Number(rows[0].n);
}

async function events(action: string, modelName: string, pk: string | number) {
  return query<{ app: string; context: { model: Record<string, unknown> }; user: Record<string, unknown> }>(
    t.database.db,
    sql`SELECT app, context, "user" FROM events WHERE action = ${action}
        AND context->'model'->>'model_name' = ${modelName}
        AND context->'model'->>'pk' = ${String(pk).replace(/-/g, '')}`,
  );
}

describe('permission grant → visibility, end to end', () => {
  test('a role given directly: 403 until view_invitationstage is assigned, then the list shows it all', async () => {
    const stage = await createInvitationStage(t);
    const user = await createUserWithToken(t);
    const as = t.client.as(user.token);
    assert.deepEqual((await as.get(STAGES)).body, {
      detail: 'You do not have permission to perform this action.',
    });
    assert.equal((await as.get(STAGES)).status, 403);

    const role = await createRole(t);
    const add = await t.client.post(`${ROLES}${role.pk}/add_user/`, { pk: user.id });
    assert.equal(add.status, 204);
    assert.equal((await as.get(STAGES)).status, 403, 'a role without permissions changes nothing');

    const result = await assignToRole(t, role.pk, ['authentik_stages_invitation.view_invitationstage']);
    assert.equal(result.length, 1);
    assert.match(result[0].id, /^\d+$/);
    const list = await as.get(`${STAGES}?name=${stage.name}`);
    assert.equal(list.status, 200);
    assert.deepEqual(
      list.body.results.map((r: { pk: string }) => r.pk),
      [stage.pk],
    );
    // Still no write permission.
    assert.equal((await as.patch(`${STAGES}${stage.pk}/`, { name: unique('x') })).status, 403);

    const unassign = await t.client.patch(`${BY_ROLES}${role.pk}/unassign/`, {
      permissions: ['authentik_stages_invitation.view_invitationstage'],
    });
    assert.equal(unassign.status, 204);
    assert.equal((await as.get(STAGES)).status, 403);
  });

  test('a role given to a parent group: the member sees exactly the one object granted', async () => {
    const granted = await createInvitationStage(t);
    const other = await createInvitationStage(t);
    const user = await createUserWithToken(t);
    const as = t.client.as(user.token);
    const role = await createRole(t);
    const parent = await createGroup(t, { roles: [role.pk] });
    await createGroup(t, { parents: [parent.pk], users: [user.id] });
    assert.equal((await as.get(STAGES)).status, 403);

    await assignToRole(t, role.pk, ['view_invitationstage'], {
      model: 'authentik_stages_invitation.invitationstage',
      object_pk: granted.pk,
    });
    const list = await as.get(STAGES);
    assert.equal(list.status, 200);
    assert.deepEqual(
      list.body.results.map((r: { pk: string }) => r.pk),
      [granted.pk],
    );
    assert.equal((await as.get(`${STAGES}${other.pk}/`)).status, 404);

    // What was granted, as the admin UI shows it.
    const assigned = await t.client.get(
      `${BY_ROLES}?model=authentik_stages_invitation.invitationstage&object_pk=${granted.pk}`,
    );
    assert.equal(assigned.status, 200);
    const entry = assigned.body.results.find((r: { role_pk: string }) => r.role_pk === role.pk);
    assert.deepEqual(Object.keys(entry), ['role_pk', 'name', 'object_permissions', 'model_permissions']);
    assert.deepEqual(entry.model_permissions, []);
    assert.equal(entry.object_permissions.length, 1);
    assert.deepEqual(
      { ...entry.object_permissions[0], id: 0 },
      {
        id: 0,
        codename: 'view_invitationstage',
        model: 'invitationstage',
        app_label: 'authentik_stages_invitation',
        object_pk: granted.pk,
        name: 'Can view Invitation Stage',
      },
    );
    const otherObject = await t.client.get(
      `${BY_ROLES}?model=authentik_stages_invitation.invitationstage&object_pk=${other.pk}`,
    );
    assert.ok(!otherObject.body.results.some((r: { role_pk: string }) => r.role_pk === role.pk));

    const perRole = await t.client.get(`${PERMS}roles/?uuid=${role.pk}`);
    assert.equal(perRole.status, 200);
    assert.equal(perRole.body.results.length, 1);
    assert.equal(perRole.body.results[0].object_pk, granted.pk);
    assert.equal(perRole.body.results[0].app_label_verbose, 'authentik Stages.Invitation');
    assert.equal(perRole.body.results[0].model_verbose, 'Invitation Stage');
    assert.equal(perRole.body.results[0].object_description, `Stage ${granted.name}`);
  });
});

describe('assign / unassign validation', () => {
  test('an unknown codename is a 400 in DRF shape and nothing is granted', async () => {
    const role = await createRole(t);
    const response = await t.client.post(`${BY_ROLES}${role.pk}/assign/`, {
      permissions: ['authentik_stages_invitation.view_invitationstage', 'authentik_core.fly_to_moon'],
    });
    assert.equal(response.status, 400);
    assert.deepEqual(response.body, {
      permissions: { 1: ['"authentik_core.fly_to_moon" is not a valid choice.'] },
    });
    assert.equal(await grantCount(role.pk), 0);
  });

  test('a global codename needs its app label; model and object_pk go together', async () => {
    const role = await createRole(t);
    const bare = await t.client.post(`${BY_ROLES}${role.pk}/assign/`, { permissions: ['view_flow'] });
    assert.equal(bare.status, 400);
    assert.deepEqual(bare.body, {
      permissions: ['When assigning global permissions, codename must be given as app_label.codename'],
    });
    const half = await t.client.post(`${BY_ROLES}${role.pk}/assign/`, {
      permissions: ['view_flow'],
      model: 'authentik_flows.flow',
    });
    assert.deepEqual(half.body, { non_field_errors: ['The fields model, object_pk must be used together.'] });
    const badModel = await t.client.post(`${BY_ROLES}${role.pk}/assign/`, {
      permissions: ['view_flow'],
      model: 'authentik_flows.nothing',
      object_pk: 'x',
    });
    assert.deepEqual(badModel.body, { model: ['"authentik_flows.nothing" is not a valid choice.'] });
    const missing = await t.client.post(`${BY_ROLES}${role.pk}/assign/`, {});
    assert.deepEqual(missing.body, { permissions: ['This field is required.'] });
    assert.equal(await grantCount(role.pk), 0);
  });

  test('an object permission must belong to the model, and the object must exist', async () => {
    const role = await createRole(t);
    const stage = await createInvitationStage(t);
    const wrongModel = await t.client.post(`${BY_ROLES}${role.pk}/assign/`, {
      permissions: ['view_flow'],
      model: 'authentik_stages_invitation.invitationstage',
      object_pk: stage.pk,
    });
    assert.deepEqual(wrongModel.body, { permissions: { 0: ['"view_flow" is not a valid choice.'] } });
    const gone = '00000000-0000-4000-8000-000000000000';
    const noObject = await t.client.post(`${BY_ROLES}${role.pk}/assign/`, {
      permissions: ['view_invitationstage'],
      model: 'authentik_stages_invitation.invitationstage',
      object_pk: gone,
    });
    assert.deepEqual(noObject.body, { object_pk: [`Invalid pk "${gone}" - object does not exist.`] });
    assert.equal(await grantCount(role.pk), 0);
  });

  test('assigning twice returns the same grant; unassign without permissions is a 400', async () => {
    const role = await createRole(t);
    const first = await assignToRole(t, role.pk, ['authentik_flows.view_flow']);
    const second = await assignToRole(t, role.pk, ['authentik_flows.view_flow']);
    assert.deepEqual(first, second);
    const noBody = await t.client.patch(`${BY_ROLES}${role.pk}/unassign/`, {});
    assert.deepEqual(noBody.body, { permissions: ['This field is required.'] });
    assert.equal(await grantCount(role.pk), 1);
    const created = await events('model_created', 'rolemodelpermission', first[0].id);
    assert.equal(created.length, 1);
    assert.equal(created[0].context.model.app, 'guardian');
  });

  test('assign needs assign_role_permissions (globally or on the role); unknown role is 404', async () => {
    const role = await createRole(t);
    const user = await createUserWithToken(t);
    const body = { permissions: ['authentik_flows.view_flow'] };
    const denied = await t.client.as(user.token).post(`${BY_ROLES}${role.pk}/assign/`, body);
    assert.equal(denied.status, 403);
    await grantPermission(t, user, 'authentik_rbac.assign_role_permissions', role.pk);
    // The caller must also hold what they assign (PrivilegeService).
    const notHeld = await t.client.as(user.token).post(`${BY_ROLES}${role.pk}/assign/`, body);
    assert.equal(notHeld.status, 403);
    await grantPermission(t, user, 'authentik_flows.view_flow');
    assert.equal((await t.client.as(user.token).post(`${BY_ROLES}${role.pk}/assign/`, body)).status, 200);
    const other = await createRole(t);
    assert.equal((await t.client.as(user.token).post(`${BY_ROLES}${other.pk}/assign/`, body)).status, 403);
    const missing = await t.client.post(`${BY_ROLES}00000000-0000-4000-8000-000000000000/assign/`, body);
    assert.deepEqual(missing.body, { detail: 'No Role matches the given query.' });
    assert.equal((await t.client.post(`${BY_ROLES}nope/assign/`, body)).status, 404);
    assert.equal((await t.client.as(user.token).patch(`${BY_ROLES}${role.pk}/unassign/`, body)).status, 403);
  });
});

describe('/rbac/permissions/', () => {
  test('lists the catalogue with filters, search and verbose names; any signed-in user may read it', async () => {
    const user = await createUserWithToken(t);
    const response = await t.client
      .as(user.token)
      .get(`${PERMS}?content_type__app_label=authentik_core&content_type__model=token&ordering=codename`);
    assert.equal(response.status, 200);
    assert.deepEqual(
      response.body.results.map((p: { codename: string }) => p.codename),
      ['add_token', 'change_token', 'delete_token', 'set_token_key', 'view_token', 'view_token_key'],
    );
    const item = response.body.results[0];
    assert.deepEqual(Object.keys(item), [
      'id',
      'name',
      'codename',
      'model',
      'app_label',
      'app_label_verbose',
      'model_verbose',
    ]);
    assert.equal(item.app_label_verbose, 'authentik Core');
    assert.equal(item.model_verbose, 'Token');
    const one = await t.client.get(`${PERMS}${item.id}/`);
    assert.deepEqual(one.body, item);
    assert.deepEqual((await t.client.get(`${PERMS}999999/`)).body, {
      detail: 'No Permission matches the given query.',
    });
    const search = await t.client.get(`${PERMS}?search=invitationstage&codename=view_invitationstage`);
    assert.equal(search.body.pagination.count, 1);
    assert.equal((await t.client.get(PERMS, { token: null })).status, 403);
  });

  test('the role filter lists what a role holds globally; an unknown role is a 400', async () => {
    const role = await createRole(t);
    await assignToRole(t, role.pk, ['authentik_flows.view_flow', 'authentik_core.view_user']);
    const response = await t.client.get(`${PERMS}?role=${role.pk}&ordering=codename`);
    assert.deepEqual(
      response.body.results.map((p: { codename: string }) => p.codename),
      ['view_flow', 'view_user'],
    );
    const bad = await t.client.get(`${PERMS}?role=nope`);
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body, {
      role: ['Select a valid choice. That choice is not one of the available choices.'],
    });

    // RBACPermissionViewSet lists SearchFilter after DjangoFilterBackend: the filters answer first.
    assert.deepEqual((await t.client.get(`${PERMS}?search=%00&role=nope`)).body, bad.body);
    assert.deepEqual((await t.client.get(`${PERMS}?search=%00`)).body, {
      search: ['Null characters are not allowed.'],
    });
  });

  test('assigned_by_roles needs `model`, and lists roles holding model-level permissions too', async () => {
    const missing = await t.client.get(BY_ROLES);
    assert.deepEqual(missing.body, { model: ['This field is required.'] });
    const role = await createRole(t);
    await assignToRole(t, role.pk, ['authentik_flows.change_flow']);
    const response = await t.client.get(`${BY_ROLES}?model=authentik_flows.flow&search=${role.name}`);
    assert.equal(response.body.results.length, 1);
    assert.equal(response.body.results[0].model_permissions[0].codename, 'change_flow');
    const user = await createUserWithToken(t);
    assert.equal((await t.client.as(user.token).get(`${BY_ROLES}?model=authentik_flows.flow`)).status, 403);
    assert.equal((await t.client.as(user.token).get(`${PERMS}roles/`)).status, 403);
  });
});

describe('/rbac/roles/', () => {
  test('CRUD with unique names, events and used_by', async () => {
    const name = unique('role');
    const created = await t.client.post(ROLES, { name });
    assert.equal(created.status, 201);
    assert.deepEqual(Object.keys(created.body), ['pk', 'name']);
    const duplicate = await t.client.post(ROLES, { name });
    assert.deepEqual(duplicate.body, { name: ['Role with this name already exists.'] });
    assert.deepEqual((await t.client.post(ROLES, { name: '' })).body, {
      name: ['This field may not be blank.'],
    });
    const renamed = await t.client.patch(`${ROLES}${created.body.pk}/`, { name: `${name}-2` });
    assert.equal(renamed.body.name, `${name}-2`);
    assert.equal((await t.client.get(`${ROLES}?name=${name}-2`)).body.results[0].pk, created.body.pk);

    const group = await createGroup(t, { roles: [created.body.pk] });
    const user = await createUserWithToken(t);
    await t.client.post(`${ROLES}${created.body.pk}/add_user/`, { pk: user.id });
    const usedBy = await t.client.get(`${ROLES}${created.body.pk}/used_by/`);
    assert.deepEqual(usedBy.body, [
      {
        app: 'authentik_core',
        model_name: 'group',
        pk: group.pk,
        name: `Group ${group.name}`,
        action: 'cascade_many',
      },
      {
        app: 'authentik_core',
        model_name: 'user',
        pk: String(user.id),
        name: user.username,
        action: 'cascade_many',
      },
    ]);
    const byUser = await t.client.get(`${ROLES}?users=${user.id}`);
    assert.deepEqual(
      byUser.body.results.map((r: { pk: string }) => r.pk),
      [created.body.pk],
    );
    assert.equal(
      (await t.client.post(`${ROLES}${created.body.pk}/remove_user/`, { pk: user.id })).status,
      204,
    );
    assert.equal((await t.client.get(`${ROLES}?users=${user.id}`)).body.pagination.count, 0);
    assert.equal((await t.client.post(`${ROLES}${created.body.pk}/add_user/`, { pk: 987654 })).status, 404);

    assert.equal((await t.client.delete(`${ROLES}${created.body.pk}/`)).status, 204);
    assert.equal((await events('model_created', 'role', created.body.pk)).length, 1);
    assert.equal((await events('model_updated', 'role', created.body.pk)).length, 1);
    assert.equal((await events('model_deleted', 'role', created.body.pk)).length, 1);
  });

  test('inherited roles through groups, and the permission rules of roles', async () => {
    const role = await createRole(t);
    const parent = await createGroup(t, { roles: [role.pk] });
    const child = await createGroup(t, { parents: [parent.pk] });
    assert.equal((await t.client.get(`${ROLES}?groups=${child.pk}`)).body.pagination.count, 0);
    assert.deepEqual(
      (await t.client.get(`${ROLES}?groups=${child.pk}&inherited=true`)).body.results.map(
        (r: { pk: string }) => r.pk,
      ),
      [role.pk],
    );
    assert.deepEqual((await t.client.get(`${ROLES}?groups=nope`)).body, {
      groups: ['Select a valid choice. That choice is not one of the available choices.'],
    });
    assert.equal((await t.client.get(`${ROLES}?managed=x`)).status, 400);

    const user = await createUserWithToken(t);
    const as = t.client.as(user.token);
    assert.equal((await as.get(ROLES)).status, 403);
    assert.equal((await as.post(ROLES, { name: unique('r') })).status, 403);
    await grantPermission(t, user, 'authentik_rbac.view_role', role.pk);
    assert.deepEqual(
      (await as.get(ROLES)).body.results.map((r: { pk: string }) => r.pk).includes(role.pk),
      true,
    );
    assert.equal((await as.patch(`${ROLES}${role.pk}/`, { name: unique('r') })).status, 403);
    assert.equal((await as.delete(`${ROLES}${role.pk}/`)).status, 403);
    assert.equal((await as.post(`${ROLES}${role.pk}/add_user/`, { pk: user.id })).status, 403);
  });

  test("a filter 400 names its fields in the filters' order, the database checks among them", async () => {
    const unknownGroup = '0b0c8a44-5a8f-4e5e-9d6e-3d1b6c0f1a11';
    const invalid = 'Select a valid choice. That choice is not one of the available choices.';
    const response = await t.client.get(`${ROLES}?managed=x&users=abc&groups=${unknownGroup}&name=%00`);
    assert.equal(response.status, 400);
    assert.equal(
      response.text,
      JSON.stringify({
        name: ['Null characters are not allowed.'],
        groups: [invalid],
        users: [invalid],
        managed: ['Select a valid choice. x is not one of the available choices.'],
      }),
    );
    // authentik's group ids are read by uuid.UUID(): surrounding whitespace is fine.
    const group = await createGroup(t);
    assert.equal((await t.client.get(`${ROLES}?groups=%20${group.pk}%20`)).status, 200);
  });
});
