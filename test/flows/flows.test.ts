/**
 * `/api/v3/flows/instances/`, keyed by slug: authentik's FlowViewSet
 * (authentik/flows/api/flows.py): filters `flow_uuid`, `name`, `slug`, `designation`,
 * `denied_action`; search over name, slug, designation, title and denied_action; default
 * ordering slug, name; DRF validation messages; RBAC through `authentik_flows.*_flow`.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildTestApp } from '../helpers/test-app.js';
import {
  bindStage,
  createFlow,
  createInvitationStage,
  createUserWithToken,
  grantPermission,
  unique,
} from '../helpers/factories.js';

const t = await buildTestApp();
const LIST = '/api/v3/flows/instances/';

const slugs = (body: { results: { slug: string }[] }) => body.results.map((f) => f.slug);

describe('flows: list', () => {
  test('returns the Flow serializer fields in authentik order, with derived values', async () => {
    const flow = await createFlow(t, { title: 'Welcome' });
    const stage = await createInvitationStage(t);
    await bindStage(t, flow.pk, stage.pk, 5);
    const response = await t.client.get(`${LIST}?slug=${flow.slug}`);
    assert.equal(response.status, 200);
    assert.deepEqual(Object.keys(response.body), ['pagination', 'results', 'autocomplete']);
    const [item] = response.body.results;
    assert.deepEqual(Object.keys(item), [
      'pk',
      'policybindingmodel_ptr_id',
      'name',
      'slug',
      'title',
      'designation',
      'background',
      'background_url',
      'background_themed_urls',
      'stages',
      'policies',
      'cache_count',
      'policy_engine_mode',
      'compatibility_mode',
      'export_url',
      'layout',
      'denied_action',
      'authentication',
    ]);
    assert.deepEqual(item, {
      pk: flow.pk,
      policybindingmodel_ptr_id: flow.policybindingmodel_ptr_id,
      name: flow.name,
      slug: flow.slug,
      title: 'Welcome',
      designation: 'enrollment',
      background: '/static/dist/assets/images/flow_background.jpg',
      background_url: '/static/dist/assets/images/flow_background.jpg',
      background_themed_urls: null,
      stages: [stage.pk],
      policies: [],
      cache_count: 0,
      policy_engine_mode: 'any',
      compatibility_mode: false,
      export_url: `/api/v3/flows/instances/${flow.slug}/export/`,
      layout: 'stacked',
      denied_action: 'message_continue',
      authentication: 'none',
    });
    assert.notEqual(item.pk, item.policybindingmodel_ptr_id);
  });

  test('default ordering is by slug; ordering accepts serializer fields, drops others', async () => {
    const tag = unique('ford');
    const b = await createFlow(t, { slug: `${tag}-b`, name: 'A', designation: 'recovery' });
    const a = await createFlow(t, { slug: `${tag}-a`, name: 'B', designation: 'authentication' });
    const c = await createFlow(t, { slug: `${tag}-c`, name: 'C', designation: 'enrollment' });
    const order = async (ordering?: string) =>
      slugs((await t.client.get(`${LIST}?search=${tag}${ordering ? `&ordering=${ordering}` : ''}`)).body);
    assert.deepEqual(await order(), [a.slug, b.slug, c.slug]);
    assert.deepEqual(await order('-slug'), [c.slug, b.slug, a.slug]);
    assert.deepEqual(await order('name'), [b.slug, a.slug, c.slug]);
    assert.deepEqual(await order('designation'), [a.slug, c.slug, b.slug]);
    assert.deepEqual(await order('-designation,slug'), [b.slug, c.slug, a.slug]);
    // Not serializer fields (or method fields): dropped, then the default applies.
    for (const ignored of ['export_url', 'cache_count', 'flow_uuid', 'bogus', '-']) {
      assert.deepEqual(await order(ignored), [a.slug, b.slug, c.slug], ignored);
    }
  });

  test('filters: exact slug and name (stripped), flow_uuid, designation and denied_action choices', async () => {
    const tag = unique('ffil');
    const one = await createFlow(t, {
      name: `${tag} one`,
      designation: 'authentication',
      denied_action: 'continue',
    });
    const two = await createFlow(t, { name: `${tag} two`, designation: 'recovery' });
    const get = (q: string) => t.client.get(`${LIST}?search=${encodeURIComponent(tag)}&${q}`);
    assert.deepEqual(slugs((await get(`slug=${one.slug}`)).body), [one.slug]);
    assert.deepEqual(slugs((await get(`slug=${one.slug}%20`)).body), [one.slug]);
    assert.deepEqual(slugs((await get(`slug=${one.slug.toUpperCase()}`)).body), []);
    assert.deepEqual(slugs((await get(`name=${encodeURIComponent(`${tag} two`)}`)).body), [two.slug]);
    assert.deepEqual(slugs((await get(`flow_uuid=${one.pk.toUpperCase()}`)).body), [one.slug]);
    assert.deepEqual(slugs((await get('designation=recovery')).body), [two.slug]);
    assert.deepEqual(slugs((await get('denied_action=continue')).body), [one.slug]);
    assert.equal((await get('designation=')).body.pagination.count, 2);
    assert.deepEqual((await get('designation=nope&denied_action=never&flow_uuid=x')).body, {
      designation: ['Select a valid choice. nope is not one of the available choices.'],
      denied_action: ['Select a valid choice. never is not one of the available choices.'],
      flow_uuid: ['Enter a valid UUID.'],
    });
    assert.equal((await get('designation=nope')).status, 400);
    assert.deepEqual((await get('slug=a%00b')).body, { slug: ['Null characters are not allowed.'] });
  });

  test('search: AND of terms, each matching name, slug, designation, title or denied_action', async () => {
    const tag = unique('fsrch');
    const titled = await createFlow(t, {
      name: `${tag} alpha`,
      title: 'Zebra crossing',
      denied_action: 'continue',
    });
    const denied = await createFlow(t, {
      name: `${tag} beta`,
      designation: 'authorization',
      denied_action: 'message',
    });
    const found = async (search: string) =>
      slugs((await t.client.get(`${LIST}?search=${encodeURIComponent(search)}`)).body);
    assert.deepEqual(await found(`${tag} ZEBRA`), [titled.slug]);
    assert.deepEqual(await found(`${tag} authoriz`), [denied.slug]);
    assert.deepEqual(await found(`${tag} message`), [denied.slug]);
    assert.deepEqual(await found(`${tag},enrollment`), [titled.slug]);
    assert.deepEqual(await found(`"${tag} alpha"`), [titled.slug]);
    assert.deepEqual(await found(`${tag} nothing-matches`), []);
    const nul = await t.client.get(`${LIST}?search=a%00`);
    assert.equal(nul.status, 400);
    assert.deepEqual(nul.body, { search: ['Null characters are not allowed.'] });
  });

  test('pagination: page size, last page, invalid pages', async () => {
    const tag = unique('fpage');
    for (let i = 0; i < 3; i += 1) await createFlow(t, { name: `${tag}-${i}` });
    const page = (q: string) => t.client.get(`${LIST}?search=${tag}&${q}`);
    assert.deepEqual((await page('page_size=2&page=last')).body.pagination, {
      next: 0,
      previous: 1,
      count: 3,
      current: 2,
      total_pages: 2,
      start_index: 3,
      end_index: 3,
    });
    assert.equal((await page('page_size=2&page=3')).status, 404);
    assert.deepEqual((await page('page=0')).body, { detail: 'Invalid page.' });
  });
});

describe('flows: create, retrieve, update, delete', () => {
  test('create answers 201 with the flow and records nothing on invalid input', async () => {
    const slug = unique('fnew');
    const created = await t.client.post(LIST, {
      name: 'New flow',
      slug,
      title: 'Title',
      designation: 'enrollment',
      layout: 'content_left',
      policy_engine_mode: 'all',
      compatibility_mode: 'true',
      authentication: 'require_unauthenticated',
      denied_action: 'message',
      pk: '00000000-0000-0000-0000-000000000000',
      stages: ['00000000-0000-0000-0000-000000000000'],
      cache_count: 99,
    });
    assert.equal(created.status, 201);
    assert.equal(created.body.slug, slug);
    assert.notEqual(created.body.pk, '00000000-0000-0000-0000-000000000000');
    assert.deepEqual(created.body.stages, []);
    assert.equal(created.body.cache_count, 0);
    assert.equal(created.body.layout, 'content_left');
    assert.equal(created.body.policy_engine_mode, 'all');
    assert.equal(created.body.compatibility_mode, true);
    assert.equal(created.body.authentication, 'require_unauthenticated');
    assert.deepEqual((await t.client.get(`${LIST}${slug}/`)).body, created.body);
  });

  test('validation errors have DRF bodies', async () => {
    const existing = await createFlow(t);
    const base = { name: 'n', title: 't', designation: 'enrollment' };
    const cases: [unknown, unknown][] = [
      [
        {},
        {
          name: ['This field is required.'],
          slug: ['This field is required.'],
          title: ['This field is required.'],
          designation: ['This field is required.'],
        },
      ],
      [
        { ...base, slug: 'has space' },
        { slug: ['Enter a valid "slug" consisting of letters, numbers, underscores or hyphens.'] },
      ],
      [
        { ...base, slug: 'ünïcode' },
        { slug: ['Enter a valid "slug" consisting of letters, numbers, underscores or hyphens.'] },
      ],
      [{ ...base, slug: existing.slug }, { slug: ['Flow with this slug already exists.'] }],
      [{ ...base, slug: 'x'.repeat(51) }, { slug: ['Ensure this field has no more than 50 characters.'] }],
      [
        { ...base, slug: unique('s'), designation: 'bogus' },
        { designation: ['"bogus" is not a valid choice.'] },
      ],
      [{ ...base, slug: unique('s'), name: '' }, { name: ['This field may not be blank.'] }],
      [{ ...base, slug: unique('s'), title: null }, { title: ['This field may not be null.'] }],
      [{ ...base, slug: unique('s'), layout: 'diagonal' }, { layout: ['"diagonal" is not a valid choice.'] }],
      [
        { ...base, slug: unique('s'), compatibility_mode: 'sometimes' },
        { compatibility_mode: ['Must be a valid boolean.'] },
      ],
      [{ ...base, slug: unique('s'), name: 5, title: false }, { title: ['Not a valid string.'] }],
      [null, { non_field_errors: ['No data provided'] }],
      ['flow', { non_field_errors: ['Invalid data. Expected a dictionary, but got str.'] }],
    ];
    for (const [body, expected] of cases) {
      const response = await t.client.request('POST', LIST, {
        raw: JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.deepEqual(response.body, expected, JSON.stringify(body));
    }
    // `name: 5` is a valid string for DRF (numbers are coerced); nothing else was created.
    assert.equal((await t.client.get(`${LIST}?name=5`)).body.pagination.count, 0);
  });

  test('retrieve by slug; unknown and malformed slugs are 404s', async () => {
    const flow = await createFlow(t);
    assert.equal((await t.client.get(`${LIST}${flow.slug}/`)).body.pk, flow.pk);
    const missing = await t.client.get(`${LIST}${unique('missing')}/`);
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.body, { detail: 'No Flow matches the given query.' });
    // The lookup is the slug, not the uuid.
    assert.equal((await t.client.get(`${LIST}${flow.pk}/`)).status, 404);
    // DRF's router only matches `[^/.]+` as a lookup: anything else is the HTML 404.
    const dotted = await t.client.get(`${LIST}a.b/`);
    assert.equal(dotted.status, 404);
    assert.match(String(dotted.headers['content-type']), /^text\/html/);
  });

  test('PUT needs every required field, PATCH changes only what it sends (also the slug)', async () => {
    const flow = await createFlow(t, { layout: 'sidebar_left' });
    const put = await t.client.put(`${LIST}${flow.slug}/`, { name: 'Renamed' });
    assert.equal(put.status, 400);
    assert.deepEqual(put.body, {
      slug: ['This field is required.'],
      title: ['This field is required.'],
      designation: ['This field is required.'],
    });
    const full = await t.client.put(`${LIST}${flow.slug}/`, {
      name: 'Renamed',
      slug: flow.slug,
      title: 'T2',
      designation: 'recovery',
    });
    assert.equal(full.status, 200);
    assert.equal(full.body.designation, 'recovery');
    // PUT leaves unsent optional fields as they were (DRF only sets validated fields).
    assert.equal(full.body.layout, 'sidebar_left');
    const newSlug = unique('moved');
    const patch = await t.client.patch(`${LIST}${flow.slug}/`, { slug: newSlug });
    assert.equal(patch.status, 200);
    assert.equal(patch.body.slug, newSlug);
    assert.equal(patch.body.name, 'Renamed');
    assert.equal((await t.client.get(`${LIST}${flow.slug}/`)).status, 404);
    assert.equal((await t.client.get(`${LIST}${newSlug}/`)).body.pk, flow.pk);
    const other = await createFlow(t);
    assert.deepEqual((await t.client.patch(`${LIST}${newSlug}/`, { slug: other.slug })).body, {
      slug: ['Flow with this slug already exists.'],
    });
    // Keeping its own slug is not a conflict.
    assert.equal((await t.client.patch(`${LIST}${newSlug}/`, { slug: newSlug })).status, 200);
    assert.equal((await t.client.patch(`${LIST}${newSlug}/`, {})).status, 200);
  });

  test('used_by lists bindings, then stages; delete cascades to bindings only', async () => {
    const flow = await createFlow(t);
    const stage = await createInvitationStage(t);
    const second = await createInvitationStage(t);
    const b1 = await bindStage(t, flow.pk, stage.pk, 20);
    const b2 = await bindStage(t, flow.pk, second.pk, 10);
    const usedBy = await t.client.get(`${LIST}${flow.slug}/used_by/`);
    assert.equal(usedBy.status, 200);
    assert.deepEqual(usedBy.body, [
      {
        app: 'authentik_flows',
        model_name: 'flowstagebinding',
        pk: b2.pk,
        name: `Flow-stage binding #10 to ${flow.pk}`,
        action: 'cascade',
      },
      {
        app: 'authentik_flows',
        model_name: 'flowstagebinding',
        pk: b1.pk,
        name: `Flow-stage binding #20 to ${flow.pk}`,
        action: 'cascade',
      },
      {
        app: 'authentik_flows',
        model_name: 'stage',
        pk: second.pk,
        name: `Stage ${second.name}`,
        action: 'cascade_many',
      },
      {
        app: 'authentik_flows',
        model_name: 'stage',
        pk: stage.pk,
        name: `Stage ${stage.name}`,
        action: 'cascade_many',
      },
    ]);
    const deleted = await t.client.delete(`${LIST}${flow.slug}/`);
    assert.equal(deleted.status, 204);
    assert.equal(deleted.text, '');
    assert.equal((await t.client.get(`${LIST}${flow.slug}/`)).status, 404);
    assert.equal((await t.client.get(`/api/v3/flows/bindings/${b1.pk}/`)).status, 404);
    assert.equal((await t.client.get(`/api/v3/flows/bindings/${b2.pk}/`)).status, 404);
    const survivor = await t.client.get(`/api/v3/stages/invitation/stages/${stage.pk}/`);
    assert.equal(survivor.status, 200);
    assert.deepEqual(survivor.body.flow_set, []);
    assert.deepEqual((await t.client.get(`${LIST}${unique('nope')}/used_by/`)).body, {
      detail: 'No Flow matches the given query.',
    });
    assert.equal((await t.client.delete(`${LIST}${flow.slug}/`)).status, 404);
  });

  test('every change is in the audit log', async () => {
    const flow = await createFlow(t);
    await t.client.patch(`${LIST}${flow.slug}/`, { title: 'changed' });
    await t.client.delete(`${LIST}${flow.slug}/`);
    const { query } = await import('../../src/db/client.js');
    const { sql } = await import('drizzle-orm');
    const rows = await query<{ action: string; model: Record<string, string> }>(
      t.database.db,
      sql`SELECT action, context->'model' AS model FROM events
          WHERE context->'model'->>'pk' = ${flow.pk.replace(/-/g, '')} ORDER BY created`,
    );
    assert.deepEqual(
      rows.map((r) => r.action),
      ['model_created', 'model_updated', 'model_deleted'],
    );
    assert.deepEqual(rows[0].model, {
      app: 'authentik_flows',
      model_name: 'flow',
      pk: flow.pk.replace(/-/g, ''),
      name: flow.name,
    });
  });
});

describe('flows: permissions', () => {
  test('no view permission: 403 on list and detail; anonymous: 403', async () => {
    const user = await createUserWithToken(t);
    const client = t.client.as(user.token);
    const flow = await createFlow(t);
    const denied = { detail: 'You do not have permission to perform this action.' };
    assert.deepEqual((await client.get(LIST)).body, denied);
    assert.deepEqual((await client.get(`${LIST}${flow.slug}/`)).body, denied);
    assert.deepEqual((await client.get(`${LIST}${flow.slug}/used_by/`)).body, denied);
    assert.deepEqual((await t.client.as(null).get(`${LIST}${flow.slug}/`)).body, {
      detail: 'Authentication credentials were not provided.',
    });
  });

  test('object-level view: only granted flows; writes need change/delete; create needs global add', async () => {
    const user = await createUserWithToken(t);
    const client = t.client.as(user.token);
    const visible = await createFlow(t);
    const hidden = await createFlow(t);
    await grantPermission(t, user, 'authentik_flows.view_flow', visible.pk);
    assert.deepEqual(slugs((await client.get(LIST)).body), [visible.slug]);
    assert.equal(
      (await client.get(`${LIST}${hidden.slug}/`)).body.detail,
      'No Flow matches the given query.',
    );
    const patch = await client.patch(`${LIST}${visible.slug}/`, { title: 'x' });
    assert.equal(patch.status, 403);
    assert.equal((await client.delete(`${LIST}${visible.slug}/`)).status, 403);
    assert.equal((await client.patch(`${LIST}${hidden.slug}/`, { title: 'x' })).status, 404);
    const body = { name: 'x', slug: unique('x'), title: 'x', designation: 'enrollment' };
    assert.equal((await client.post(LIST, body)).status, 403);
    // A list POST checks the add permission before the body: an invalid body is still a 403.
    assert.equal((await client.post(LIST, {})).status, 403);

    await grantPermission(t, user, 'authentik_flows.change_flow', visible.pk);
    assert.equal((await client.patch(`${LIST}${visible.slug}/`, { title: 'x' })).status, 200);
    await grantPermission(t, user, 'authentik_flows.delete_flow', visible.pk);
    assert.equal((await client.delete(`${LIST}${visible.slug}/`)).status, 204);
    await grantPermission(t, user, 'authentik_flows.add_flow');
    assert.equal((await client.post(LIST, body)).status, 201);
    // A global view grant shows every flow.
    await grantPermission(t, user, 'authentik_flows.view_flow');
    const all = await client.get(`${LIST}?slug=${hidden.slug}`);
    assert.deepEqual(slugs(all.body), [hidden.slug]);
  });

  test('used_by shows only what the caller may view', async () => {
    const user = await createUserWithToken(t);
    const client = t.client.as(user.token);
    const flow = await createFlow(t);
    const stage = await createInvitationStage(t);
    const binding = await bindStage(t, flow.pk, stage.pk);
    await grantPermission(t, user, 'authentik_flows.view_flow', flow.pk);
    assert.deepEqual((await client.get(`${LIST}${flow.slug}/used_by/`)).body, []);
    await grantPermission(t, user, 'authentik_flows.view_flowstagebinding', binding.pk);
    assert.deepEqual(
      (await client.get(`${LIST}${flow.slug}/used_by/`)).body.map((u: { pk: string }) => u.pk),
      [binding.pk],
    );
  });
});
