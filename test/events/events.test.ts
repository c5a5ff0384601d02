import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { query } from '../../src/db/client.js';
import { maskInvitationToken } from '../../src/events/invitation-token.js';
import { buildTestApp } from '../helpers/test-app.js';
import { statementCount } from '../helpers/database.js';
import { createFlow, createUserWithToken, grantPermission, unique } from '../helpers/factories.js';

const t = await buildTestApp({ AUTHENTIK_BOOTSTRAP_EMAIL: 'admin@example.com' });
const LIST = '/api/v3/events/events/';

interface Seed {
  action?: string;
  app?: string;
  user?: Record<string, unknown>;
  context?: Record<string, unknown>;
  clientIp?: string | null;
  brand?: Record<string, unknown>;
  /** Seconds from now. */
  created?: number;
  expires?: number;
}

/** Inserts one event directly (as the flow executor and other writers would) and returns its pk. */
async function seed(event: Seed): Promise<string> {
  const rows = await query<{ event_uuid: string }>(
    t.database.db,
    sql`INSERT INTO events (action, app, "user", context, client_ip, brand, created, expires)
        VALUES (${event.action ?? 'update_available'}, ${event.app ?? 'tests'},
                ${JSON.stringify(event.user ?? { username: 'seed', pk: 0, email: '' })}::jsonb,
                ${JSON.stringify(event.context ?? {})}::jsonb, ${event.clientIp ?? null},
                ${JSON.stringify(event.brand ?? {})}::jsonb,
                now() + make_interval(secs => ${event.created ?? 0}),
                now() + make_interval(secs => ${event.expires ?? 86400}))
        RETURNING event_uuid`,
  );
  return rows[0].event_uuid;
}

const pks = (body: { results: { pk: string }[] }) => body.results.map((r) => r.pk);

async function listed(q: string, client = t.client): Promise<string[]> {
  const response = await client.get(`${LIST}?${q}`);
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return pks(response.body);
}

describe('events: list and retrieve', () => {
  test('authentik’s Event shape, newest first, and the same object from retrieve', async () => {
    const tag = unique('shape');
    const older = await seed({ app: tag, created: -60, clientIp: '192.0.2.1', context: { a: 1 } });
    const newer = await seed({ app: tag, action: 'login', brand: { name: 'Main' } });
    const response = await t.client.get(`${LIST}?search=${tag}`);
    assert.equal(response.status, 200);
    assert.deepEqual(Object.keys(response.body), ['pagination', 'results', 'autocomplete']);
    assert.deepEqual(pks(response.body), [newer, older]);
    const item = response.body.results[1];
    assert.deepEqual(Object.keys(item), [
      'pk',
      'user',
      'action',
      'app',
      'context',
      'client_ip',
      'created',
      'expires',
      'brand',
    ]);
    assert.equal(item.client_ip, '192.0.2.1');
    assert.deepEqual(item.context, { a: 1 });
    assert.deepEqual(item.user, { username: 'seed', pk: 0, email: '' });
    assert.match(item.created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z$/);
    const fetched = await t.client.get(`${LIST}${older}/`);
    assert.equal(fetched.status, 200);
    assert.deepEqual(fetched.body, item);
  });

  test('unknown and malformed ids', async () => {
    const missing = await t.client.get(`${LIST}6d6f2f0e-1a2b-4c3d-8e9f-001122334455/`);
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.body, { detail: 'No Event matches the given query.' });
    const malformed = await t.client.get(`${LIST}nope/`);
    assert.equal(malformed.status, 404);
    assert.deepEqual(malformed.body, { detail: 'Not found.' });
  });

  test('API changes show up as model events', async () => {
    const flow = await createFlow(t);
    const hex = flow.pk.replace(/-/g, '');
    const body = (await t.client.get(`${LIST}?context_model_pk=${flow.pk}&context_model_app=authentik_flows`))
      .body;
    assert.equal(body.results.length, 1);
    assert.equal(body.results[0].action, 'model_created');
    assert.equal(body.results[0].context.model.pk, hex);
    assert.equal(body.results[0].user.username, 'akadmin');
  });
});

describe('events: filters', () => {
  test('action (case-insensitive substring) and actions (any of)', async () => {
    const tag = unique('act');
    const login = await seed({ app: tag, action: 'login' });
    const failed = await seed({ app: tag, action: 'login_failed', created: -1 });
    const sent = await seed({ app: tag, action: 'email_sent', created: -2 });
    assert.deepEqual(await listed(`search=${tag}&action=LOGIN`), [login, failed]);
    assert.deepEqual(await listed(`search=${tag}&action=_fail`), [failed]);
    assert.deepEqual(await listed(`search=${tag}&actions=login&actions=email_sent`), [login, sent]);
    const bad = await t.client.get(`${LIST}?actions=login&actions=nope`);
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body, {
      actions: ['Select a valid choice. nope is not one of the available choices.'],
    });
  });

  test('client_ip, username (event user or context), brand_name', async () => {
    const tag = unique('who');
    const byUser = await seed({ app: tag, user: { username: `${tag}-u`, pk: 5 }, clientIp: '198.51.100.7' });
    const byContext = await seed({ app: tag, context: { username: `${tag}-u` }, created: -1 });
    const branded = await seed({ app: tag, brand: { name: `${tag}-brand`, pk: 'x' }, created: -2 });
    assert.deepEqual(await listed(`search=${tag}&client_ip=198.51.100.7`), [byUser]);
    assert.deepEqual(await listed(`search=${tag}&username=${tag}-u`), [byUser, byContext]);
    assert.deepEqual(await listed(`search=${tag}&brand_name=${tag}-brand`), [branded]);
    assert.deepEqual(await listed(`search=${tag}&brand_name=${tag}`), []);
  });

  test('context_model_pk (dashes removed, numbers), context_model_app, context_model_name', async () => {
    const tag = unique('model');
    const uuid = '0b8e2c3e-5f0a-4d8e-9c1b-7a6d5e4f3c2b';
    const byUuid = await seed({
      app: tag,
      context: {
        model: { app: 'authentik_flows', model_name: 'flow', pk: uuid.replace(/-/g, ''), name: 'F' },
      },
    });
    const byInt = await seed({
      app: tag,
      context: { model: { app: 'authentik_core', model_name: 'user', pk: 42, name: 'u' } },
      created: -1,
    });
    assert.deepEqual(await listed(`search=${tag}&context_model_pk=${uuid}`), [byUuid]);
    assert.deepEqual(await listed(`search=${tag}&context_model_pk=${uuid.replace(/-/g, '')}`), [byUuid]);
    assert.deepEqual(await listed(`search=${tag}&context_model_pk=42`), [byInt]);
    assert.deepEqual(await listed(`search=${tag}&context_model_app=authentik_core`), [byInt]);
    assert.deepEqual(await listed(`search=${tag}&context_model_name=flow`), [byUuid]);
    assert.deepEqual(
      await listed(`search=${tag}&context_model_name=flow&context_model_app=authentik_core`),
      [],
    );
  });

  test('a filter 400 names its fields in the order the list reads them', async () => {
    const response = await t.client.get(
      `${LIST}?created__lt=x&actions=bogus&action=%00&context_model_pk=%00&search=a`,
    );
    assert.equal(response.status, 400);
    assert.equal(
      response.text,
      JSON.stringify({
        context_model_pk: ['Null characters are not allowed.'],
        action: ['Null characters are not allowed.'],
        actions: ['Select a valid choice. bogus is not one of the available choices.'],
        created__lt: ['Enter a valid date/time.'],
      }),
    );
  });

  test('an invitation’s history is found by its full pk although the events hold it masked', async () => {
    const flow = await createFlow(t);
    const created = await t.client.post('/api/v3/stages/invitation/invitations/', {
      name: unique('hist'),
      flow: flow.pk,
    });
    assert.equal(created.status, 201);
    const pk = created.body.pk;
    await t.client.patch(`/api/v3/stages/invitation/invitations/${pk}/`, { single_use: true });
    const body = (
      await t.client.get(
        `${LIST}?context_model_pk=${pk}&context_model_app=authentik_stages_invitation&context_model_name=invitation`,
      )
    ).body;
    assert.deepEqual(
      body.results.map((r: { action: string }) => r.action),
      ['model_updated', 'model_created'],
    );
    for (const event of body.results) assert.equal(event.context.model.pk, maskInvitationToken(pk));
  });

  test('context_authorized_app and context_device', async () => {
    const tag = unique('ctx');
    const app = await seed({ app: tag, context: { authorized_application: { pk: 'app-1', name: 'A' } } });
    const device = await seed({ app: tag, context: { device: { pk: 'dev-1' } }, created: -1 });
    assert.deepEqual(await listed(`search=${tag}&context_authorized_app=app-1`), [app]);
    assert.deepEqual(await listed(`search=${tag}&context_device=dev-1`), [device]);
  });

  test('created__gte and created__lt (Tessera, for the admin date range)', async () => {
    const tag = unique('dated');
    const old = await seed({ app: tag, created: -3 * 86400 });
    const recent = await seed({ app: tag, created: -3600 });
    const dayAgo = new Date(Date.now() - 86400_000).toISOString();
    assert.deepEqual(await listed(`search=${tag}&created__gte=${dayAgo}`), [recent]);
    assert.deepEqual(await listed(`search=${tag}&created__lt=${dayAgo}`), [old]);
    const response = await t.client.get(`${LIST}?created__gte=yesterday`);
    assert.equal(response.status, 400);
    assert.deepEqual(response.body, { created__gte: ['Enter a valid date/time.'] });
  });

  test('values with a NUL character are a 400 for their filter', async () => {
    const response = await t.client.get(`${LIST}?username=a%00b`);
    assert.equal(response.status, 400);
    assert.deepEqual(response.body, { username: ['Null characters are not allowed.'] });
  });
});

describe('events: search, ordering, pagination', () => {
  test('search covers the pk, user, action, app, context and client IP; terms are AND-ed', async () => {
    const tag = unique('find');
    const inContext = await seed({ context: { note: `${tag}-Context` } });
    const inUser = await seed({ user: { username: `${tag}-person` }, created: -1 });
    const inIp = await seed({ app: tag, clientIp: '203.0.113.99', created: -2 });
    assert.deepEqual(await listed(`search=${tag}-context`), [inContext]);
    assert.deepEqual(await listed(`search=${tag}-PERSON`), [inUser]);
    assert.deepEqual(await listed(`search=${tag} 203.0.113.99`), [inIp]);
    assert.deepEqual(await listed(`search=${inIp.slice(0, 13)}`), [inIp]);
  });

  test('ordering by any serializer field, default -created', async () => {
    const tag = unique('sort');
    const b = await seed({ app: tag, action: 'logout', created: -10 });
    const a = await seed({ app: tag, action: 'login', created: -5 });
    const c = await seed({ app: tag, action: 'model_created', created: -20 });
    assert.deepEqual(await listed(`search=${tag}`), [a, b, c]);
    assert.deepEqual(await listed(`search=${tag}&ordering=created`), [c, b, a]);
    assert.deepEqual(await listed(`search=${tag}&ordering=action`), [a, b, c]);
    assert.deepEqual(await listed(`search=${tag}&ordering=-action`), [c, b, a]);
    assert.deepEqual(await listed(`search=${tag}&ordering=bogus`), [a, b, c]);
  });

  test('pagination and a fixed number of statements per list', async () => {
    const tag = unique('pg');
    for (let i = 0; i < 7; i += 1) await seed({ app: tag, created: -i });
    const page = await t.client.get(`${LIST}?search=${tag}&page=2&page_size=3`);
    assert.deepEqual(page.body.pagination, {
      next: 3,
      previous: 1,
      count: 7,
      current: 2,
      total_pages: 3,
      start_index: 4,
      end_index: 6,
    });
    const statements = async (pageSize: number) => {
      const before = statementCount(t.database);
      await t.client.get(`${LIST}?search=${tag}&page_size=${pageSize}&username=seed&context_model_pk=1`);
      return statementCount(t.database) - before;
    };
    assert.equal(await statements(1), await statements(7));
  });
});

describe('events: permissions', () => {
  test('view_event globally, on single events, or not at all', async () => {
    const tag = unique('perm');
    const visible = await seed({ app: tag });
    const hidden = await seed({ app: tag, created: -1 });
    const user = await createUserWithToken(t);
    const client = t.client.as(user.token);
    const denied = await client.get(LIST);
    assert.equal(denied.status, 403);
    assert.deepEqual(denied.body, { detail: 'You do not have permission to perform this action.' });
    assert.equal((await client.get(`${LIST}${visible}/`)).status, 403);

    await grantPermission(t, user, 'authentik_events.view_event', visible);
    assert.deepEqual(await listed(`search=${tag}`, client), [visible]);
    assert.equal((await client.get(`${LIST}${visible}/`)).status, 200);
    assert.equal((await client.get(`${LIST}${hidden}/`)).status, 404);

    await grantPermission(t, user, 'authentik_events.view_event');
    assert.deepEqual(await listed(`search=${tag}`, client), [visible, hidden]);
  });

  test('writes are not served', async () => {
    const event = await seed({});
    const put = await t.client.request('DELETE', `${LIST}${event}/`);
    assert.equal(put.status, 405);
    assert.deepEqual(put.body, { detail: 'Method "DELETE" not allowed.' });
  });
});

describe('events: actions', () => {
  test('every EventAction with its label', async () => {
    const user = await createUserWithToken(t);
    const response = await t.client.as(user.token).get(`${LIST}actions/`);
    assert.equal(response.status, 200);
    const body = response.body;
    assert.equal(body.length, 38);
    assert.deepEqual(body[0], { name: 'Login', description: '', component: 'login', model_name: '' });
    const byValue = Object.fromEntries(
      body.map((item: { component: string; name: string }) => [item.component, item.name]),
    );
    assert.equal(byValue.invitation_used, 'Invite Used');
    assert.equal(byValue.model_created, 'Model Created');
    assert.equal(byValue.custom_, 'Custom Prefix');
  });
});

describe('events: cleanup task', () => {
  test('removes events past their retention, keeps the rest', async () => {
    const tag = unique('old');
    const expired = await seed({ app: tag, created: -100, expires: -10 });
    const kept = await seed({ app: tag, created: -50 });
    await t.app.runTask('clean_expired_events');
    assert.deepEqual(await listed(`search=${tag}`), [kept]);
    assert.equal((await t.client.get(`${LIST}${expired}/`)).status, 404);
  });
});
