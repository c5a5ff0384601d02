/**
 * Permissions of the invitation extensions: the `uses` and `consumption` sub-resources.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildTestApp } from '../../helpers/test-app.js';
import { sql } from 'drizzle-orm';
import { createUserWithToken, grantPermission, insertInvitation } from '../../helpers/factories.js';
import { FlowBrowser } from '../../helpers/flow-client.js';
import { buildEnrollmentFlow, createInvitation } from '../../helpers/enrollment.js';

const t = await buildTestApp();

describe('permissions of the extensions', () => {
  test('uses: view permission on the invitation; after consumption only the global one', async () => {
    const e = await buildEnrollmentFlow(t);
    const kept = await createInvitation(t, { flow: e.flow.pk });
    const consumed = await createInvitation(t, { flow: e.flow.pk, single_use: true });
    const browser = new FlowBrowser(t.app);
    await browser.get(e.flow.slug, `itoken=${consumed.pk}`);
    const viewer = await createUserWithToken(t);
    await grantPermission(t, viewer, 'authentik_stages_invitation.view_invitation', kept.pk);
    const client = t.client.as(viewer.token);
    assert.equal((await client.get(`/api/v3/stages/invitation/invitations/${kept.pk}/uses/`)).status, 200);
    const gone = await client.get(`/api/v3/stages/invitation/invitations/${consumed.pk}/uses/`);
    assert.equal(gone.status, 404);
    assert.deepEqual(gone.body, { detail: 'No Invitation matches the given query.' });
    assert.equal(
      (await t.client.get(`/api/v3/stages/invitation/invitations/${consumed.pk}/uses/`)).status,
      200,
    );
    const stranger = await createUserWithToken(t);
    assert.equal(
      (await t.client.as(stranger.token).get(`/api/v3/stages/invitation/invitations/${kept.pk}/uses/`))
        .status,
      403,
    );
    assert.equal((await t.client.get('/api/v3/stages/invitation/invitations/not-a-uuid/uses/')).status, 404);
  });

  test('consumption: view to read, change to write', async () => {
    const e = await buildEnrollmentFlow(t);
    const url = `/api/v3/stages/invitation/stages/${e.invitationStage.pk}/consumption/`;
    const reader = await createUserWithToken(t);
    await grantPermission(t, reader, 'authentik_stages_invitation.view_invitationstage');
    assert.equal((await t.client.as(reader.token).get(url)).status, 200);
    const refused = await t.client.as(reader.token).patch(url, { lease_seconds: 60 });
    assert.equal(refused.status, 403);
    await grantPermission(
      t,
      reader,
      'authentik_stages_invitation.change_invitationstage',
      e.invitationStage.pk,
    );
    const changed = await t.client.as(reader.token).patch(url, { lease_seconds: 60 });
    assert.deepEqual(changed.body, { single_use_consumption: 'open', lease_seconds: 60 });
  });
});

describe('the status filter', () => {
  test('active, used_up (every max_uses taken) and expired select their invitations; another value is a 400', async () => {
    const flow = (
      await t.client.post('/api/v3/flows/instances/', {
        name: 'status-filter',
        slug: `status-filter-${Date.now()}`,
        title: 'Status filter',
        designation: 'enrollment',
      })
    ).body;
    const active = await insertInvitation(t, { flow: flow.pk, max_uses: 2 });
    const used = await insertInvitation(t, { flow: flow.pk, max_uses: 1 });
    await t.database.db.execute(sql`UPDATE invitations SET uses = 1 WHERE invite_uuid = ${used.pk}`);
    const expired = await insertInvitation(t, { flow: flow.pk, expires: '2020-01-01T00:00:00Z' });
    const listed = async (status: string) => {
      const response = await t.client.get(
        `/api/v3/stages/invitation/invitations/?flow__slug=${flow.slug}&status=${status}`,
      );
      assert.equal(response.status, 200);
      return response.body.results.map((row: { pk: string }) => row.pk);
    };
    assert.deepEqual(await listed('active'), [active.pk]);
    assert.deepEqual(await listed('used_up'), [used.pk]);
    assert.deepEqual(await listed('expired'), [expired.pk]);
    const wrong = await t.client.get('/api/v3/stages/invitation/invitations/?status=pending');
    assert.equal(wrong.status, 400);
    assert.deepEqual(wrong.body, {
      status: ['Select a valid choice. pending is not one of the available choices.'],
    });
    // `used` was renamed `used_up`.
    assert.equal((await t.client.get('/api/v3/stages/invitation/invitations/?status=used')).status, 400);
  });
});
