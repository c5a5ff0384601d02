/**
 * `/api/v3/stages/identification/` and `/api/v3/stages/password/`: authentik's shapes,
 * defaults, related-object checks, filters, used_by, permissions and audit events.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { query } from '../../../src/db/client.js';
import { buildTestApp } from '../../helpers/test-app.js';
import {
  bindStage,
  createFlow,
  createUserWithToken,
  grantPermission,
  unique,
} from '../../helpers/factories.js';
import { TestClient } from '../../helpers/test-app.js';

const t = await buildTestApp();
const INBUILT = 'authentik.core.auth.InbuiltBackend';
const MISSING = '00000000-0000-4000-8000-000000000000';

const createPassword = async (body: Record<string, unknown> = {}) => {
  const response = await t.client.post('/api/v3/stages/password/', {
    name: unique('pw'),
    backends: [INBUILT],
    ...body,
  });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return response.body;
};

async function modelEvents(action: string, pk: string) {
  return query<{ context: any }>(
    t.database.db,
    sql`SELECT context FROM events WHERE action = ${action} AND context->'model'->>'pk' = ${pk.replace(/-/g, '')}`,
  );
}

describe('/stages/identification/', () => {
  test('creates with authentik defaults and metadata, and audits it', async () => {
    const created = await t.client.post('/api/v3/stages/identification/', { name: unique('id') });
    assert.equal(created.status, 201);
    const body = created.body;
    assert.equal(body.component, 'ak-stage-identification-form');
    assert.equal(body.verbose_name, 'Identification Stage');
    assert.equal(body.meta_model_name, 'authentik_stages_identification.identificationstage');
    assert.deepEqual(
      [body.user_fields, body.case_insensitive_matching, body.show_matched_user, body.pretend_user_exists],
      [[], true, true, true],
    );
    assert.deepEqual([body.password_stage, body.enrollment_flow, body.sources], [null, null, []]);
    assert.equal((await modelEvents('model_created', body.pk)).length, 1);
  });

  test('links must name objects of the right kind', async () => {
    const login = await t.client.post('/api/v3/stages/user_login/', { name: unique('login') });
    const wrongType = await t.client.post('/api/v3/stages/identification/', {
      name: unique('id'),
      password_stage: login.body.pk,
      enrollment_flow: MISSING,
    });
    assert.equal(wrongType.status, 400);
    assert.deepEqual(wrongType.body, {
      password_stage: [`Invalid pk "${login.body.pk}" - object does not exist.`],
      enrollment_flow: [`Invalid pk "${MISSING}" - object does not exist.`],
    });
    const badField = await t.client.post('/api/v3/stages/identification/', {
      name: unique('id'),
      user_fields: ['phone'],
    });
    assert.equal(badField.status, 400);
    assert.ok(badField.body.user_fields);
  });

  test('stores what Tessera cannot honour, updates, filters, used_by and destroy', async () => {
    const password = await createPassword();
    const enrollment = await createFlow(t, { designation: 'enrollment' });
    const source = '11111111-1111-4111-8111-111111111111';
    const created = await t.client.post('/api/v3/stages/identification/', {
      name: unique('id'),
      user_fields: ['username', 'upn'],
      password_stage: password.pk,
      enrollment_flow: enrollment.pk,
      sources: [source],
      enable_remember_me: true,
      show_source_labels: true,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual(created.body.sources, [source]);
    assert.equal(created.body.enable_remember_me, true);
    const pk = created.body.pk;
    const patched = await t.client.patch(`/api/v3/stages/identification/${pk}/`, {
      pretend_user_exists: false,
    });
    assert.equal(patched.body.pretend_user_exists, false);
    assert.deepEqual(patched.body.user_fields, ['username', 'upn']);
    const put = await t.client.put(`/api/v3/stages/identification/${pk}/`, {
      name: created.body.name,
      user_fields: ['email'],
    });
    assert.equal(put.status, 200);
    assert.deepEqual(put.body.user_fields, ['email']);
    const list = await t.client.get(`/api/v3/stages/identification/?password_stage=${password.pk}`);
    assert.deepEqual(
      list.body.results.map((s: any) => s.pk),
      [pk],
    );
    const flow = await createFlow(t);
    await bindStage(t, flow.pk, pk);
    const usedBy = await t.client.get(`/api/v3/stages/identification/${pk}/used_by/`);
    assert.equal(usedBy.status, 200);
    assert.ok(usedBy.body.length >= 1);
    // Deleting the password stage unlinks it (on_delete=SET_NULL).
    assert.equal((await t.client.delete(`/api/v3/stages/password/${password.pk}/`)).status, 204);
    assert.equal((await t.client.get(`/api/v3/stages/identification/${pk}/`)).body.password_stage, null);
    assert.equal((await t.client.delete(`/api/v3/stages/identification/${pk}/`)).status, 204);
    assert.equal((await t.client.get(`/api/v3/stages/identification/${pk}/`)).status, 404);
    assert.equal((await modelEvents('model_deleted', pk)).length, 1);
  });

  test('needs authentik_stages_identification permissions', async () => {
    const user = await createUserWithToken(t);
    const client = new TestClient(t.app, user.token);
    const refused = await client.post('/api/v3/stages/identification/', { name: unique('id') });
    assert.equal(refused.status, 403);
    await grantPermission(t, user, 'authentik_stages_identification.add_identificationstage');
    assert.equal((await client.post('/api/v3/stages/identification/', { name: unique('id') })).status, 201);
  });
});

describe('/stages/password/', () => {
  test('requires backends; defaults as authentik', async () => {
    const missing = await t.client.post('/api/v3/stages/password/', { name: unique('pw') });
    assert.equal(missing.status, 400);
    assert.deepEqual(missing.body, { backends: ['This field is required.'] });
    const bad = await t.client.post('/api/v3/stages/password/', { name: unique('pw'), backends: ['nope'] });
    assert.equal(bad.status, 400);
    const created = await createPassword({
      backends: [INBUILT, 'authentik.sources.ldap.auth.LDAPBackend'],
    });
    assert.equal(created.component, 'ak-stage-password-form');
    assert.equal(created.meta_model_name, 'authentik_stages_password.passwordstage');
    assert.deepEqual(created.backends, [INBUILT, 'authentik.sources.ldap.auth.LDAPBackend']);
    assert.deepEqual(
      [created.failed_attempts_before_cancel, created.allow_show_password, created.configure_flow],
      [5, false, null],
    );
  });

  test('updates, filters (also beyond the integer range) and checks configure_flow', async () => {
    const created = await createPassword({ failed_attempts_before_cancel: 7 });
    const patched = await t.client.patch(`/api/v3/stages/password/${created.pk}/`, {
      allow_show_password: true,
    });
    assert.equal(patched.body.allow_show_password, true);
    const found = await t.client.get(
      '/api/v3/stages/password/?failed_attempts_before_cancel=7&allow_show_password=true',
    );
    assert.ok(found.body.results.some((s: any) => s.pk === created.pk));
    const huge = await t.client.get('/api/v3/stages/password/?failed_attempts_before_cancel=99999999999999');
    assert.equal(huge.status, 200);
    assert.equal(huge.body.results.length, 0);
    const badFlow = await t.client.patch(`/api/v3/stages/password/${created.pk}/`, {
      configure_flow: MISSING,
    });
    assert.deepEqual(badFlow.body, { configure_flow: [`Invalid pk "${MISSING}" - object does not exist.`] });
    const user = await createUserWithToken(t);
    assert.equal(
      (await new TestClient(t.app, user.token).patch(`/api/v3/stages/password/${created.pk}/`, { name: 'x' }))
        .status,
      403,
    );
  });
});
