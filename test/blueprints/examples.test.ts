/**
 * authentik's own invitation-enrollment example blueprints import unchanged, and the flows
 * they create enroll people as they do on authentik: user type, path, the group of
 * `create_users_group` and the invitation's fixed data.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { query } from '../../src/db/client.js';
import { buildTestApp, type TestContext } from '../helpers/test-app.js';
import { FlowBrowser } from '../helpers/flow-client.js';
import { createInvitation, enrollmentProbes } from '../helpers/enrollment.js';
import { unique } from '../helpers/factories.js';
import { exampleBlueprint, importBlueprint } from './blueprint-helpers.js';

const t: TestContext = await buildTestApp();

const PASSWORD = 'correct horse battery staple';

/** Walks an example flow: credentials, then details, as a browser would. */
async function enroll(slug: string, itoken: string, username: string, details: Record<string, string> = {}) {
  const browser = new FlowBrowser(t.app);
  const q = `itoken=${itoken}`;
  const first = await browser.get(slug, q);
  assert.equal(first.body.component, 'ak-stage-prompt', JSON.stringify(first.body));
  const second = await browser.post(
    slug,
    { component: 'ak-stage-prompt', username, password: PASSWORD, password_repeat: PASSWORD },
    q,
  );
  assert.equal(second.body.component, 'ak-stage-prompt', JSON.stringify(second.body));
  const done = await browser.post(
    slug,
    {
      component: 'ak-stage-prompt',
      name: `Name of ${username}`,
      email: `${username}@example.com`,
      ...details,
    },
    q,
  );
  assert.equal(done.body.component, 'xak-flow-redirect', JSON.stringify(done.body));
}

async function groupsOf(username: string): Promise<string[]> {
  const rows = await query<{ name: string }>(
    t.database.db,
    sql`SELECT g.name FROM groups g JOIN user_groups ug ON ug.group_uuid = g.group_uuid
        JOIN users u ON u.id = ug.user_id WHERE u.username = ${username} ORDER BY g.name`,
  );
  return rows.map((row) => row.name);
}

describe('flows-invitation-enrollment.yaml', () => {
  test('imports unchanged and creates its three flows, stages, group and five invitations', async () => {
    const response = await importBlueprint(t, exampleBlueprint('flows-invitation-enrollment.yaml'));
    assert.equal(response.status, 200);
    assert.deepEqual(response.body, { success: true, logs: [] });
    for (const slug of [
      'invitation-enrollment-flow-external',
      'invitation-enrollment-flow-internal',
      'invitation-enrollment-flow-internal-engineering',
    ]) {
      const flow = await t.client.get(`/api/v3/flows/instances/${slug}/`);
      assert.equal(flow.status, 200);
      assert.equal(flow.body.designation, 'enrollment');
      assert.equal(flow.body.authentication, 'require_unauthenticated');
      const bindings = await t.client.get(`/api/v3/flows/bindings/?target=${flow.body.pk}&ordering=order`);
      assert.deepEqual(
        bindings.body.results.map((b: any) => b.order),
        [5, 10, 15, 20, 100],
      );
    }
    const invitations = await t.client.get('/api/v3/stages/invitation/invitations/?search=example-');
    assert.equal(invitations.body.pagination.count, 5);
    const engineering = await t.client.get('/api/v3/core/groups/?name=engineering-team');
    assert.equal(engineering.body.pagination.count, 1);
  });

  test('the external flow enrolls an external user under users/external with the fixed email', async () => {
    const invitations = await t.client.get(
      '/api/v3/stages/invitation/invitations/?name=example-external-prefilled-email-invitation',
    );
    const [invitation] = invitations.body.results;
    assert.equal(invitation.single_use, true);
    assert.deepEqual(invitation.fixed_data, { email: 'external@example.com' });
    const username = unique('ext');
    await enroll('invitation-enrollment-flow-external', invitation.pk, username, {
      email: 'external@example.com',
    });
    const user = await enrollmentProbes(t).userRow(username);
    assert.equal(user.type, 'external');
    assert.equal(user.path, 'users/external');
    assert.equal(user.email, 'external@example.com');
  });

  test('the engineering flow enrolls an internal user into engineering-team with fixed attributes', async () => {
    const invitations = await t.client.get(
      '/api/v3/stages/invitation/invitations/?name=example-engineering-team-invitation',
    );
    const [invitation] = invitations.body.results;
    const username = unique('eng');
    await enroll('invitation-enrollment-flow-internal-engineering', invitation.pk, username);
    const user = await enrollmentProbes(t).userRow(username);
    assert.equal(user.type, 'internal');
    assert.equal(user.path, 'users/internal/engineering');
    assert.deepEqual(user.attributes.department, 'Engineering');
    assert.deepEqual(await groupsOf(username), ['engineering-team']);
  });

  test('the internal department invitation gives both fixed attributes', async () => {
    const invitations = await t.client.get(
      '/api/v3/stages/invitation/invitations/?name=example-internal-department-invitation',
    );
    const username = unique('dept');
    await enroll('invitation-enrollment-flow-internal', invitations.body.results[0].pk, username);
    const user = await enrollmentProbes(t).userRow(username);
    assert.equal(user.type, 'internal');
    assert.equal(user.path, 'users/internal');
    assert.equal(user.attributes.department, 'Engineering');
    assert.equal(user.attributes.team, 'Backend');
    assert.deepEqual(await groupsOf(username), []);
  });
});

describe('flows-invitation-enrollment-minimal.yaml', () => {
  test('imports with its defaults and enrolls an external user', async () => {
    const response = await importBlueprint(t, exampleBlueprint('flows-invitation-enrollment-minimal.yaml'));
    assert.deepEqual(response.body, { success: true, logs: [] });
    const flow = await t.client.get('/api/v3/flows/instances/invitation-enrollment-flow/');
    assert.equal(flow.body.name, 'Invitation Enrollment Flow');
    const stage = await t.client.get('/api/v3/stages/invitation/stages/?name=invitation-stage');
    assert.equal(stage.body.results[0].continue_flow_without_invitation, false);
    const invitation = await createInvitation(t, { flow: flow.body.pk });
    const username = unique('min');
    await enroll('invitation-enrollment-flow', invitation.pk, username);
    const user = await enrollmentProbes(t).userRow(username);
    assert.equal(user.type, 'external');
    assert.equal(user.path, 'users/external');
  });

  test('the admin wizard context builds a second, internal flow beside the first', async () => {
    const slug = unique('wizard');
    const response = await importBlueprint(t, exampleBlueprint('flows-invitation-enrollment-minimal.yaml'), {
      context: {
        flow_name: 'Wizard flow',
        flow_slug: slug,
        stage_name: `${slug}-invitation`,
        continue_flow_without_invitation: true,
        user_type: 'internal',
      },
    });
    assert.deepEqual(response.body, { success: true, logs: [] });
    const flow = await t.client.get(`/api/v3/flows/instances/${slug}/`);
    assert.equal(flow.body.title, 'Wizard flow');
    const stage = await t.client.get(`/api/v3/stages/invitation/stages/?name=${slug}-invitation`);
    assert.equal(stage.body.results[0].continue_flow_without_invitation, true);
    const write = await t.client.get(
      `/api/v3/stages/user_write/?name=invitation-enrollment-user-write-${slug}`,
    );
    assert.equal(write.body.results[0].user_type, 'internal');
    assert.equal(write.body.results[0].user_path_template, 'users/internal');
    const invitation = await createInvitation(t, { flow: flow.body.pk });
    const username = unique('wiz');
    await enroll(slug, invitation.pk, username);
    const user = await enrollmentProbes(t).userRow(username);
    assert.equal(user.type, 'internal');
    assert.equal(user.path, 'users/internal');
  });
});
