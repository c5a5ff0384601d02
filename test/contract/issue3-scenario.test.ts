/**
 * Issue 3, end to end through the official client (@goauthentik/api 2026.8.3) against a
 * listening Tessera and a real SMTP server: an administrator creates a non-superuser and an
 * API token for them; the user is refused the invitation stages until a role grants
 * `view_invitationstage`; the grant is inspected; the user creates an invitation, sees it
 * listed with its creator and flow, and sends it by email; every step is in the audit log.
 * Bad input is a 400 in DRF's shape and changes nothing.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { SMTPServer } from 'smtp-server';
import * as ak from '@goauthentik/api';
import { ADMIN_TOKEN, buildTestApp } from '../helpers/test-app.js';
import { unique } from '../helpers/factories.js';

interface Mail {
  rcpt: string[];
  source: string;
}

/** An SMTP server on 127.0.0.1 that records what it accepts. */
const mails: Mail[] = [];
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  onData(stream, session, callback) {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      const source = Buffer.concat(chunks)
        .toString('utf8')
        .replace(/=\r?\n/g, '')
        .replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
      mails.push({ rcpt: session.envelope.rcptTo.map((r) => r.address), source });
      callback();
    });
  },
});
await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
after(() => new Promise<void>((resolve) => smtp.close(() => resolve())));

const t = await buildTestApp({
  AUTHENTIK_EMAIL__HOST: '127.0.0.1',
  AUTHENTIK_EMAIL__PORT: String((smtp.server.address() as AddressInfo).port),
  AUTHENTIK_EMAIL__FROM: 'invites@example.org',
  AUTHENTIK_EMAIL__TIMEOUT: '5',
  // Links are only built from the configured public URL or a trusted proxy's X-Forwarded-Host.
  TESSERA_EXTERNAL_URL: 'https://id.example.org',
});
await t.app.listen({ host: '127.0.0.1', port: 0 });
const basePath = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}/api/v3`;

const admin = new ak.Configuration({ basePath, accessToken: ADMIN_TOKEN });

/** The status and parsed body of the error a client call throws. */
async function failure(promise: Promise<unknown>): Promise<{ status: number; body: unknown }> {
  try {
    await promise;
  } catch (error) {
    const response = (error as { response?: Response }).response;
    assert.ok(response, `expected an HTTP error, got ${String(error)}`);
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
  }
  assert.fail('expected the call to fail');
}

/** Audit events as the client sees them, newest first. */
async function auditLog(action: string, search?: string) {
  const events = await new ak.EventsApi(admin).eventsEventsList({ action, pageSize: 100, search });
  assert.ok(ak.instanceOfPaginatedEventList(events));
  return events.results;
}

const hex = (uuid: string) => uuid.replace(/-/g, '');
const VIEW_STAGE = 'authentik_stages_invitation.view_invitationstage';

describe('issue 3: a delegated user invites someone, through the official client', () => {
  const username = unique('delegate');
  const state: {
    user?: ak.User;
    key?: string;
    tokenIdentifier?: string;
    role?: ak.Role;
    flow?: ak.Flow;
    invitation?: ak.Invitation;
    grantIds?: string[];
  } = {};
  const asUser = () => new ak.Configuration({ basePath, accessToken: state.key });

  test('the administrator creates a user and an API token, and reads its key', async () => {
    const core = new ak.CoreApi(admin);
    const user = await core.coreUsersCreate({
      userRequest: { username, name: 'Delegated Inviter', email: `${username}@example.com` },
    });
    assert.ok(ak.instanceOfUser(user));
    assert.equal(user.isSuperuser, false);
    state.user = user;
    const identifier = unique('delegate-token');
    const token = await core.coreTokensCreate({
      tokenRequest: {
        identifier,
        intent: ak.IntentEnum.Api,
        user: user.pk,
        expiring: false,
        description: 'issue 3',
      },
    });
    assert.ok(ak.instanceOfToken(token));
    assert.equal(token.user, user.pk);
    assert.equal(token.intent, 'api');
    state.tokenIdentifier = identifier;
    const view = await core.coreTokensViewKeyRetrieve({ identifier });
    assert.ok(ak.instanceOfTokenView(view));
    assert.ok(view.key.length >= 32);
    state.key = view.key;
    // The token authenticates as the new user.
    const me = await new ak.CoreApi(asUser()).coreUsersMeRetrieve();
    assert.equal(me.user.username, username);
  });

  test('without a grant the user is refused the invitation stages (403)', async () => {
    const refused = await failure(new ak.StagesApi(asUser()).stagesInvitationStagesList());
    assert.deepEqual(refused, {
      status: 403,
      body: { detail: 'You do not have permission to perform this action.' },
    });
  });

  test('a role with view_invitationstage, given to the user, opens the list', async () => {
    const rbac = new ak.RbacApi(admin);
    const role = await rbac.rbacRolesCreate({ roleRequest: { name: unique('inviters') } });
    assert.ok(ak.instanceOfRole(role));
    state.role = role;
    const granted = await rbac.rbacPermissionsAssignedByRolesAssign({
      uuid: role.pk,
      permissionAssignRequest: { permissions: [VIEW_STAGE] },
    });
    assert.equal(granted.length, 1);
    assert.ok(ak.instanceOfPermissionAssignResult(granted[0]));
    state.grantIds = granted.map((g) => g.id);
    // Granted to a role nobody holds yet: still refused.
    assert.equal((await failure(new ak.StagesApi(asUser()).stagesInvitationStagesList())).status, 403);

    await rbac.rbacRolesAddUserCreate({
      uuid: role.pk,
      userAccountSerializerForRoleRequest: { pk: state.user!.pk },
    });
    const stageName = unique('issue3-stage');
    await new ak.StagesApi(admin).stagesInvitationStagesCreate({
      invitationStageRequest: { name: stageName },
    });
    const list = await new ak.StagesApi(asUser()).stagesInvitationStagesList({ name: stageName });
    assert.ok(ak.instanceOfPaginatedInvitationStageList(list));
    assert.deepEqual(
      list.results.map((s) => s.name),
      [stageName],
    );
    // View only: changing it is still refused.
    const change = await failure(
      new ak.StagesApi(asUser()).stagesInvitationStagesPartialUpdate({
        stageUuid: list.results[0].pk,
        patchedInvitationStageRequest: { name: unique('renamed') },
      }),
    );
    assert.equal(change.status, 403);
  });

  test('what was granted is visible, and it is exactly the one permission', async () => {
    const rbac = new ak.RbacApi(admin);
    const rolePermissions = await rbac.rbacPermissionsList({ role: state.role!.pk });
    assert.ok(ak.instanceOfPaginatedPermissionList(rolePermissions));
    assert.deepEqual(
      rolePermissions.results.map((p) => `${p.appLabel}.${p.codename}`),
      [VIEW_STAGE],
    );
    assert.equal(rolePermissions.results[0].name, 'Can view Invitation Stage');
    const byRoles = await rbac.rbacPermissionsAssignedByRolesList({
      model: ak.ModelEnum.AuthentikStagesInvitationInvitationstage,
    });
    const entry = byRoles.results.find((r) => r.rolePk === state.role!.pk);
    assert.ok(entry, 'the role is listed among those holding invitation stage permissions');
    assert.deepEqual(
      entry.modelPermissions.map((p) => p.codename),
      ['view_invitationstage'],
    );
    assert.deepEqual(entry.objectPermissions, []);
    // Object-level grants of the role: none.
    assert.deepEqual((await rbac.rbacPermissionsRolesList({ uuid: state.role!.pk })).results, []);
  });

  test('with invitation permissions granted, the user creates an invitation and sees it with creator and flow', async () => {
    const slug = unique('issue3-enroll');
    state.flow = await new ak.FlowsApi(admin).flowsInstancesCreate({
      flowRequest: {
        name: 'Enrollment',
        slug,
        title: 'Welcome',
        designation: ak.FlowDesignationEnum.Enrollment,
      },
    });
    await new ak.RbacApi(admin).rbacPermissionsAssignedByRolesAssign({
      uuid: state.role!.pk,
      permissionAssignRequest: {
        // Tessera asks change_invitation for send_email (see docs/compatibility.md).
        permissions: [
          'authentik_stages_invitation.add_invitation',
          'authentik_stages_invitation.view_invitation',
          'authentik_stages_invitation.change_invitation',
        ],
      },
    });
    const stages = new ak.StagesApi(asUser());
    const expires = new Date(Date.now() + 7 * 86400 * 1000);
    const invitation = await stages.stagesInvitationInvitationsCreate({
      invitationRequest: {
        name: unique('welcome-ada'),
        flow: state.flow.pk,
        expires,
        singleUse: true,
        fixedData: { email: 'ada@example.com' },
      },
    });
    assert.ok(ak.instanceOfInvitation(invitation));
    state.invitation = invitation;
    assert.equal(invitation.createdBy.username, username);
    assert.equal(invitation.createdBy.pk, state.user!.pk);
    assert.equal(invitation.flow, state.flow.pk);
    assert.equal(invitation.flowObj.slug, slug);
    assert.equal(invitation.expires?.toISOString(), expires.toISOString());

    const listed = await stages.stagesInvitationInvitationsList({ name: invitation.name });
    assert.ok(ak.instanceOfPaginatedInvitationList(listed));
    assert.deepEqual(
      listed.results.map((i) => [i.pk, i.createdBy.username, i.flowObj.slug, i.singleUse]),
      [[invitation.pk, username, slug, true]],
    );
    assert.deepEqual(listed.results[0].fixedData, { email: 'ada@example.com' });
  });

  test('the user sends it by email; the SMTP server receives the link', async () => {
    mails.length = 0;
    await new ak.StagesApi(asUser()).stagesInvitationInvitationsSendEmailCreate({
      inviteUuid: state.invitation!.pk,
      invitationSendEmailRequest: { emailAddresses: ['ada@example.com'] },
    });
    // The answer comes before delivery (the outbox); the worker then sends it.
    await t.app.runTask('deliver_outbox');
    assert.equal(mails.length, 1);
    assert.deepEqual(mails[0].rcpt, ['ada@example.com']);
    assert.ok(
      mails[0].source.includes(`/if/flow/${state.flow!.slug}/?itoken=${state.invitation!.pk}`),
      'the mail carries the enrollment link with the invitation token',
    );
  });

  test('every action is in the audit log, attributed to whoever did it', async () => {
    const created = await auditLog(ak.EventActions.ModelCreated);
    const find = (modelName: string, pk: string | number) =>
      created.find((e) => {
        const model = (e.context as { model?: { model_name?: string; pk?: unknown } }).model;
        return model?.model_name === modelName && String(model.pk) === String(pk);
      });
    const userEvent = find('user', state.user!.pk);
    assert.ok(userEvent, 'user created');
    assert.equal((userEvent.user as { username: string }).username, 'akadmin');
    const roleEvent = find('role', hex(state.role!.pk));
    assert.ok(roleEvent, 'role created');
    for (const id of state.grantIds!) assert.ok(find('rolemodelpermission', id), `permission ${id} assigned`);
    const invitationEvent = created.find(
      (e) =>
        (e.context as { model?: { model_name?: string } }).model?.model_name === 'invitation' &&
        (e.user as { username: string }).username === username,
    );
    assert.ok(invitationEvent, 'invitation created by the delegated user');
    assert.ok(
      created.some(
        (e) =>
          (e.context as { model?: { model_name?: string; name?: string } }).model?.model_name === 'token',
      ),
      'token created',
    );
    const secretViews = await auditLog(ak.EventActions.SecretView);
    assert.ok(
      secretViews.some((e) => JSON.stringify(e.context).includes(state.tokenIdentifier!)),
      'the key was read',
    );
    const sent = await auditLog(ak.EventActions.EmailSent);
    const mail = sent.find((e) => (e.user as { username: string }).username === username);
    assert.ok(mail, 'the email was sent by the delegated user');
    assert.match(String((mail.context as { message?: string }).message), /ada@example\.com/);
    for (const event of [...created, ...sent]) assert.ok(ak.instanceOfEvent(event));
  });

  test("bad input is a 400 in DRF's shape and changes nothing", async () => {
    const stages = new ak.StagesApi(asUser());
    const invitationCount = async () =>
      (await new ak.StagesApi(admin).stagesInvitationInvitationsList({ pageSize: 1 })).pagination.count;
    const before = await invitationCount();
    mails.length = 0;

    const missingFlow = '7d9c0a3e-1111-4222-8333-944455556666';
    const unknownFlow = await failure(
      stages.stagesInvitationInvitationsCreate({
        invitationRequest: { name: unique('x'), flow: missingFlow },
      }),
    );
    assert.deepEqual(unknownFlow, {
      status: 400,
      body: { flow: [`Invalid pk "${missingFlow}" - object does not exist.`] },
    });

    // The client serialises dates itself; a raw request shows the server's check of a bad expiry.
    const badExpiry = await fetch(`${basePath}/stages/invitation/invitations/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${state.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: unique('x'), expires: 'next tuesday' }),
    });
    assert.equal(badExpiry.status, 400);
    assert.deepEqual(await badExpiry.json(), {
      expires: [
        'Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].',
      ],
    });
    const badName = await failure(
      stages.stagesInvitationInvitationsCreate({ invitationRequest: { name: 'has spaces' } }),
    );
    assert.deepEqual(badName, {
      status: 400,
      body: { name: ['Enter a valid “slug” consisting of letters, numbers, underscores or hyphens.'] },
    });

    const badEmail = await failure(
      stages.stagesInvitationInvitationsSendEmailCreate({
        inviteUuid: state.invitation!.pk,
        invitationSendEmailRequest: { emailAddresses: ['not-an-email'] },
      }),
    );
    assert.equal(badEmail.status, 400);
    assert.deepEqual(badEmail.body, { email_addresses: { 0: ['Enter a valid email address.'] } });
    assert.equal(mails.length, 0, 'no mail went out');
    assert.equal(await invitationCount(), before, 'no invitation was created');

    const rbac = new ak.RbacApi(admin);
    const grantsBefore = (await rbac.rbacPermissionsList({ role: state.role!.pk })).results.map(
      (p) => p.codename,
    );
    const unknownCodename = await failure(
      rbac.rbacPermissionsAssignedByRolesAssign({
        uuid: state.role!.pk,
        permissionAssignRequest: { permissions: ['authentik_stages_invitation.fly_invitationstage'] },
      }),
    );
    assert.deepEqual(unknownCodename, {
      status: 400,
      body: {
        permissions: { 0: ['"authentik_stages_invitation.fly_invitationstage" is not a valid choice.'] },
      },
    });
    assert.ok(ak.instanceOfValidationError(ak.ValidationErrorFromJSON(unknownCodename.body)));
    const grantsAfter = (await rbac.rbacPermissionsList({ role: state.role!.pk })).results.map(
      (p) => p.codename,
    );
    assert.deepEqual(grantsAfter, grantsBefore, 'nothing was granted');
  });
});
