/**
 * Tessera's invitation grants (`groups`, `roles`) and email binding (`email`,
 * `email_domains`): who may put them on an invitation, and what an enrollment through it gets
 * or is refused (docs/compatibility.md).
 */
import { PLAN_CONTEXT_EMAIL_VERIFIED } from '../../../src/stages/email/email-context-keys.js';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { query } from '../../../src/db/client.js';
import { buildTestApp } from '../../helpers/test-app.js';
import {
  assignToRole,
  createGroup,
  createRole,
  createUserWithToken,
  grantPermission,
  unique,
  type TestUser,
} from '../../helpers/factories.js';
import { FlowBrowser } from '../../helpers/flow-client.js';
import {
  answers,
  buildEnrollmentFlow,
  createInvitation,
  enrollmentProbes,
} from '../../helpers/enrollment.js';

const t = await buildTestApp();
const db = t.database.db;
const { userRow, usersNamed, eventsFor } = enrollmentProbes(t);
const URL = '/api/v3/stages/invitation/invitations/';
const EMAIL_NOT_INVITED = 'This invitation is not valid for this email address.';
const GRANTS_NOT_HELD = 'This invitation can no longer be used.';
const CARRIES_MORE = 'You cannot change or send an invitation that grants privileges you do not hold.';

async function superuserGroupPk(): Promise<string> {
  const [row] = await query<{ pk: string }>(
    db,
    sql`SELECT group_uuid AS pk FROM groups WHERE name = 'authentik Admins'`,
  );
  return row.pk;
}

/** A user who may create, change, view and mail invitations, and nothing else. */
async function invitationManager(): Promise<TestUser> {
  const user = await createUserWithToken(t);
  for (const codename of ['add_invitation', 'change_invitation', 'view_invitation']) {
    await grantPermission(t, user, `authentik_stages_invitation.${codename}`);
  }
  return user;
}

function body(overrides: Record<string, unknown> = {}) {
  return { name: unique('invitation'), expires: new Date(Date.now() + 86400000).toISOString(), ...overrides };
}

async function membershipsOf(userId: number) {
  const groups = await query<{ pk: string }>(
    db,
    sql`SELECT group_uuid AS pk FROM user_groups WHERE user_id = ${userId} ORDER BY group_uuid`,
  );
  const roles = await query<{ pk: string }>(
    db,
    sql`SELECT role_uuid AS pk FROM user_roles WHERE user_id = ${userId} ORDER BY role_uuid`,
  );
  return { groups: groups.map((row) => row.pk), roles: roles.map((row) => row.pk) };
}

async function enroll(
  slug: string,
  invitationPk: string,
  username: string,
  overrides: Record<string, unknown> = {},
) {
  const browser = new FlowBrowser(t.app);
  const q = `itoken=${invitationPk}`;
  const opened = await browser.get(slug, q);
  if (opened.body.component !== 'ak-stage-prompt') return { opened, answered: undefined };
  const answered = await browser.post(slug, answers(username, overrides), q);
  return { opened, answered };
}

describe('grants on the API', () => {
  test('groups and roles are written, read back with their summaries, and replaced by PATCH', async () => {
    const group = await createGroup(t);
    const role = await createRole(t);
    const created = await t.client.post(URL, body({ groups: [group.pk], roles: [role.pk] }));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual(created.body.groups, [group.pk]);
    assert.equal(created.body.groups_obj[0].name, group.name);
    assert.equal(created.body.groups_obj[0].num_pk, group.num_pk);
    assert.deepEqual(created.body.roles, [role.pk]);
    assert.deepEqual(created.body.roles_obj, [{ pk: role.pk, name: role.name }]);
    assert.equal(created.body.email, null);
    assert.equal(created.body.email_domains, null);
    // The extensions come last, after every other field.
    assert.deepEqual(Object.keys(created.body).slice(-6), [
      'groups',
      'groups_obj',
      'roles',
      'roles_obj',
      'email',
      'email_domains',
    ]);

    const retrieved = await t.client.get(`${URL}${created.body.pk}/`);
    assert.deepEqual(retrieved.body.groups, [group.pk]);
    const listed = await t.client.get(`${URL}?name=${created.body.name}`);
    assert.deepEqual(listed.body.results[0].roles, [role.pk]);

    // PATCH without the grant fields leaves them; with them, replaces them.
    const renamed = await t.client.patch(`${URL}${created.body.pk}/`, { max_uses: 3 });
    assert.deepEqual(renamed.body.groups, [group.pk]);
    const cleared = await t.client.patch(`${URL}${created.body.pk}/`, { groups: [] });
    assert.deepEqual(cleared.body.groups, []);
    assert.deepEqual(cleared.body.roles, [role.pk]);

    // Deleting a role removes it from the invitation (foreign key with cascade).
    assert.equal((await t.client.delete(`/api/v3/rbac/roles/${role.pk}/`)).status, 204);
    assert.deepEqual((await t.client.get(`${URL}${created.body.pk}/`)).body.roles, []);
  });

  test('unknown pks are refused in DRF’s shape and nothing is written', async () => {
    const missing = '00000000-0000-4000-8000-000000000001';
    const response = await t.client.post(
      URL,
      body({ name: unique('unknown'), groups: [missing], roles: [missing] }),
    );
    assert.equal(response.status, 400);
    assert.deepEqual(response.body, {
      groups: [`Invalid pk "${missing}" - object does not exist.`],
      roles: [`Invalid pk "${missing}" - object does not exist.`],
    });
    const malformed = await t.client.post(URL, body({ groups: ['nope'] }));
    assert.equal(malformed.status, 400);
    assert.ok(malformed.body.groups, JSON.stringify(malformed.body));
  });

  test('a creator cannot put a superuser group on an invitation, directly or through a parent', async () => {
    const manager = await invitationManager();
    const admins = await superuserGroupPk();
    const child = await createGroup(t, { parents: [admins] });
    for (const group of [admins, child.pk]) {
      const name = unique('escalate');
      const response = await t.client.as(manager.token).post(URL, body({ name, groups: [group] }));
      assert.equal(response.status, 400);
      assert.deepEqual(response.body, { groups: ['Only a superuser can grant superuser status.'] });
      assert.equal((await t.client.get(`${URL}?name=${name}`)).body.results.length, 0);
    }
    // A superuser may.
    const allowed = await t.client.post(URL, body({ groups: [admins] }));
    assert.equal(allowed.status, 201);
  });

  test('a creator cannot grant a role or a group whose permissions they do not hold', async () => {
    const manager = await invitationManager();
    const role = await createRole(t);
    await assignToRole(t, role.pk, ['authentik_core.delete_user']);
    const group = await createGroup(t, { roles: [role.pk] });
    const byRole = await t.client.as(manager.token).post(URL, body({ roles: [role.pk] }));
    assert.equal(byRole.status, 400);
    assert.deepEqual(byRole.body, { roles: ['You cannot grant permissions you do not hold.'] });
    const byGroup = await t.client.as(manager.token).post(URL, body({ groups: [group.pk] }));
    assert.equal(byGroup.status, 400);
    assert.deepEqual(byGroup.body, { groups: ['You cannot grant permissions you do not hold.'] });

    // Adding the grant later by PATCH is refused the same way.
    const plain = await t.client.as(manager.token).post(URL, body());
    assert.equal(plain.status, 201);
    const patched = await t.client.as(manager.token).patch(`${URL}${plain.body.pk}/`, { roles: [role.pk] });
    assert.equal(patched.status, 400);
    assert.deepEqual((await t.client.get(`${URL}${plain.body.pk}/`)).body.roles, []);

    // Once the manager holds the permission, the same role may go on an invitation.
    await grantPermission(t, manager, 'authentik_core.delete_user');
    const held = await t.client.as(manager.token).post(URL, body({ roles: [role.pk] }));
    assert.equal(held.status, 201, JSON.stringify(held.body));
  });

  test('nobody changes or mails an invitation that carries more than they hold', async () => {
    const manager = await invitationManager();
    const created = await t.client.post(URL, body({ groups: [await superuserGroupPk()] }));
    assert.equal(created.status, 201);
    const pk = created.body.pk;
    // Extending it, or rebinding it to another address, would hand its grants to someone else.
    for (const change of [{ max_uses: 100 }, { email: 'me@example.com' }, { name: unique('renamed') }]) {
      const response = await t.client.as(manager.token).patch(`${URL}${pk}/`, change);
      assert.equal(response.status, 403, JSON.stringify(change));
      assert.deepEqual(response.body, { detail: CARRIES_MORE });
    }
    const mailed = await t.client
      .as(manager.token)
      .post(`${URL}${pk}/send_email/`, { email_addresses: ['someone@example.com'] });
    assert.equal(mailed.status, 403);
    assert.deepEqual(mailed.body, { detail: CARRIES_MORE });
    const unchanged = await t.client.get(`${URL}${pk}/`);
    assert.equal(unchanged.body.max_uses, null);
    assert.equal(unchanged.body.email, null);
    // What the invitation carries after the write decides: taking the grant off hands out nothing.
    const dropped = await t.client
      .as(manager.token)
      .put(`${URL}${pk}/`, { name: created.body.name, groups: [], max_uses: 100 });
    assert.equal(dropped.status, 200, JSON.stringify(dropped.body));
    assert.deepEqual(dropped.body.groups, []);
  });
});

describe('email binding on the API', () => {
  test('email and email_domains exclude each other; domains are stored in lower case', async () => {
    const both = await t.client.post(URL, body({ email: 'a@example.com', email_domains: ['example.com'] }));
    assert.equal(both.status, 400);
    assert.deepEqual(both.body, { non_field_errors: ['Set either email or email_domains, not both.'] });
    const empty = await t.client.post(URL, body({ email_domains: [] }));
    assert.equal(empty.status, 400);
    assert.deepEqual(empty.body, { email_domains: ['This list may not be empty.'] });
    const badDomain = await t.client.post(URL, body({ email_domains: ['not a domain'] }));
    assert.equal(badDomain.status, 400);
    const domains = await t.client.post(
      URL,
      body({ email_domains: ['Example.COM', 'example.com', 'corp.example.org'] }),
    );
    assert.equal(domains.status, 201);
    assert.deepEqual(domains.body.email_domains, ['example.com', 'corp.example.org']);
    // PATCH to an email while domains are set leaves both set: refused.
    const conflict = await t.client.patch(`${URL}${domains.body.pk}/`, { email: 'a@example.com' });
    assert.equal(conflict.status, 400);
    const switched = await t.client.patch(`${URL}${domains.body.pk}/`, {
      email: 'a@example.com',
      email_domains: null,
    });
    assert.equal(switched.status, 200);
    assert.equal(switched.body.email, 'a@example.com');
    assert.equal(switched.body.email_domains, null);
  });

  test('fixed_data’s email must satisfy the binding', async () => {
    const refused = await t.client.post(
      URL,
      body({ email: 'a@example.com', fixed_data: { email: 'b@example.com' } }),
    );
    assert.equal(refused.status, 400);
    assert.ok(refused.body.fixed_data, JSON.stringify(refused.body));
    const accepted = await t.client.post(
      URL,
      body({ email_domains: ['example.com'], fixed_data: { email: 'B@Example.com' } }),
    );
    assert.equal(accepted.status, 201);
  });
});

describe('enrollment through an invitation with grants', () => {
  test('the new user gets exactly the invitation’s groups and roles (and the stage’s group)', async () => {
    const e = await buildEnrollmentFlow(t);
    const group = await createGroup(t);
    const role = await createRole(t);
    const other = await createGroup(t);
    const invitation = await createInvitation(t, { flow: e.flow.pk });
    await t.client.patch(`${URL}${invitation.pk}/`, { groups: [group.pk], roles: [role.pk] });
    const username = unique('granted');
    const { answered } = await enroll(e.flow.slug, invitation.pk, username);
    assert.equal(answered?.body.component, 'xak-flow-redirect', JSON.stringify(answered?.body));
    const user = await userRow(username);
    const held = await membershipsOf(user.id);
    assert.deepEqual(held.groups, [group.pk, e.groupUuid].sort());
    assert.deepEqual(held.roles, [role.pk]);
    assert.ok(!held.groups.includes(other.pk));
  });

  test('an edit after the link was opened counts: the user gets what the invitation carries when written', async () => {
    const e = await buildEnrollmentFlow(t);
    const before = await createGroup(t);
    const after = await createGroup(t);
    const invitation = await createInvitation(t, { flow: e.flow.pk });
    await t.client.patch(`${URL}${invitation.pk}/`, { groups: [before.pk] });
    const browser = new FlowBrowser(t.app);
    const q = `itoken=${invitation.pk}`;
    assert.equal((await browser.get(e.flow.slug, q)).body.component, 'ak-stage-prompt');
    await t.client.patch(`${URL}${invitation.pk}/`, { groups: [after.pk] });
    const username = unique('edited');
    const answered = await browser.post(e.flow.slug, answers(username), q);
    assert.equal(answered.body.component, 'xak-flow-redirect');
    const held = await membershipsOf((await userRow(username)).id);
    assert.ok(held.groups.includes(after.pk));
    assert.ok(!held.groups.includes(before.pk));
  });

  test('a superuser group from a superuser’s invitation makes a superuser; a single-use one still grants', async () => {
    const e = await buildEnrollmentFlow(t);
    const created = await t.client.post(
      URL,
      body({ flow: e.flow.pk, single_use: true, groups: [await superuserGroupPk()] }),
    );
    const username = unique('admin');
    // Consumed on open: the invitation row (and its join rows) are gone before user_write.
    const { answered } = await enroll(e.flow.slug, created.body.pk, username);
    assert.equal(answered?.body.component, 'xak-flow-redirect');
    const user = await userRow(username);
    const read = await t.client.get(`/api/v3/core/users/${user.id}/`);
    assert.equal(read.body.is_superuser, true);
  });

  test('an invitation whose creator has since lost the privilege refuses the enrollment', async () => {
    const e = await buildEnrollmentFlow(t);
    const manager = await invitationManager();
    await grantPermission(t, manager, 'authentik_core.delete_user');
    const role = await createRole(t);
    await assignToRole(t, role.pk, ['authentik_core.delete_user']);
    const created = await t.client
      .as(manager.token)
      .post(URL, body({ flow: e.flow.pk, roles: [role.pk], max_uses: 5 }));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const q = `itoken=${created.body.pk}`;
    // One browser opens the link while the manager still holds the permission.
    const early = new FlowBrowser(t.app);
    assert.equal((await early.get(e.flow.slug, q)).body.component, 'ak-stage-prompt');
    // The manager loses delete_user (every role of theirs holding it is removed).
    await db.execute(sql`DELETE FROM user_roles ur USING permission_grants g, permissions p
      WHERE ur.user_id = ${manager.id} AND g.role_uuid = ur.role_uuid AND p.id = g.permission_id
        AND p.codename = 'delete_user'`);
    // The open plan is refused where the user would be written, and nothing is.
    const username = unique('demoted');
    const answered = await early.post(e.flow.slug, answers(username), q);
    assert.equal(answered.body.component, 'ak-stage-access-denied');
    assert.equal(answered.body.error_message, GRANTS_NOT_HELD);
    assert.equal(await userRow(username), undefined);
    // A new visit is refused when the link is opened.
    const late = new FlowBrowser(t.app);
    const opened = await late.get(e.flow.slug, q);
    assert.equal(opened.body.component, 'ak-stage-access-denied');
    assert.equal(opened.body.error_message, GRANTS_NOT_HELD);
    const events = await eventsFor(created.body.pk);
    const refusals = events.filter((ev) => ev.action === 'suspicious_request');
    assert.equal(refusals.length, 2);
    assert.ok(refusals.every((ev) => ev.context.reason === 'grants_not_held'));
    // No use was counted.
    assert.equal((await t.client.get(`${URL}${created.body.pk}/`)).body.uses, 0);
  });

  test('a deactivated creator’s invitation grants nothing', async () => {
    const e = await buildEnrollmentFlow(t);
    const creator = await createUserWithToken(t, { superuser: true });
    const group = await createGroup(t);
    const created = await t.client.as(creator.token).post(URL, body({ flow: e.flow.pk, groups: [group.pk] }));
    assert.equal(created.status, 201);
    await db.execute(sql`UPDATE users SET is_active = false WHERE id = ${creator.id}`);
    const { opened } = await enroll(e.flow.slug, created.body.pk, unique('inactive'));
    assert.equal(opened.body.error_message, GRANTS_NOT_HELD);
  });

  test('a failure after the grants in user_write rolls them back with the user', async () => {
    const e = await buildEnrollmentFlow(t);
    const group = await createGroup(t);
    const invitation = await createInvitation(t, { flow: e.flow.pk });
    await t.client.patch(`${URL}${invitation.pk}/`, { groups: [group.pk] });
    const username = unique('rollback');
    // The user_write event is the transaction's last write: make it fail for this user only.
    await db.execute(
      sql.raw(`CREATE OR REPLACE FUNCTION fail_${username.replace(/-/g, '_')}() RETURNS trigger
      LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$`),
    );
    await db.execute(
      sql.raw(`CREATE TRIGGER fail_${username.replace(/-/g, '_')} BEFORE INSERT ON events
      FOR EACH ROW WHEN (NEW.action = 'user_write' AND NEW.context->>'username' = '${username}')
      EXECUTE FUNCTION fail_${username.replace(/-/g, '_')}()`),
    );
    try {
      const { answered } = await enroll(e.flow.slug, invitation.pk, username);
      assert.notEqual(answered?.body.component, 'xak-flow-redirect');
    } finally {
      await db.execute(sql.raw(`DROP TRIGGER fail_${username.replace(/-/g, '_')} ON events`));
    }
    assert.equal(await userRow(username), undefined);
    const members = await query(db, sql`SELECT 1 FROM user_groups WHERE group_uuid = ${group.pk}`);
    assert.equal(members.length, 0);
    assert.equal((await t.client.get(`${URL}${invitation.pk}/`)).body.uses, 0);
  });
});

describe('enrollment through an invitation bound to a person', () => {
  test('bound to a@example.com: b@ is refused with an audit event and nothing written; A@EXAMPLE.COM enrolls', async () => {
    const e = await buildEnrollmentFlow(t);
    const group = await createGroup(t);
    const address = `${unique('a')}@example.com`;
    const created = await t.client.post(URL, body({ flow: e.flow.pk, email: address, groups: [group.pk] }));
    assert.equal(created.status, 201);
    const pk = created.body.pk;

    // The bound address is prefilled in the prompt.
    const browser = new FlowBrowser(t.app);
    const opened = await browser.get(e.flow.slug, `itoken=${pk}`);
    const emailField = opened.body.fields.find((field: any) => field.field_key === 'email');
    assert.equal(emailField.initial_value, address);

    const refusedName = unique('wrong');
    const refused = await browser.post(
      e.flow.slug,
      answers(refusedName, { email: `${unique('b')}@example.com` }),
      `itoken=${pk}`,
    );
    assert.equal(refused.body.component, 'ak-stage-access-denied');
    assert.equal(refused.body.error_message, EMAIL_NOT_INVITED);
    assert.equal(await userRow(refusedName), undefined);
    assert.equal((await usersNamed(refusedName)).length, 0);
    const members = await query(db, sql`SELECT 1 FROM user_groups WHERE group_uuid = ${group.pk}`);
    assert.equal(members.length, 0);
    const events = await eventsFor(pk);
    const refusal = events.find((ev) => ev.action === 'suspicious_request');
    assert.equal(refusal?.context.reason, 'email_mismatch');
    assert.equal(refusal?.context.message, EMAIL_NOT_INVITED);
    assert.ok(!events.some((ev) => ev.action === 'user_write'));
    assert.equal((await t.client.get(`${URL}${pk}/`)).body.uses, 0);

    const username = unique('right');
    const { answered } = await enroll(e.flow.slug, pk, username, { email: address.toUpperCase() });
    assert.equal(answered?.body.component, 'xak-flow-redirect', JSON.stringify(answered?.body));
    const user = await userRow(username);
    assert.equal(user.email, address.toUpperCase());
    assert.ok((await membershipsOf(user.id)).groups.includes(group.pk));
  });

  test('bound to domains: exact domain, any case; subdomains and other domains are refused', async () => {
    const e = await buildEnrollmentFlow(t);
    const created = await t.client.post(URL, body({ flow: e.flow.pk, email_domains: ['example.com'] }));
    const pk = created.body.pk;
    for (const email of ['x@sub.example.com', 'x@example.org', 'x@notexample.com']) {
      const username = unique('outside');
      const { answered } = await enroll(e.flow.slug, pk, username, { email });
      assert.equal(answered?.body.error_message, EMAIL_NOT_INVITED, email);
      assert.equal(await userRow(username), undefined);
    }
    const username = unique('inside');
    const { answered } = await enroll(e.flow.slug, pk, username, { email: `${username}@Example.COM` });
    assert.equal(answered?.body.component, 'xak-flow-redirect', JSON.stringify(answered?.body));
    assert.ok(await userRow(username));
  });

  test('an address already known when the link is opened (fixed_data) is checked by the invitation stage', async () => {
    const e = await buildEnrollmentFlow(t);
    const address = `${unique('known')}@example.com`;
    const created = await t.client.post(
      URL,
      body({ flow: e.flow.pk, email_domains: ['example.com'], fixed_data: { email: address } }),
    );
    // Rebinding to another domain through the database leaves fixed_data outside the binding.
    await db.execute(
      sql`UPDATE invitations SET email_domains = '{example.org}' WHERE invite_uuid = ${created.body.pk}`,
    );
    const browser = new FlowBrowser(t.app);
    const opened = await browser.get(e.flow.slug, `itoken=${created.body.pk}`);
    assert.equal(opened.body.component, 'ak-stage-access-denied');
    assert.equal(opened.body.error_message, EMAIL_NOT_INVITED);
  });
});

describe('proof of the bound address (an email stage before user_write)', () => {
  /** Edits the plan the session holds, as a stage earlier in the plan would have. */
  async function setPlanContext(browser: FlowBrowser, path: string[], value: unknown) {
    await db.execute(sql`UPDATE sessions
      SET data = jsonb_set(data, ${`{authentik/flows/plan,context,${path.join(',')}}`}::text[],
                           ${JSON.stringify(value)}::jsonb)
      WHERE session_key = ${browser.sessionKey ?? ''}`);
  }

  test('a plan that requires proof refuses an unproven address and accepts a proven one', async () => {
    const e = await buildEnrollmentFlow(t);
    const address = `${unique('proof')}@example.com`;
    const created = await t.client.post(URL, body({ flow: e.flow.pk, email: address, max_uses: 5 }));
    const q = `itoken=${created.body.pk}`;

    const unproven = new FlowBrowser(t.app);
    await unproven.get(e.flow.slug, q);
    await setPlanContext(unproven, ['invitation', 'email_proof_required'], true);
    const refusedName = unique('unproven');
    const refused = await unproven.post(e.flow.slug, answers(refusedName, { email: address }), q);
    assert.equal(
      refused.body.error_message,
      'The email address must be verified before the account is created.',
    );
    assert.equal(await userRow(refusedName), undefined);
    const events = await eventsFor(created.body.pk);
    assert.ok(
      events.some((ev) => ev.action === 'suspicious_request' && ev.context.reason === 'email_unverified'),
    );

    // A proof of another address counts for nothing, even where none was required.
    const other = new FlowBrowser(t.app);
    await other.get(e.flow.slug, q);
    await setPlanContext(other, [PLAN_CONTEXT_EMAIL_VERIFIED], `${unique('else')}@example.com`);
    const otherName = unique('other-proof');
    const otherAnswer = await other.post(e.flow.slug, answers(otherName, { email: address }), q);
    assert.equal(otherAnswer.body.component, 'ak-stage-access-denied');
    assert.equal(await userRow(otherName), undefined);

    const proven = new FlowBrowser(t.app);
    await proven.get(e.flow.slug, q);
    await setPlanContext(proven, ['invitation', 'email_proof_required'], true);
    await setPlanContext(proven, [PLAN_CONTEXT_EMAIL_VERIFIED], address.toUpperCase());
    const username = unique('proven');
    const accepted = await proven.post(e.flow.slug, answers(username, { email: address }), q);
    assert.equal(accepted.body.component, 'xak-flow-redirect', JSON.stringify(accepted.body));
    assert.ok(await userRow(username));
  });
});
