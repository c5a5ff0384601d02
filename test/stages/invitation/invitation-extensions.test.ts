/**
 * Permissions of the invitation extensions: the `uses` and `consumption` sub-resources.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildTestApp } from '../../helpers/test-app.js';
import { createUserWithToken, grantPermission } from '../../helpers/factories.js';
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
