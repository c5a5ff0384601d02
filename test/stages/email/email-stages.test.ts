/**
 * `/api/v3/stages/email/`: authentik's shapes and defaults (every response is checked against
 * authentik's schema by the test client), the write-only SMTP password, validation, filters,
 * the `templates/` action, permissions and audit events.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { query } from '../../../src/db/client.js';
import { buildTestApp } from '../../helpers/test-app.js';
import { importBlueprint } from '../../blueprints/blueprint-helpers.js';
import {
  bindStage,
  createFlow,
  createUserWithToken,
  grantPermission,
  unique,
} from '../../helpers/factories.js';

const t = await buildTestApp();
const LIST = '/api/v3/stages/email/';

async function createEmailStage(body: Record<string, unknown> = {}) {
  const response = await t.client.post(LIST, { name: unique('email'), ...body });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return response.body;
}

async function storedPassword(pk: string): Promise<string> {
  const [row] = await query<{ password: string }>(
    t.database.db,
    sql`SELECT password FROM email_stages WHERE stage_uuid = ${pk}`,
  );
  return row.password;
}

describe('/stages/email/', () => {
  test('creates with authentik defaults and metadata, audited', async () => {
    const body = await createEmailStage();
    assert.equal(body.component, 'ak-stage-email-form');
    assert.equal(body.verbose_name, 'Email Stage');
    assert.equal(body.verbose_name_plural, 'Email Stages');
    assert.equal(body.meta_model_name, 'authentik_stages_email.emailstage');
    assert.deepEqual(body.flow_set, []);
    assert.deepEqual(
      {
        use_global_settings: body.use_global_settings,
        host: body.host,
        port: body.port,
        username: body.username,
        use_tls: body.use_tls,
        use_ssl: body.use_ssl,
        timeout: body.timeout,
        from_address: body.from_address,
        token_expiry: body.token_expiry,
        subject: body.subject,
        template: body.template,
        activate_user_on_success: body.activate_user_on_success,
        recovery_max_attempts: body.recovery_max_attempts,
        recovery_cache_timeout: body.recovery_cache_timeout,
      },
      {
        use_global_settings: false,
        host: 'localhost',
        port: 25,
        username: '',
        use_tls: false,
        use_ssl: false,
        timeout: 10,
        from_address: 'system@authentik.local',
        token_expiry: 'minutes=30',
        subject: 'authentik',
        template: 'email/password_reset.html',
        activate_user_on_success: false,
        recovery_max_attempts: 5,
        recovery_cache_timeout: 'minutes=5',
      },
    );
    const events = await query<{ context: any }>(
      t.database.db,
      sql`SELECT context FROM events WHERE action = 'model_created'
          AND context->'model'->>'pk' = ${body.pk.replace(/-/g, '')}`,
    );
    assert.equal(events.length, 1);
    assert.equal(events[0].context.model.app, 'authentik_stages_email');
  });

  test('the SMTP password is stored but never shown', async () => {
    const body = await createEmailStage({ password: 'smtp-secret' });
    assert.equal('password' in body, false);
    assert.equal(await storedPassword(body.pk), 'smtp-secret');
    const read = await t.client.get(`${LIST}${body.pk}/`);
    assert.equal('password' in read.body, false);
    const listed = await t.client.get(`${LIST}?name=${encodeURIComponent(body.name)}`);
    assert.equal('password' in listed.body.results[0], false);
    // A patch without it keeps it; a patch with it replaces it.
    await t.client.patch(`${LIST}${body.pk}/`, { host: 'mail.example.com' });
    assert.equal(await storedPassword(body.pk), 'smtp-secret');
    await t.client.patch(`${LIST}${body.pk}/`, { password: 'rotated' });
    assert.equal(await storedPassword(body.pk), 'rotated');
  });

  test('no list can be ordered by the password', async () => {
    const prefix = unique('order');
    await createEmailStage({ name: `${prefix}-a`, password: 'zzz' });
    await createEmailStage({ name: `${prefix}-b`, password: 'aaa' });
    const byPassword = await t.client.get(`${LIST}?search=${prefix}&ordering=password`);
    assert.equal(byPassword.status, 200);
    assert.deepEqual(
      byPassword.body.results.map((r: { name: string }) => r.name),
      [`${prefix}-a`, `${prefix}-b`],
    );
    const reversed = await t.client.get(`${LIST}?search=${prefix}&ordering=-password`);
    assert.deepEqual(
      reversed.body.results.map((r: { name: string }) => r.name),
      [`${prefix}-a`, `${prefix}-b`],
    );
  });

  test('refuses what authentik refuses, and changes nothing', async () => {
    const name = unique('bad');
    const response = await t.client.post(LIST, {
      name,
      template: 'email/nope.html',
      token_expiry: 'forever',
      recovery_cache_timeout: 'minutes=x',
      from_address: 'not an address',
      port: 2147483648,
    });
    assert.equal(response.status, 400);
    assert.deepEqual(Object.keys(response.body).sort(), ['from_address', 'port']);
    const semantic = await t.client.post(LIST, {
      name,
      template: 'email/nope.html',
      token_expiry: 'forever',
      recovery_cache_timeout: 'minutes=x',
    });
    assert.equal(semantic.status, 400);
    assert.deepEqual(semantic.body, {
      token_expiry: ["forever is not in the correct format of 'hours=3;minutes=1'."],
      recovery_cache_timeout: ["minutes=x is not in the correct format of 'hours=3;minutes=1'."],
      template: ['"email/nope.html" is not a valid choice.'],
    });
    const listed = await t.client.get(`${LIST}?name=${name}`);
    assert.equal(listed.body.pagination.count, 0);
    // Names are unique across stage types.
    const login = await t.client.post('/api/v3/stages/user_login/', { name: unique('taken') });
    const taken = await t.client.post(LIST, { name: login.body.name });
    assert.equal(taken.status, 400);
    assert.ok(taken.body.name);
  });

  test('update, partial update, filters, used_by and destroy', async () => {
    const stage = await createEmailStage();
    const put = await t.client.put(`${LIST}${stage.pk}/`, {
      name: stage.name,
      host: 'smtp.example.com',
      port: 2525,
      use_tls: true,
      template: 'email/account_confirmation.html',
      activate_user_on_success: true,
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.deepEqual(
      [put.body.host, put.body.port, put.body.use_tls, put.body.template, put.body.activate_user_on_success],
      ['smtp.example.com', 2525, true, 'email/account_confirmation.html', true],
    );
    const patched = await t.client.patch(`${LIST}${stage.pk}/`, { subject: 'Confirm' });
    assert.equal(patched.body.subject, 'Confirm');
    assert.equal(patched.body.host, 'smtp.example.com');

    const filtered = await t.client.get(
      `${LIST}?host=smtp.example.com&port=2525&use_tls=true&activate_user_on_success=true&name=${stage.name}`,
    );
    assert.equal(filtered.body.pagination.count, 1);
    const none = await t.client.get(`${LIST}?use_tls=false&name=${stage.name}`);
    assert.equal(none.body.pagination.count, 0);

    const flow = await createFlow(t);
    await bindStage(t, flow.pk, stage.pk);
    const usedBy = await t.client.get(`${LIST}${stage.pk}/used_by/`);
    assert.equal(usedBy.status, 200);
    assert.ok(usedBy.body.some((entry: { model_name: string }) => entry.model_name === 'flowstagebinding'));
    const withFlow = await t.client.get(`${LIST}${stage.pk}/`);
    assert.equal(withFlow.body.flow_set[0].slug, flow.slug);

    assert.equal((await t.client.delete(`${LIST}${stage.pk}/`)).status, 204);
    assert.equal((await t.client.get(`${LIST}${stage.pk}/`)).status, 404);
    const rows = await query(t.database.db, sql`SELECT 1 FROM email_stages WHERE stage_uuid = ${stage.pk}`);
    assert.equal(rows.length, 0);
  });

  test('templates/ lists the templates a stage may name', async () => {
    const response = await t.client.get(`${LIST}templates/`);
    assert.equal(response.status, 200);
    assert.deepEqual(
      response.body.map((item: { name: string; description: string }) => [item.name, item.description]),
      [
        ['email/password_reset.html', 'Password Reset'],
        ['email/account_confirmation.html', 'Account Confirmation'],
      ],
    );
    assert.equal((await t.client.as(null).get(`${LIST}templates/`)).status, 403);
  });

  test('permissions: view and add are needed, and object grants are honoured', async () => {
    const stage = await createEmailStage();
    const user = await createUserWithToken(t);
    const client = t.client.as(user.token);
    assert.equal((await client.post(LIST, { name: unique('nope') })).status, 403);
    assert.equal((await client.get(`${LIST}${stage.pk}/`)).status, 403);
    assert.equal((await client.get(`${LIST}?name=${stage.name}`)).status, 403);
    await grantPermission(t, user, 'authentik_stages_email.view_emailstage', stage.pk);
    const seen = await client.get(`${LIST}${stage.pk}/`);
    assert.equal(seen.status, 200);
    assert.equal((await client.patch(`${LIST}${stage.pk}/`, { host: 'evil.example' })).status, 403);
    assert.equal((await t.client.get(`${LIST}${stage.pk}/`)).body.host, 'localhost');
    await grantPermission(t, user, 'authentik_stages_email.add_emailstage');
    assert.equal((await client.post(LIST, { name: unique('mine') })).status, 201);
  });

  test('blueprints create and export email stages, never the SMTP password', async () => {
    const slug = unique('bp');
    const name = `${slug}-email`;
    const blueprint = `version: 1
metadata:
  name: ${slug}
entries:
  - model: authentik_flows.flow
    id: flow
    identifiers:
      slug: ${slug}
    attrs:
      name: ${slug}
      title: ${slug}
      designation: enrollment
  - model: authentik_stages_email.emailstage
    id: email
    identifiers:
      name: ${name}
    attrs:
      host: smtp.example.com
      port: 587
      use_tls: true
      password: from-blueprint
      template: email/account_confirmation.html
      activate_user_on_success: true
  - model: authentik_flows.flowstagebinding
    identifiers:
      target: !KeyOf flow
      stage: !KeyOf email
      order: 10
`;
    const imported = await importBlueprint(t, blueprint);
    assert.deepEqual(imported.body, { success: true, logs: [] });
    const listed = await t.client.get(`${LIST}?name=${name}`);
    const stage = listed.body.results[0];
    assert.deepEqual(
      [stage.host, stage.port, stage.use_tls, stage.template, stage.activate_user_on_success],
      ['smtp.example.com', 587, true, 'email/account_confirmation.html', true],
    );
    assert.equal(await storedPassword(stage.pk), 'from-blueprint');
    // Applying it again changes nothing.
    assert.deepEqual((await importBlueprint(t, blueprint)).body, { success: true, logs: [] });
    const exported = await t.client.get(`/api/v3/flows/instances/${slug}/export/`);
    assert.equal(exported.status, 200);
    assert.match(exported.text, /model: authentik_stages_email\.emailstage/);
    assert.match(exported.text, /host: smtp\.example\.com/);
    assert.equal(exported.text.includes('from-blueprint'), false);
    assert.equal(/\bpassword:/.test(exported.text), false);
  });
});
