/**
 * How the invitation stage uses up an invitation: single use consumed on open, counted
 * invitations, and the `enrollment` consumption lease, each under concurrency.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { query } from '../../../src/db/client.js';
import { maskInvitationToken } from '../../../src/events/invitation-token.js';
import { buildTestApp } from '../../helpers/test-app.js';
import { unique } from '../../helpers/factories.js';
import { FlowBrowser } from '../../helpers/flow-client.js';
import {
  answers,
  buildEnrollmentFlow,
  createInvitation,
  DENIED,
  enrollmentProbes,
} from '../../helpers/enrollment.js';

// authentik's retention: a single-use invitation is deleted when used. Tessera's default, which
// keeps it as used up, is covered by invitation-lifecycle.test.ts.
const t = await buildTestApp({ TESSERA_INVITATIONS_RETENTION: 'authentik' });
const db = t.database.db;
const { usersNamed, eventsFor, invitationExists } = enrollmentProbes(t);

describe('single use, consumed when opened (authentik behaviour, the default consumption)', () => {
  test('the first open deletes the invitation (model_deleted); a second browser is refused', async () => {
    const e = await buildEnrollmentFlow(t);
    const invitation = await createInvitation(t, { flow: e.flow.pk, single_use: true });
    const first = new FlowBrowser(t.app);
    assert.equal((await first.get(e.flow.slug, `itoken=${invitation.pk}`)).body.component, 'ak-stage-prompt');
    assert.equal(await invitationExists(invitation.pk), false);
    const events = await eventsFor(invitation.pk);
    const deleted = events.find((ev) => ev.action === 'model_deleted');
    assert.deepEqual(deleted.context.model, {
      app: 'authentik_stages_invitation',
      model_name: 'invitation',
      pk: maskInvitationToken(invitation.pk),
      name: deleted.context.model.name,
    });
    assert.ok(!deleted.context.model.name.includes(invitation.pk.replace(/-/g, '').slice(8)));
    const second = new FlowBrowser(t.app);
    assert.equal((await second.get(e.flow.slug, `itoken=${invitation.pk}`)).body.error_message, DENIED);
    // The first browser still finishes, and its use names the user.
    const username = unique('single');
    await first.post(e.flow.slug, answers(username), `itoken=${invitation.pk}`);
    const uses = await t.client.get(`/api/v3/stages/invitation/invitations/${invitation.pk}/uses/`);
    assert.deepEqual(
      uses.body.results.map((u: any) => u.username),
      [username],
    );
  });

  test('50 browsers opening one single-use link at once enroll exactly one user', async () => {
    const e = await buildEnrollmentFlow(t);
    const invitation = await createInvitation(t, { flow: e.flow.pk, single_use: true });
    const prefix = unique('race');
    const q = `itoken=${invitation.pk}`;
    const results = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const browser = new FlowBrowser(t.app);
        const first = await browser.get(e.flow.slug, q);
        if (first.body.component !== 'ak-stage-prompt') return first.body.component;
        return (await browser.post(e.flow.slug, answers(`${prefix}-${i}`), q)).body.component;
      }),
    );
    assert.equal(results.filter((c) => c === 'xak-flow-redirect').length, 1);
    assert.equal(results.filter((c) => c === 'ak-stage-access-denied').length, 49);
    assert.equal((await usersNamed(prefix)).length, 1);
    const events = await eventsFor(invitation.pk);
    assert.equal(events.filter((ev) => ev.action === 'invitation_used').length, 1);
    assert.equal(events.filter((ev) => ev.action === 'model_deleted').length, 1);
    // Every refused browser is in the audit log once, whether it lost the delete itself or
    // found the invitation already gone.
    const refusals = events.filter((ev) => ev.action === 'suspicious_request');
    assert.equal(refusals.length, 49);
    assert.ok(refusals.every((ev) => ev.context.reason === 'unknown' && ev.context.outcome === 'denied'));
  });
});

describe('counted invitations (max_uses)', () => {
  test('max_uses 3 enrolls three people and refuses the fourth', async () => {
    const e = await buildEnrollmentFlow(t);
    const invitation = await createInvitation(t, { flow: e.flow.pk, max_uses: 3 });
    const prefix = unique('three');
    for (let i = 0; i < 3; i += 1) {
      const browser = new FlowBrowser(t.app);
      assert.equal(
        (await browser.get(e.flow.slug, `itoken=${invitation.pk}`)).body.component,
        'ak-stage-prompt',
      );
      const done = await browser.post(e.flow.slug, answers(`${prefix}-${i}`), `itoken=${invitation.pk}`);
      assert.equal(done.body.component, 'xak-flow-redirect');
    }
    const fourth = new FlowBrowser(t.app);
    assert.equal((await fourth.get(e.flow.slug, `itoken=${invitation.pk}`)).body.error_message, DENIED);
    assert.equal((await usersNamed(prefix)).length, 3);
    const [row] = await query<any>(
      db,
      sql`SELECT uses FROM invitations WHERE invite_uuid = ${invitation.pk}`,
    );
    assert.equal(row.uses, 3);
    const uses = await t.client.get(
      `/api/v3/stages/invitation/invitations/${invitation.pk}/uses/?page_size=2`,
    );
    assert.equal(uses.body.pagination.count, 3);
    assert.equal(uses.body.results.length, 2);
    const [event] = await query<any>(
      db,
      sql`SELECT context FROM events WHERE action = 'suspicious_request' AND context->>'flow' = ${e.flow.slug}`,
    );
    assert.equal(event.context.reason, 'exhausted');
  });

  test('the count is claimed when the user is written: 50 concurrent answers on max_uses 1 write one user', async () => {
    const e = await buildEnrollmentFlow(t);
    const invitation = await createInvitation(t, { flow: e.flow.pk, max_uses: 1 });
    const prefix = unique('write-race');
    const q = `itoken=${invitation.pk}`;
    const browsers = Array.from({ length: 50 }, () => new FlowBrowser(t.app));
    // Everyone passes the invitation stage before anyone has written a user...
    for (const browser of browsers)
      assert.equal((await browser.get(e.flow.slug, q)).body.component, 'ak-stage-prompt');
    // ...then all answer at once.
    const results = await Promise.all(
      browsers.map(
        async (browser, i) => (await browser.post(e.flow.slug, answers(`${prefix}-${i}`), q)).body,
      ),
    );
    assert.equal(results.filter((b) => b.component === 'xak-flow-redirect').length, 1);
    assert.ok(
      results
        .filter((b) => b.component === 'ak-stage-access-denied')
        .every((b) => b.error_message === DENIED),
    );
    assert.equal((await usersNamed(prefix)).length, 1);
  });
});

describe('single use consumed at enrollment (the consumption setting)', () => {
  test('the setting is a sub-resource; the InvitationStage shape is unchanged', async () => {
    const e = await buildEnrollmentFlow(t);
    const url = `/api/v3/stages/invitation/stages/${e.invitationStage.pk}/consumption/`;
    assert.deepEqual((await t.client.get(url)).body, { single_use_consumption: 'open', lease_seconds: 900 });
    const patched = await t.client.patch(url, { single_use_consumption: 'enrollment' });
    assert.deepEqual(patched.body, { single_use_consumption: 'enrollment', lease_seconds: 900 });
    const bad = await t.client.put(url, { single_use_consumption: 'later', lease_seconds: 0 });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body, {
      single_use_consumption: ['"later" is not a valid choice.'],
      lease_seconds: ['Ensure this value is greater than or equal to 1.'],
    });
    const stage = await t.client.get(`/api/v3/stages/invitation/stages/${e.invitationStage.pk}/`);
    assert.ok(!('single_use_consumption' in stage.body));
    assert.equal((await t.client.as(null).get(url)).status, 403);
  });

  test('the first session holds a lease; others are refused until it is cancelled or runs out; the use is consumed at user write', async () => {
    const e = await buildEnrollmentFlow(t);
    await t.client.put(`/api/v3/stages/invitation/stages/${e.invitationStage.pk}/consumption/`, {
      single_use_consumption: 'enrollment',
      lease_seconds: 600,
    });
    const invitation = await createInvitation(t, { flow: e.flow.pk, single_use: true });
    const q = `itoken=${invitation.pk}`;

    const a = new FlowBrowser(t.app);
    assert.equal((await a.get(e.flow.slug, q)).body.component, 'ak-stage-prompt');
    assert.equal(await invitationExists(invitation.pk), true, 'not consumed on open');
    // The same browser may reload the link.
    assert.equal((await a.get(e.flow.slug, q)).body.component, 'ak-stage-prompt');
    const b = new FlowBrowser(t.app);
    assert.equal((await b.get(e.flow.slug, q)).body.error_message, DENIED);
    const [leased] = await query<any>(
      db,
      sql`SELECT context FROM events WHERE action = 'suspicious_request' AND context->>'flow' = ${e.flow.slug}`,
    );
    assert.equal(leased.context.reason, 'leased');

    // A cancels: the lease is freed and B gets the invitation.
    const cancel = await a.request('GET', '/flows/-/cancel/');
    assert.equal(cancel.status, 302);
    assert.equal(cancel.headers.location, '/');
    assert.equal((await b.get(e.flow.slug, q)).body.component, 'ak-stage-prompt');

    // B abandons the flow; once the lease runs out, C may take it.
    const c = new FlowBrowser(t.app);
    assert.equal((await c.get(e.flow.slug, q)).body.error_message, DENIED);
    await db.execute(
      sql`UPDATE invitations SET lease_expires = now() - interval '1 second' WHERE invite_uuid = ${invitation.pk}`,
    );
    await t.app.runTask('release_expired_invitation_leases');
    const [freed] = await query<any>(
      db,
      sql`SELECT lease_holder FROM invitations WHERE invite_uuid = ${invitation.pk}`,
    );
    assert.equal(freed.lease_holder, null);
    assert.equal((await c.get(e.flow.slug, q)).body.component, 'ak-stage-prompt');

    // B comes back too late: the invitation is C's now.
    const lateB = await b.post(e.flow.slug, answers(unique('late')), q);
    assert.equal(lateB.body.error_message, DENIED);

    const username = unique('leased');
    const done = await c.post(e.flow.slug, answers(username), q);
    assert.equal(done.body.component, 'xak-flow-redirect');
    assert.equal(await invitationExists(invitation.pk), false, 'consumed at user write');
    const deleted = (await eventsFor(invitation.pk)).filter((ev) => ev.action === 'model_deleted');
    assert.equal(deleted.length, 1);
    const uses = await t.client.get(`/api/v3/stages/invitation/invitations/${invitation.pk}/uses/`);
    assert.deepEqual(
      uses.body.results.map((u: any) => u.username),
      [username],
    );
  });

  test('50 concurrent sessions: one lease, one user', async () => {
    const e = await buildEnrollmentFlow(t);
    await t.client.patch(`/api/v3/stages/invitation/stages/${e.invitationStage.pk}/consumption/`, {
      single_use_consumption: 'enrollment',
    });
    const invitation = await createInvitation(t, { flow: e.flow.pk, single_use: true });
    const prefix = unique('lease-race');
    const q = `itoken=${invitation.pk}`;
    const results = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const browser = new FlowBrowser(t.app);
        const first = await browser.get(e.flow.slug, q);
        if (first.body.component !== 'ak-stage-prompt') return first.body.component;
        return (await browser.post(e.flow.slug, answers(`${prefix}-${i}`), q)).body.component;
      }),
    );
    assert.equal(results.filter((c) => c === 'xak-flow-redirect').length, 1);
    assert.equal((await usersNamed(prefix)).length, 1);
  });
});
