import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildTestApp } from '../../helpers/test-app.js';
import { statementCount } from '../../helpers/database.js';
import {
  bindStage,
  createFlow,
  createInvitationStage,
  createUserWithToken,
  grantPermission,
  unique,
} from '../../helpers/factories.js';

const t = await buildTestApp();
const LIST = '/api/v3/stages/invitation/stages/';

describe('invitation stages: list (the seed endpoint)', () => {
  test('returns the envelope with authentik metadata and every FlowSet field, in order', async () => {
    const stage = await createInvitationStage(t);
    const flow = await createFlow(t);
    await bindStage(t, flow.pk, stage.pk);
    const response = await t.client.get(`${LIST}?name=${stage.name}`);
    assert.equal(response.status, 200);
    assert.equal(response.headers['content-type'], 'application/json');
    assert.match(String(response.headers['x-authentik-id']), /^[0-9a-f]{32}$/);
    assert.deepEqual(Object.keys(response.body), ['pagination', 'results', 'autocomplete']);
    assert.deepEqual(response.body.pagination, {
      next: 0,
      previous: 0,
      count: 1,
      current: 1,
      total_pages: 1,
      start_index: 1,
      end_index: 1,
    });
    const [item] = response.body.results;
    assert.deepEqual(Object.keys(item), [
      'pk',
      'name',
      'component',
      'verbose_name',
      'verbose_name_plural',
      'meta_model_name',
      'flow_set',
      'continue_flow_without_invitation',
    ]);
    assert.equal(item.component, 'ak-stage-invitation-form');
    assert.equal(item.verbose_name, 'Invitation Stage');
    assert.equal(item.verbose_name_plural, 'Invitation Stages');
    assert.equal(item.meta_model_name, 'authentik_stages_invitation.invitationstage');
    assert.deepEqual(Object.keys(item.flow_set[0]), [
      'pk',
      'policybindingmodel_ptr_id',
      'name',
      'slug',
      'title',
      'designation',
      'background',
      'background_url',
      'policy_engine_mode',
      'compatibility_mode',
      'export_url',
      'layout',
      'denied_action',
    ]);
    assert.equal(item.flow_set[0].slug, flow.slug);
    assert.equal(item.flow_set[0].export_url, `/api/v3/flows/instances/${flow.slug}/export/`);
    assert.deepEqual(response.body.autocomplete, {});
  });

  test('search is an AND of case-insensitive terms on name, with quoted phrases', async () => {
    const tag = unique('srch');
    const a = await createInvitationStage(t, { name: `${tag} Alpha two` });
    const b = await createInvitationStage(t, { name: `${tag} alpha` });
    const names = async (search: string) =>
      (await t.client.get(`${LIST}?search=${encodeURIComponent(search)}`)).body.results.map(
        (r: { name: string }) => r.name,
      );
    assert.deepEqual(await names(`${tag} ALPHA`), [a.name, b.name]);
    assert.deepEqual(await names(`${tag},two`), [a.name]);
    assert.deepEqual(await names(`"alpha two" ${tag}`), [a.name]);
  });

  test('ordering, invalid fields dropped, default by name', async () => {
    const tag = unique('ord');
    await createInvitationStage(t, { name: `${tag}-b` });
    await createInvitationStage(t, { name: `${tag}-a`, continue_flow_without_invitation: true });
    const names = async (ordering: string) =>
      (await t.client.get(`${LIST}?search=${tag}&ordering=${ordering}`)).body.results.map(
        (r: { name: string }) => r.name,
      );
    assert.deepEqual(await names('-name'), [`${tag}-b`, `${tag}-a`]);
    assert.deepEqual(await names('foo,-name'), [`${tag}-b`, `${tag}-a`]);
    assert.deepEqual(await names('component'), [`${tag}-a`, `${tag}-b`]);
    assert.deepEqual(await names('-continue_flow_without_invitation'), [`${tag}-a`, `${tag}-b`]);
    assert.equal((await t.client.get(`${LIST}?ordering=flow_set`)).status, 200);
  });

  test('boolean filters accept Django NullBooleanSelect spellings only', async () => {
    const tag = unique('bool');
    const on = await createInvitationStage(t, { name: `${tag}-on`, continue_flow_without_invitation: true });
    await createInvitationStage(t, { name: `${tag}-off` });
    for (const spelling of ['true', 'True', '2']) {
      const body = (await t.client.get(`${LIST}?search=${tag}&continue_flow_without_invitation=${spelling}`))
        .body;
      assert.deepEqual(
        body.results.map((r: { pk: string }) => r.pk),
        [on.pk],
        spelling,
      );
    }
    for (const ignored of ['TRUE', '1', 'yes', '']) {
      const body = (await t.client.get(`${LIST}?search=${tag}&continue_flow_without_invitation=${ignored}`))
        .body;
      assert.equal(body.pagination.count, 2, ignored);
    }
  });

  test('no_flows=false lists and counts a stage bound to two flows once', async () => {
    const stage = await createInvitationStage(t);
    await bindStage(t, (await createFlow(t)).pk, stage.pk);
    await bindStage(t, (await createFlow(t)).pk, stage.pk);
    const body = (await t.client.get(`${LIST}?no_flows=false&name=${stage.name}`)).body;
    assert.equal(body.pagination.count, 1);
    assert.equal(body.results.length, 1);
    assert.equal(body.results[0].flow_set.length, 2);
    const unbound = await createInvitationStage(t);
    const noFlows = (await t.client.get(`${LIST}?no_flows=true&name=${unbound.name}`)).body;
    assert.equal(noFlows.pagination.count, 1);
  });

  test('stage_uuid accepts Python UUID forms and rejects others with 400', async () => {
    const stage = await createInvitationStage(t);
    const hex = stage.pk.replace(/-/g, '');
    for (const form of [stage.pk.toUpperCase(), hex, `{${stage.pk}}`, `urn:uuid:${stage.pk}`]) {
      const body = (await t.client.get(`${LIST}?stage_uuid=${encodeURIComponent(form)}`)).body;
      assert.deepEqual(
        body.results.map((r: { pk: string }) => r.pk),
        [stage.pk],
        form,
      );
    }
    const bad = await t.client.get(`${LIST}?stage_uuid=bad&page=abc`);
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body, { stage_uuid: ['Enter a valid UUID.'] });
  });

  test('pagination: defaults, cap, fallback, invalid pages', async () => {
    const tag = unique('page');
    for (let i = 0; i < 5; i += 1) await createInvitationStage(t, { name: `${tag}-${i}` });
    const page = async (q: string) => t.client.get(`${LIST}?search=${tag}&${q}`);
    assert.deepEqual((await page('page=2&page_size=2')).body.pagination, {
      next: 3,
      previous: 1,
      count: 5,
      current: 2,
      total_pages: 3,
      start_index: 3,
      end_index: 4,
    });
    assert.deepEqual((await page('page=last&page_size=2')).body.pagination, {
      next: 0,
      previous: 2,
      count: 5,
      current: 3,
      total_pages: 3,
      start_index: 5,
      end_index: 5,
    });
    assert.equal((await page('page_size=abc')).body.results.length, 5);
    for (const bad of ['page=0', 'page=-1', 'page=abc', 'page=1.0', 'page=99']) {
      const response = await page(bad);
      assert.equal(response.status, 404, bad);
      assert.deepEqual(response.body, { detail: 'Invalid page.' });
    }
    const empty = await t.client.get(`${LIST}?name=${unique('none')}`);
    assert.deepEqual(empty.body.pagination, {
      next: 0,
      previous: 0,
      count: 0,
      current: 1,
      total_pages: 1,
      start_index: 0,
      end_index: 0,
    });
  });

  test('a NUL in a parameter is a 400 naming the parameter, never a 500', async () => {
    assert.deepEqual((await t.client.get(`${LIST}?name=a%00b`)).body, {
      name: ['Null characters are not allowed.'],
    });
    const search = await t.client.get(`${LIST}?search=a%00b`);
    assert.equal(search.status, 400);
    assert.deepEqual(search.body, { search: ['Null characters are not allowed.'] });
  });

  test('a list costs the same number of SQL statements whatever the page size', async () => {
    for (let i = 0; i < 25; i += 1) {
      const stage = await createInvitationStage(t);
      if (i % 2 === 0) await bindStage(t, (await createFlow(t)).pk, stage.pk);
    }
    const statements = async (size: number) => {
      const before = statementCount(t.database);
      const response = await t.client.get(`${LIST}?page_size=${size}`);
      assert.equal(response.status, 200);
      return statementCount(t.database) - before;
    };
    // The creates above cleared the token cache; the first list looks the token up again.
    await statements(1);
    const small = await statements(1);
    assert.equal(await statements(20), small);
    assert.equal(await statements(100), small);
    assert.ok(small <= 3, `expected at most 3 statements, got ${small}`);
  });
});

describe('invitation stages: authentication and permissions', () => {
  test('authentication failures are 403 with authentik bodies', async () => {
    const anonymous = await t.client.as(null).get(LIST);
    assert.equal(anonymous.status, 403);
    assert.deepEqual(anonymous.body, { detail: 'Authentication credentials were not provided.' });
    assert.deepEqual((await t.client.as('wrong').get(LIST)).body, { detail: 'Token invalid/expired' });
    const basic = await t.client.as(null).get(LIST, { headers: { authorization: 'Basic Zm9vOmJhcg==' } });
    assert.deepEqual(basic.body, { detail: 'Authentication credentials were not provided.' });
    const inactive = await createUserWithToken(t, { active: false, superuser: true });
    assert.deepEqual((await t.client.as(inactive.token).get(LIST)).body, { detail: 'Token invalid/expired' });
  });

  test('object permissions: 403 without any, only granted objects otherwise', async () => {
    const user = await createUserWithToken(t);
    const client = t.client.as(user.token);
    assert.deepEqual((await client.get(LIST)).body, {
      detail: 'You do not have permission to perform this action.',
    });
    const visible = await createInvitationStage(t);
    const hidden = await createInvitationStage(t);
    await grantPermission(t, user, 'authentik_stages_invitation.view_invitationstage', visible.pk);
    const body = (await client.get(LIST)).body;
    assert.deepEqual(
      body.results.map((r: { pk: string }) => r.pk),
      [visible.pk],
    );
    assert.equal(
      (await client.get(`${LIST}${hidden.pk}/`)).body.detail,
      'No InvitationStage matches the given query.',
    );
    assert.equal((await client.patch(`${LIST}${visible.pk}/`, { name: 'x' })).status, 403);
    assert.equal((await client.post(LIST, { name: unique('nope') })).status, 403);
  });
});

describe('invitation stages: create, update, delete, used_by', () => {
  test('create validates like DRF and changes nothing on failure', async () => {
    const existing = await createInvitationStage(t);
    const cases: [unknown, unknown][] = [
      [{}, { name: ['This field is required.'] }],
      [{ name: '' }, { name: ['This field may not be blank.'] }],
      [{ name: existing.name }, { name: ['stage with this name already exists.'] }],
      [
        { name: unique('x'), continue_flow_without_invitation: 'maybe' },
        { continue_flow_without_invitation: ['Must be a valid boolean.'] },
      ],
      [[1], { non_field_errors: ['Invalid data. Expected a dictionary, but got list.'] }],
    ];
    for (const [body, expected] of cases) {
      const response = await t.client.post(LIST, body);
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.deepEqual(response.body, expected);
    }
    const parse = await t.client.request('POST', LIST, {
      raw: '{"name":',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(parse.status, 400);
    assert.match(parse.body.detail, /^JSON parse error - /);
    const form = await t.client.request('POST', LIST, {
      raw: 'name=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(form.status, 415);
    assert.deepEqual(form.body, {
      detail: 'Unsupported media type "application/x-www-form-urlencoded" in request.',
    });
  });

  test('update, partial update, delete and used_by', async () => {
    const stage = await createInvitationStage(t);
    const renamed = unique('renamed');
    const put = await t.client.put(`${LIST}${stage.pk}/`, {
      name: renamed,
      continue_flow_without_invitation: true,
    });
    assert.equal(put.status, 200);
    assert.equal(put.body.name, renamed);
    const patch = await t.client.patch(`${LIST}${stage.pk}/`, { continue_flow_without_invitation: false });
    assert.equal(patch.body.continue_flow_without_invitation, false);
    assert.equal(patch.body.name, renamed);
    const flow = await createFlow(t);
    const binding = await bindStage(t, flow.pk, stage.pk, 7);
    const usedBy = await t.client.get(`${LIST}${stage.pk}/used_by/`);
    assert.deepEqual(usedBy.body, [
      {
        app: 'authentik_flows',
        model_name: 'flow',
        pk: flow.pk,
        name: `Flow ${flow.name} (${flow.slug})`,
        action: 'cascade_many',
      },
      {
        app: 'authentik_flows',
        model_name: 'flowstagebinding',
        pk: binding.pk,
        name: `Flow-stage binding #7 to ${flow.pk}`,
        action: 'cascade',
      },
    ]);
    assert.equal((await t.client.delete(`${LIST}${stage.pk}/`)).status, 204);
    assert.equal((await t.client.get(`${LIST}${stage.pk}/`)).status, 404);
    assert.equal((await t.client.get(`/api/v3/flows/bindings/${binding.pk}/`)).status, 404);
    assert.deepEqual((await t.client.get(`${LIST}not-a-uuid/`)).body, { detail: 'Not found.' });
  });

  test('routes: 405 with Allow, no trailing-slash redirect, OPTIONS metadata', async () => {
    const put = await t.client.put(LIST, {});
    assert.equal(put.status, 405);
    assert.equal(put.headers.allow, 'GET, POST, HEAD, OPTIONS');
    assert.deepEqual(put.body, { detail: 'Method "PUT" not allowed.' });
    const noSlash = await t.client.get('/api/v3/stages/invitation/stages');
    assert.equal(noSlash.status, 404);
    assert.match(noSlash.text, /Not Found/);
    const options = await t.client.request('OPTIONS', LIST);
    assert.equal(options.body.name, 'Invitation Stage List');
    assert.equal((await t.client.get(`${LIST}?format=xml`)).status, 404);
    assert.equal((await t.client.get(LIST, { headers: { accept: 'text/html' } })).status, 406);
  });
});
