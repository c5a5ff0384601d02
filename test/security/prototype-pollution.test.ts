/**
 * Issue 13, item 1: an invitation's fixed_data must not reach `Object.prototype`. The attack
 * seen: fixed_data `attributes.__proto__.grants` set a `grants` property on every object at
 * enrollment, and every non-superuser then read it as their permissions (a user holding only
 * `add_invitation` read the bootstrap token's key).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { query } from '../../src/db/client.js';
import { deepMerge, detachedJson, setPath } from '../../src/api/safe-objects.js';
import { mergeGroupAttributes } from '../../src/core/users/group-attributes.js';
import { createActor } from '../../src/api/context.js';
import { BOOTSTRAP_TOKEN_IDENTIFIER } from '../../src/core/bootstrap/bootstrap.service.js';
import { buildTestApp } from '../helpers/test-app.js';
import { createUserWithToken, grantPermission, insertInvitation, unique } from '../helpers/factories.js';
import { answers, buildEnrollmentFlow } from '../helpers/enrollment.js';
import { FlowBrowser } from '../helpers/flow-client.js';

const t = await buildTestApp();
const INVITATIONS = '/api/v3/stages/invitation/invitations/';
const STOLEN_GRANTS = [{ permission: 'authentik_core.view_token_key', objectPk: null }];

function prototypeKeys(): string[] {
  return Reflect.ownKeys(Object.prototype).map(String);
}

async function usersNamed(username: string) {
  return query<{ id: number; attributes: Record<string, unknown> }>(
    t.database.db,
    sql`SELECT id, attributes FROM users WHERE username = ${username}`,
  );
}

describe('prototype pollution through fixed_data', () => {
  for (const key of [
    'attributes.__proto__.grants',
    'attributes_constructor_prototype_grants',
    'attributes.constructor.prototype.grants',
  ]) {
    test(`a stored invitation with "${key}" enrolls nobody and leaves Object.prototype alone`, async () => {
      const before = prototypeKeys();
      const attacker = await createUserWithToken(t);
      await grantPermission(t, attacker, 'authentik_stages_invitation.add_invitation');
      const e = await buildEnrollmentFlow(t);
      // Written straight to the table: the API refuses such fixed_data (tested below), but a row
      // written before that check, or by a future import, must still be harmless.
      const invitation = await insertInvitation(t, {
        flow: e.flow.pk,
        fixed_data: { [key]: STOLEN_GRANTS },
      });
      const browser = new FlowBrowser(t.app);
      const query = `itoken=${invitation.pk}`;
      await browser.get(e.flow.slug, query);
      const username = unique('polluter');
      const answer = await browser.post(e.flow.slug, answers(username), query);

      assert.deepEqual(prototypeKeys(), before);
      assert.equal(answer.body.component, 'ak-stage-access-denied');
      assert.equal((await usersNamed(username)).length, 0, 'no user is written');
      const stolen = await t.client.get(`/api/v3/core/tokens/${BOOTSTRAP_TOKEN_IDENTIFIER}/view_key/`, {
        token: attacker.token,
      });
      assert.notEqual(stolen.status, 200);
    });
  }

  test('the invitations API refuses fixed_data keys that name a prototype, and stores nothing', async () => {
    const e = await buildEnrollmentFlow(t);
    for (const fixedData of [
      { 'attributes.__proto__.grants': STOLEN_GRANTS },
      { attributes_constructor_prototype_x: 1 },
      { attributes: { nested: { constructor: { prototype: { x: 1 } } } } },
    ]) {
      const name = unique('hostile');
      const response = await t.client.post(INVITATIONS, { name, flow: e.flow.pk, fixed_data: fixedData });
      // Either the body parser (a nested `constructor.prototype`) or the field check refuses it.
      assert.equal(response.status, 400, JSON.stringify(fixedData));
      assert.ok(response.body.fixed_data || response.body.detail, JSON.stringify(response.body));
      const rows = await query(t.database.db, sql`SELECT 1 FROM invitations WHERE name = ${name}`);
      assert.equal(rows.length, 0);
    }
    const existing = await t.client.post(INVITATIONS, { name: unique('kind'), flow: e.flow.pk });
    const patched = await t.client.patch(`${INVITATIONS}${existing.body.pk}/`, {
      fixed_data: { 'attributes.__proto__.isAdmin': true },
    });
    assert.equal(patched.status, 400);
    const stored = await t.client.get(`${INVITATIONS}${existing.body.pk}/`);
    assert.deepEqual(stored.body.fixed_data, {});
  });

  test('a JSON body with a __proto__ key is refused with 400 before any view reads it', async () => {
    const name = unique('proto-body');
    const response = await t.client.request('POST', INVITATIONS, {
      raw: `{"name": "${name}", "fixed_data": {"__proto__": {"grants": 1}}}`,
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(response.status, 400);
    assert.match(response.body.detail, /^JSON parse error/);
    const rows = await query(t.database.db, sql`SELECT 1 FROM invitations WHERE name = ${name}`);
    assert.equal(rows.length, 0);
  });

  test('ordinary dotted attributes still enroll', async () => {
    const e = await buildEnrollmentFlow(t);
    const invitation = await insertInvitation(t, {
      flow: e.flow.pk,
      fixed_data: { 'attributes.team.name': 'blue', attributes_plan: 'gold' },
    });
    const browser = new FlowBrowser(t.app);
    const q = `itoken=${invitation.pk}`;
    await browser.get(e.flow.slug, q);
    const username = unique('kind');
    await browser.post(e.flow.slug, answers(username), q);
    const [user] = await usersNamed(username);
    assert.deepEqual(user.attributes, { team: { name: 'blue' }, plan: 'gold' });
  });
});

describe('objects that carry authority inherit from nothing', () => {
  test('an actor reads no grants, flag or session from a polluted Object.prototype', () => {
    const user = {
      id: 1,
      uuid: 'u',
      username: 'u',
      name: 'u',
      email: '',
      is_active: true,
      is_superuser: false,
    };
    const actor = createActor(user, 'token');
    const proto = Object.prototype as Record<string, unknown>;
    try {
      proto.grants = STOLEN_GRANTS;
      proto.sessionKey = 'stolen';
      assert.equal(actor.grants, undefined);
      assert.equal(actor.sessionKey, undefined);
      assert.equal(Object.getPrototypeOf(actor), null);
      assert.equal(Object.getPrototypeOf(actor.user), null);
    } finally {
      delete proto.grants;
      delete proto.sessionKey;
    }
  });
});

describe('path and merge helpers never write through a prototype (property tests)', () => {
  const hostileSegment = fc.constantFrom('__proto__', 'constructor', 'prototype');
  const segment = fc.oneof(fc.string({ maxLength: 6 }), hostileSegment);

  test('setPath writes nothing outside its target for any path', () => {
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 5 }), fc.jsonValue(), (path, value) => {
        const before = prototypeKeys();
        const target: Record<string, unknown> = {};
        const written = setPath(target, path, value);
        assert.deepEqual(prototypeKeys(), before);
        const hostile = path.some((s) => s === '__proto__' || s === 'constructor' || s === 'prototype');
        assert.equal(written, !hostile);
        if (!written) assert.deepEqual(Object.keys(target), []);
      }),
      { seed: 13, numRuns: 500 },
    );
  });

  test('deepMerge and the group-attribute merge drop prototype keys at any depth', () => {
    const hostileJson = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        fc.jsonValue({ maxDepth: 1 }),
        fc.dictionary(fc.oneof(fc.string({ maxLength: 4 }), hostileSegment), tie('node'), { maxKeys: 3 }),
      ),
    })).node;
    fc.assert(
      fc.property(hostileJson, hostileJson, (a, b) => {
        const before = prototypeKeys();
        // JSON.parse gives `__proto__` keys as own data, as a request body or a JSON column would.
        const parsedA = JSON.parse(JSON.stringify(a) ?? 'null') as unknown;
        const parsedB = JSON.parse(JSON.stringify(b) ?? 'null') as unknown;
        const merged = deepMerge(parsedA, parsedB);
        mergeGroupAttributes([{ attributes: detachedJson(parsedA) as Record<string, unknown> }], {});
        assert.deepEqual(prototypeKeys(), before);
        const stack = [merged];
        while (stack.length > 0) {
          const node = stack.pop();
          if (node && typeof node === 'object' && !Array.isArray(node)) {
            assert.equal(Object.hasOwn(node, '__proto__'), false);
            assert.equal(Object.getPrototypeOf(node), Object.prototype);
            stack.push(...Object.values(node));
          }
        }
      }),
      { seed: 13, numRuns: 500 },
    );
  });
});
