/**
 * The user_write and user_login stage API, and the user_write settings an enrollment applies.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { buildTestApp } from '../../helpers/test-app.js';
import { unique } from '../../helpers/factories.js';
import { FlowBrowser } from '../../helpers/flow-client.js';
import {
  answers,
  buildEnrollmentFlow,
  createInvitation,
  enrollmentProbes,
} from '../../helpers/enrollment.js';

const t = await buildTestApp();
const db = t.database.db;
const { userRow, sessionUser } = enrollmentProbes(t);

describe('prompt and stage management API', () => {
  test('user_write and user_login stages: defaults, validation, shared name uniqueness, delete', async () => {
    const write = await t.client.post('/api/v3/stages/user_write/', { name: unique('w') });
    assert.equal(write.status, 201);
    assert.equal(write.body.component, 'ak-stage-user-write-form');
    assert.equal(write.body.meta_model_name, 'authentik_stages_user_write.userwritestage');
    assert.equal(write.body.user_creation_mode, 'create_when_required');
    assert.equal(write.body.create_users_group, null);
    assert.equal(write.body.user_type, 'external');
    const badGroup = await t.client.patch(`/api/v3/stages/user_write/${write.body.pk}/`, {
      create_users_group: '00000000-0000-4000-8000-000000000000',
    });
    assert.deepEqual(badGroup.body, {
      create_users_group: ['Invalid pk "00000000-0000-4000-8000-000000000000" - object does not exist.'],
    });
    const malformed = await t.client.patch(`/api/v3/stages/user_write/${write.body.pk}/`, {
      create_users_group: 'not-a-uuid',
    });
    assert.deepEqual(malformed.body, { create_users_group: ['“not-a-uuid” is not a valid UUID.'] });
    const login = await t.client.post('/api/v3/stages/user_login/', {
      name: unique('l'),
      session_duration: 'hours=2',
    });
    assert.equal(login.body.session_duration, 'hours=2');
    assert.equal(login.body.remember_device, 'days=30');
    const badDuration = await t.client.patch(`/api/v3/stages/user_login/${login.body.pk}/`, {
      session_duration: 'hours=two',
      remember_device: 'fortnights=1',
    });
    assert.deepEqual(badDuration.body, {
      session_duration: ["hours=two is not in the correct format of 'hours=3;minutes=1'."],
      remember_device: ["fortnights=1 is not in the correct format of 'hours=3;minutes=1'."],
    });
    const clash = await t.client.post('/api/v3/stages/user_login/', { name: write.body.name });
    assert.deepEqual(clash.body, { name: ['stage with this name already exists.'] });
    const list = await t.client.get(`/api/v3/stages/user_write/?name=${write.body.name}&user_type=external`);
    assert.equal(list.body.pagination.count, 1);
    assert.equal((await t.client.get(`/api/v3/stages/user_write/?user_type=nope`)).status, 400);
    assert.equal((await t.client.delete(`/api/v3/stages/user_write/${write.body.pk}/`)).status, 204);
    assert.equal((await t.client.get(`/api/v3/stages/user_write/${write.body.pk}/`)).status, 404);
    assert.equal((await t.client.as(null).get('/api/v3/stages/user_login/')).status, 403);
  });
});

describe('user_write and user_login settings', () => {
  test('create_users_as_inactive: the user is written inactive and user_login refuses to sign them in', async () => {
    const e = await buildEnrollmentFlow(t);
    await t.client.patch(`/api/v3/stages/user_write/${e.userWriteStage.pk}/`, {
      create_users_as_inactive: true,
    });
    const invitation = await createInvitation(t, { flow: e.flow.pk });
    const browser = new FlowBrowser(t.app);
    await browser.get(e.flow.slug, `itoken=${invitation.pk}`);
    const username = unique('inactive');
    const done = await browser.post(e.flow.slug, answers(username), `itoken=${invitation.pk}`);
    assert.equal(done.body.component, 'ak-stage-access-denied');
    assert.equal(done.body.pending_user, username);
    assert.equal((await userRow(username)).is_active, false);
    assert.equal(await sessionUser(browser), null);
  });

  test('stage settings are those of when the plan was made, as authentik pickles its plan', async () => {
    const e = await buildEnrollmentFlow(t);
    const invitation = await createInvitation(t, { flow: e.flow.pk });
    const browser = new FlowBrowser(t.app);
    await browser.get(e.flow.slug, `itoken=${invitation.pk}`);
    // Changed while this browser is on the prompt: its plan keeps the settings it was made with.
    await t.client.patch(`/api/v3/stages/user_write/${e.userWriteStage.pk}/`, {
      create_users_as_inactive: true,
    });
    const username = unique('planned');
    const done = await browser.post(e.flow.slug, answers(username), `itoken=${invitation.pk}`);
    assert.equal(done.body.component, 'xak-flow-redirect');
    assert.equal((await userRow(username)).is_active, true);
    // A plan made after the change uses the new settings.
    const next = new FlowBrowser(t.app);
    await next.get(e.flow.slug, `itoken=${invitation.pk}`);
    const later = unique('planned-later');
    await next.post(e.flow.slug, answers(later), `itoken=${invitation.pk}`);
    assert.equal((await userRow(later)).is_active, false);
  });

  test('a plan stored without stage settings (made before plans kept them) reads them', async () => {
    const e = await buildEnrollmentFlow(t);
    const invitation = await createInvitation(t, { flow: e.flow.pk });
    const browser = new FlowBrowser(t.app);
    await browser.get(e.flow.slug, `itoken=${invitation.pk}`);
    // Changed after the plan was made: only a plan without settings reads the new value.
    await t.client.patch(`/api/v3/stages/user_write/${e.userWriteStage.pk}/`, {
      create_users_as_inactive: true,
    });
    await db.execute(
      sql`UPDATE sessions SET data = jsonb_set(data, '{authentik/flows/plan,bindings}',
            (SELECT jsonb_agg(b - 'settings') FROM jsonb_array_elements(data #> '{authentik/flows/plan,bindings}') b))
          WHERE session_key = ${browser.sessionKey ?? ''}`,
    );
    const username = unique('old-plan');
    const done = await browser.post(e.flow.slug, answers(username), `itoken=${invitation.pk}`);
    // user_write read create_users_as_inactive, and user_login then refused the inactive user.
    assert.equal(done.body.component, 'ak-stage-access-denied');
    assert.equal((await userRow(username)).is_active, false);
  });
});
