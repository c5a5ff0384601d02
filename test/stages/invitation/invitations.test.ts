import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { query } from '../../../src/db/client.js';
import { userUid } from '../../../src/core/users/partial-user.schema.js';
import { maskInvitationToken, maskInvitationTokenIn } from '../../../src/events/invitation-token.js';
import { buildTestApp } from '../../helpers/test-app.js';
import { statementCount } from '../../helpers/database.js';
import { createFlow, createUserWithToken, grantPermission, unique } from '../../helpers/factories.js';

// The admin needs an email address: PartialUser.email is `format: email` in authentik's schema.
const t = await buildTestApp({ AUTHENTIK_BOOTSTRAP_EMAIL: 'admin@example.com' });
const LIST = '/api/v3/stages/invitation/invitations/';
const DAY = 86400 * 1000;

async function createInvitation(overrides: Record<string, unknown> = {}, client = t.client) {
  const flow = 'flow' in overrides ? undefined : (await createFlow(t)).pk;
  const response = await client.post(LIST, { name: unique('inv'), flow, ...overrides });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return response.body;
}

async function invitationRows(name: string) {
  return query<{ invite_uuid: string }>(
    t.database.db,
    sql`SELECT invite_uuid FROM invitations WHERE name = ${name}`,
  );
}

const names = (body: { results: { name: string }[] }) => body.results.map((r) => r.name);

describe('invitations: create, retrieve, update, delete', () => {
  test('create answers authentik’s Invitation shape, then the Tessera extensions', async () => {
    const flow = await createFlow(t);
    const response = await t.client.post(LIST, {
      name: unique('onboard'),
      expires: '2031-09-30T12:00:00Z',
      fixed_data: { email: 'jane@example.com', attributes: { department: 'eng' } },
      single_use: true,
      flow: flow.pk,
    });
    assert.equal(response.status, 201);
    const body = response.body;
    assert.deepEqual(Object.keys(body), [
      'pk',
      'name',
      'expires',
      'fixed_data',
      'created_by',
      'single_use',
      'flow',
      'flow_obj',
      'max_uses',
      'uses',
      'status',
      'revoked_at',
      'revoked_by',
      'groups',
      'groups_obj',
      'roles',
      'roles_obj',
      'email',
      'email_domains',
    ]);
    assert.match(body.pk, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(body.expires, '2031-09-30T12:00:00Z');
    assert.deepEqual(body.fixed_data, { email: 'jane@example.com', attributes: { department: 'eng' } });
    assert.equal(body.single_use, true);
    assert.equal(body.flow, flow.pk);
    assert.equal(body.max_uses, null);
    assert.equal(body.uses, 0);
    assert.equal(body.status, 'active');
    assert.equal(body.revoked_at, null);
    assert.equal(body.revoked_by, null);
    assert.deepEqual(Object.keys(body.created_by), [
      'pk',
      'username',
      'name',
      'is_active',
      'last_login',
      'email',
      'attributes',
      'uid',
    ]);
    assert.equal(body.created_by.username, 'akadmin');
    assert.equal(body.created_by.email, 'admin@example.com');
    assert.equal(body.created_by.uid, userUid(t.app.installId, body.created_by.pk));
    assert.equal(body.flow_obj.pk, flow.pk);
    assert.equal(body.flow_obj.slug, flow.slug);
    assert.equal(body.flow_obj.export_url, `/api/v3/flows/instances/${flow.slug}/export/`);

    const fetched = await t.client.get(`${LIST}${body.pk}/`);
    assert.equal(fetched.status, 200);
    assert.deepEqual(fetched.body, body);
  });

  test('without a flow, flow_obj is null (authentik’s schema calls it required; authentik sends null)', async () => {
    const name = unique('noflow');
    const created = await t.client.post(LIST, { name, flow: null });
    assert.equal(created.status, 201);
    assert.equal(created.body.flow, null);
    assert.equal(created.body.flow_obj, null);
    const fetched = await t.client.get(`${LIST}${created.body.pk}/`);
    assert.equal(fetched.body.flow_obj, null);
  });

  test('an absent or null expiry becomes now + the default token duration (days=1)', async () => {
    const before = Date.now();
    const absent = await createInvitation();
    const nulled = await createInvitation({ expires: null });
    const after = Date.now();
    for (const invitation of [absent, nulled]) {
      const expires = Date.parse(invitation.expires);
      assert.ok(expires >= before + DAY - 1000 && expires <= after + DAY + 1000, invitation.expires);
    }
  });

  test('an expiry in the past is accepted, and microseconds survive', async () => {
    const past = await createInvitation({ expires: '2020-01-02T03:04:05.123456Z' });
    assert.equal(past.expires, '2020-01-02T03:04:05.123456Z');
    const offset = await createInvitation({ expires: '2031-01-02T05:04:05+02:00' });
    assert.equal(offset.expires, '2031-01-02T03:04:05Z');
  });

  test('PUT changes what is sent, keeps the rest, and a null expiry resets it', async () => {
    const invitation = await createInvitation({ expires: '2031-05-06T07:08:09Z', fixed_data: { a: 1 } });
    const renamed = unique('renamed');
    const put = await t.client.put(`${LIST}${invitation.pk}/`, { name: renamed });
    assert.equal(put.status, 200);
    assert.equal(put.body.name, renamed);
    assert.equal(put.body.expires, '2031-05-06T07:08:09Z');
    assert.deepEqual(put.body.fixed_data, { a: 1 });
    assert.equal(put.body.flow, invitation.flow);
    assert.equal(put.body.created_by.pk, invitation.created_by.pk);

    const before = Date.now();
    const reset = await t.client.put(`${LIST}${invitation.pk}/`, { name: renamed, expires: null });
    assert.equal(reset.status, 200);
    assert.ok(Date.parse(reset.body.expires) >= before + DAY - 1000);

    const missing = await t.client.put(`${LIST}${invitation.pk}/`, { fixed_data: {} });
    assert.equal(missing.status, 400);
    assert.deepEqual(missing.body, { name: ['This field is required.'] });
  });

  test('PATCH changes single fields, including the max_uses extension and the flow', async () => {
    const invitation = await createInvitation();
    const patched = await t.client.patch(`${LIST}${invitation.pk}/`, {
      fixed_data: { email: 'x@example.com' },
      max_uses: 3,
      single_use: true,
    });
    assert.equal(patched.status, 200);
    assert.deepEqual(patched.body.fixed_data, { email: 'x@example.com' });
    assert.equal(patched.body.max_uses, 3);
    assert.equal(patched.body.single_use, true);
    assert.equal(patched.body.name, invitation.name);
    assert.equal(patched.body.expires, invitation.expires);

    const other = await createFlow(t);
    const moved = await t.client.patch(`${LIST}${invitation.pk}/`, { flow: other.pk, max_uses: null });
    assert.equal(moved.body.flow, other.pk);
    assert.equal(moved.body.flow_obj.slug, other.slug);
    assert.equal(moved.body.max_uses, null);

    const readOnly = await t.client.patch(`${LIST}${invitation.pk}/`, { uses: 99, created_by: 12345 });
    assert.equal(readOnly.status, 200);
    assert.equal(readOnly.body.uses, 0);
    assert.equal(readOnly.body.created_by.pk, invitation.created_by.pk);
  });

  test('DELETE removes it; used_by is always empty', async () => {
    const invitation = await createInvitation();
    const usedBy = await t.client.get(`${LIST}${invitation.pk}/used_by/`);
    assert.equal(usedBy.status, 200);
    assert.deepEqual(usedBy.body, []);
    const deleted = await t.client.delete(`${LIST}${invitation.pk}/`);
    assert.equal(deleted.status, 204);
    assert.equal(deleted.text, '');
    const gone = await t.client.get(`${LIST}${invitation.pk}/`);
    assert.equal(gone.status, 404);
    assert.deepEqual(gone.body, { detail: 'No Invitation matches the given query.' });
    const malformed = await t.client.get(`${LIST}not-a-uuid/`);
    assert.equal(malformed.status, 404);
    assert.deepEqual(malformed.body, { detail: 'Not found.' });
  });
});

describe('invitations: validation errors (DRF bodies, nothing stored)', () => {
  const cases: [string, Record<string, unknown>, Record<string, unknown>][] = [
    ['missing name', { name: undefined }, { name: ['This field is required.'] }],
    ['blank name', { name: '' }, { name: ['This field may not be blank.'] }],
    [
      'name not a slug',
      { name: 'not a slug!' },
      { name: ['Enter a valid “slug” consisting of letters, numbers, underscores or hyphens.'] },
    ],
    [
      'expiry not a datetime',
      { expires: 'tomorrow' },
      {
        expires: [
          'Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].',
        ],
      },
    ],
    [
      'fixed_data a list',
      { fixed_data: [1, 2] },
      { fixed_data: ['Value must be a dictionary, and not have any duplicate keys.'] },
    ],
    [
      'fixed_data a string',
      { fixed_data: 'email=x' },
      { fixed_data: ['Value must be a dictionary, and not have any duplicate keys.'] },
    ],
    ['flow not a UUID', { flow: 'nope' }, { flow: ['“nope” is not a valid UUID.'] }],
    ['max_uses zero', { max_uses: 0 }, { max_uses: ['Ensure this value is greater than or equal to 1.'] }],
    ['single_use not a boolean', { single_use: 'maybe' }, { single_use: ['Must be a valid boolean.'] }],
  ];
  for (const [what, body, expected] of cases) {
    test(what, async () => {
      const name = 'name' in body ? body.name : unique('bad');
      const response = await t.client.post(LIST, { name, ...body });
      assert.equal(response.status, 400);
      assert.deepEqual(response.body, expected);
      if (typeof name === 'string' && name) assert.deepEqual(await invitationRows(name), []);
    });
  }

  test('a flow that does not exist', async () => {
    const name = unique('ghost');
    const missing = '6d6f2f0e-1a2b-4c3d-8e9f-001122334455';
    const response = await t.client.post(LIST, { name, flow: missing });
    assert.equal(response.status, 400);
    assert.deepEqual(response.body, { flow: [`Invalid pk "${missing}" - object does not exist.`] });
    assert.deepEqual(await invitationRows(name), []);

    const invitation = await createInvitation();
    const patch = await t.client.patch(`${LIST}${invitation.pk}/`, { flow: missing });
    assert.equal(patch.status, 400);
    assert.deepEqual(patch.body, { flow: [`Invalid pk "${missing}" - object does not exist.`] });
    assert.equal((await t.client.get(`${LIST}${invitation.pk}/`)).body.flow, invitation.flow);
  });

  test('several fields at once are reported together; a non-object body is a non-field error', async () => {
    const response = await t.client.post(LIST, { name: 'a b', fixed_data: 1 });
    assert.deepEqual(response.body, {
      name: ['Enter a valid “slug” consisting of letters, numbers, underscores or hyphens.'],
      fixed_data: ['Value must be a dictionary, and not have any duplicate keys.'],
    });
    const list = await t.client.post(LIST, [1]);
    assert.deepEqual(list.body, { non_field_errors: ['Invalid data. Expected a dictionary, but got list.'] });
  });
});

describe('invitations: list filters, search, ordering, pagination', () => {
  test('filters: name, created_by__username, expires, flow__slug (exact)', async () => {
    const tag = unique('filt');
    const flow = await createFlow(t);
    const a = await createInvitation({ name: `${tag}-a`, expires: '2032-01-01T00:00:00Z', flow: flow.pk });
    const b = await createInvitation({ name: `${tag}-b`, expires: '2032-01-02T00:00:00.5Z' });
    const pks = async (q: string) =>
      (await t.client.get(`${LIST}?search=${tag}&${q}`)).body.results.map((r: { pk: string }) => r.pk);
    assert.deepEqual(await pks(`name=${tag}-a`), [a.pk]);
    assert.deepEqual(await pks(`name=${tag}`), []);
    assert.deepEqual(await pks(`flow__slug=${flow.slug}`), [a.pk]);
    assert.deepEqual(await pks('created_by__username=akadmin'), [b.pk, a.pk]);
    assert.deepEqual(await pks('created_by__username=nobody'), []);
    assert.deepEqual(await pks(`expires=${encodeURIComponent('2032-01-01T00:00:00Z')}`), [a.pk]);
    assert.deepEqual(await pks(`expires=${encodeURIComponent('2032-01-01T01:00:00+01:00')}`), [a.pk]);
    assert.deepEqual(await pks(`expires=${encodeURIComponent('2032-01-02T00:00:00.500000Z')}`), [b.pk]);

    const bad = await t.client.get(`${LIST}?expires=soon`);
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body, { expires: ['Enter a valid date/time.'] });
  });

  test('search: name, creator username, expiry as text and flow slug, terms AND-ed', async () => {
    const tag = unique('srch');
    const flow = await createFlow(t, { slug: `${tag}-slug` });
    const user = await createUserWithToken(t, { username: `${tag}-creator` });
    await grantPermission(t, user, 'authentik_stages_invitation.add_invitation');
    const byName = await createInvitation({ name: `${tag}-Alpha`, expires: '2033-03-04T05:06:07Z' });
    const byFlow = await createInvitation({ flow: flow.pk, expires: '2033-03-05T05:06:07Z' });
    const byUser = await createInvitation({ expires: '2033-03-06T05:06:07Z' }, t.client.as(user.token));
    const pks = async (search: string) =>
      (await t.client.get(`${LIST}?search=${encodeURIComponent(search)}`)).body.results.map(
        (r: { pk: string }) => r.pk,
      );
    assert.deepEqual(await pks(`${tag}-alpha`), [byName.pk]);
    assert.deepEqual(await pks(`${tag}-SLUG`), [byFlow.pk]);
    assert.deepEqual(await pks(`${tag}-creator`), [byUser.pk]);
    assert.deepEqual(await pks('2033-03-04 05:06'), [byName.pk]);
    assert.deepEqual(await pks(`${tag} 2033-03-05`), [byFlow.pk]);
    assert.deepEqual(await pks(`${tag} nothing-like-this`), []);
  });

  test('ordering: default -expires with a missing expiry first, as PostgreSQL sorts NULLs', async () => {
    const tag = unique('ord');
    const early = await createInvitation({ name: `${tag}-c`, expires: '2034-01-01T00:00:00Z' });
    const late = await createInvitation({ name: `${tag}-a`, expires: '2034-06-01T00:00:00Z' });
    const never = await createInvitation({ name: `${tag}-b`, expires: '2034-03-01T00:00:00Z' });
    await t.database.db.execute(sql`UPDATE invitations SET expires = NULL WHERE invite_uuid = ${never.pk}`);
    const order = async (ordering?: string) =>
      names((await t.client.get(`${LIST}?search=${tag}${ordering ? `&ordering=${ordering}` : ''}`)).body);
    assert.deepEqual(await order(), [never.name, late.name, early.name]);
    assert.deepEqual(await order('expires'), [early.name, late.name, never.name]);
    assert.deepEqual(await order('name'), [late.name, never.name, early.name]);
    assert.deepEqual(await order('-name'), [early.name, never.name, late.name]);
    assert.deepEqual(await order('nonsense'), [never.name, late.name, early.name]);
    assert.deepEqual(await order('nonsense,name'), [late.name, never.name, early.name]);
  });

  test('pagination envelope and page sizes', async () => {
    const tag = unique('page');
    for (let i = 0; i < 5; i += 1) await createInvitation({ name: `${tag}-${i}` });
    const page2 = await t.client.get(`${LIST}?search=${tag}&page=2&page_size=2&ordering=name`);
    assert.equal(page2.status, 200);
    assert.deepEqual(Object.keys(page2.body), ['pagination', 'results', 'autocomplete']);
    assert.deepEqual(page2.body.pagination, {
      next: 3,
      previous: 1,
      count: 5,
      current: 2,
      total_pages: 3,
      start_index: 3,
      end_index: 4,
    });
    assert.deepEqual(names(page2.body), [`${tag}-2`, `${tag}-3`]);
    const beyond = await t.client.get(`${LIST}?search=${tag}&page=4&page_size=2`);
    assert.equal(beyond.status, 404);
    assert.deepEqual(beyond.body, { detail: 'Invalid page.' });
  });

  test('expired invitations are still listed until the cleanup removes them', async () => {
    const expired = await createInvitation({ expires: '2001-01-01T00:00:00Z' });
    const body = (await t.client.get(`${LIST}?name=${expired.name}`)).body;
    assert.deepEqual(
      body.results.map((r: { pk: string }) => r.pk),
      [expired.pk],
    );
  });

  test('the list is a fixed number of statements, whatever the page holds', async () => {
    const tag = unique('stmt');
    for (let i = 0; i < 6; i += 1) await createInvitation({ name: `${tag}-${i}` });
    const count = async (pageSize: number) => {
      const before = statementCount(t.database);
      const response = await t.client.get(`${LIST}?search=${tag}&page_size=${pageSize}`);
      assert.equal(response.status, 200);
      return statementCount(t.database) - before;
    };
    // The creates above cleared the token cache; the first list looks the token up again.
    await count(1);
    assert.equal(await count(1), await count(6));
  });
});

describe('invitations: permissions', () => {
  test('nothing visible: list 403; create needs the global add permission', async () => {
    const user = await createUserWithToken(t);
    const client = t.client.as(user.token);
    const list = await client.get(LIST);
    assert.equal(list.status, 403);
    assert.deepEqual(list.body, { detail: 'You do not have permission to perform this action.' });
    const name = unique('denied');
    const create = await client.post(LIST, { name });
    assert.equal(create.status, 403);
    assert.deepEqual(await invitationRows(name), []);
  });

  test('created_by is the caller; object-level view shows only that invitation', async () => {
    const user = await createUserWithToken(t);
    await grantPermission(t, user, 'authentik_stages_invitation.add_invitation');
    const client = t.client.as(user.token);
    const own = await createInvitation({}, client);
    assert.equal(own.created_by.pk, user.id);
    assert.equal(own.created_by.username, user.username);

    const other = await createInvitation();
    const viewer = await createUserWithToken(t);
    await grantPermission(t, viewer, 'authentik_stages_invitation.view_invitation', own.pk);
    const viewerClient = t.client.as(viewer.token);
    const list = await viewerClient.get(LIST);
    assert.equal(list.status, 200);
    assert.deepEqual(
      list.body.results.map((r: { pk: string }) => r.pk),
      [own.pk],
    );
    assert.equal((await viewerClient.get(`${LIST}${own.pk}/`)).status, 200);
    const hidden = await viewerClient.get(`${LIST}${other.pk}/`);
    assert.equal(hidden.status, 404);
    assert.deepEqual(hidden.body, { detail: 'No Invitation matches the given query.' });
  });

  test('update needs change, delete needs delete (global or on the object)', async () => {
    const invitation = await createInvitation();
    const user = await createUserWithToken(t);
    await grantPermission(t, user, 'authentik_stages_invitation.view_invitation');
    const client = t.client.as(user.token);
    assert.equal((await client.patch(`${LIST}${invitation.pk}/`, { single_use: true })).status, 403);
    assert.equal((await client.delete(`${LIST}${invitation.pk}/`)).status, 403);
    await grantPermission(t, user, 'authentik_stages_invitation.change_invitation', invitation.pk);
    assert.equal((await client.patch(`${LIST}${invitation.pk}/`, { single_use: true })).status, 200);
    assert.equal((await client.delete(`${LIST}${invitation.pk}/`)).status, 403);
    await grantPermission(t, user, 'authentik_stages_invitation.delete_invitation', invitation.pk);
    assert.equal((await client.delete(`${LIST}${invitation.pk}/`)).status, 204);
  });
});

describe('invitations: audit events never hold the token', () => {
  test('model_created/updated/deleted carry the masked pk and name, and a masked request path', async () => {
    const invitation = await createInvitation();
    await t.client.patch(`${LIST}${invitation.pk}/?note=${invitation.pk}`, { single_use: true });
    await t.client.delete(`${LIST}${invitation.pk}/`);
    const masked = maskInvitationToken(invitation.pk);
    assert.equal(masked, `${invitation.pk.slice(0, 8)}${'*'.repeat(24)}`);
    const rows = await query<{ action: string; app: string; context: Record<string, any>; user: any }>(
      t.database.db,
      sql`SELECT action, app, context, "user" FROM events
          WHERE context -> 'model' ->> 'pk' = ${masked} ORDER BY created`,
    );
    assert.deepEqual(
      rows.map((r) => r.action),
      ['model_created', 'model_updated', 'model_deleted'],
    );
    for (const row of rows) {
      assert.deepEqual(row.context.model, {
        app: 'authentik_stages_invitation',
        model_name: 'invitation',
        pk: masked,
        name: invitation.name,
      });
      assert.equal(row.user.username, 'akadmin');
    }
    assert.equal(rows[1].context.http_request.path, `${LIST}${masked}/`);
    assert.equal(rows[1].context.http_request.method, 'PATCH');
    assert.deepEqual(rows[1].context.http_request.args, { note: masked });

    const hex = invitation.pk.replace(/-/g, '');
    const leaks = await query<{ n: string }>(
      t.database.db,
      sql`SELECT count(*) AS n FROM events
          WHERE position(${invitation.pk} in lower(context::text || "user"::text)) > 0
             OR position(${hex} in lower(context::text || "user"::text)) > 0`,
    );
    assert.equal(Number(leaks[0].n), 0);
  });
});

describe('invitations: cleanup task', () => {
  test('removes expired invitations only, without writing events', async () => {
    const expired = await createInvitation({ expires: '2002-02-02T00:00:00Z' });
    const current = await createInvitation({ expires: '2099-01-01T00:00:00Z' });
    await t.app.runTask('clean_expired_invitations');
    assert.equal((await t.client.get(`${LIST}${expired.pk}/`)).status, 404);
    assert.equal((await t.client.get(`${LIST}${current.pk}/`)).status, 200);
    const deletions = await query<{ n: string }>(
      t.database.db,
      sql`SELECT count(*) AS n FROM events
          WHERE action = 'model_deleted' AND context -> 'model' ->> 'pk' = ${maskInvitationToken(expired.pk)}`,
    );
    assert.equal(Number(deletions[0].n), 0);
  });
});

describe('maskInvitationToken', () => {
  test('keeps the first 8 hex digits of either form, in the 32-hex form events use', () => {
    const dashed = '0B8E2C3E-5F0A-4D8E-9C1B-7A6D5E4F3C2B';
    assert.equal(maskInvitationToken(dashed), `0b8e2c3e${'*'.repeat(24)}`);
    assert.equal(maskInvitationToken(dashed.replace(/-/g, '').toLowerCase()), `0b8e2c3e${'*'.repeat(24)}`);
    assert.equal(maskInvitationToken('short'), 'short');
    assert.equal(maskInvitationToken('not-a-uuid-but-long'), `notauuid${'*'.repeat(7)}`);
  });

  test('masks every occurrence in a text, dashed or not, any case', () => {
    const pk = '0b8e2c3e-5f0a-4d8e-9c1b-7a6d5e4f3c2b';
    const masked = `0b8e2c3e${'*'.repeat(24)}`;
    const text = `a ${pk} b ${pk.toUpperCase()} c ${pk.replace(/-/g, '')} d`;
    assert.equal(maskInvitationTokenIn(text, pk), `a ${masked} b ${masked} c ${masked} d`);
    assert.equal(maskInvitationTokenIn('nothing here', pk), 'nothing here');
  });
});
