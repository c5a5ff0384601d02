/**
 * Who may import, and what a hostile blueprint cannot do. authentik's import view needs
 * `add_blueprintinstance`, then add, change and delete permission on every model the blueprint
 * names (check_blueprint_perms); the entries then run through the API services, so their
 * privilege checks hold too. Uploaded blueprints may not read the server's environment.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildTestApp, type TestContext } from '../helpers/test-app.js';
import { createUserWithToken, grantPermission, unique, type TestUser } from '../helpers/factories.js';
import { importBlueprint, multipartBody, IMPORT_URL } from './blueprint-helpers.js';

const t: TestContext = await buildTestApp();

const ALL_ACTIONS = ['add', 'change', 'delete'];

async function userWith(permissions: string[]): Promise<TestUser> {
  const user = await createUserWithToken(t);
  for (const permission of permissions) await grantPermission(t, user, permission);
  return user;
}

function groupBlueprint(name: string, superuser = false): string {
  return `version: 1
entries:
  - model: authentik_core.group
    id: the-group
    identifiers: {name: ${name}}
    attrs: {is_superuser: ${superuser}}
`;
}

async function groupExists(name: string): Promise<boolean> {
  return (
    (await t.client.get(`/api/v3/core/groups/?name=${encodeURIComponent(name)}`)).body.pagination.count > 0
  );
}

describe('permissions of the import endpoint', () => {
  test('anonymous is 403 before the upload is read', async () => {
    const response = await importBlueprint(t, groupBlueprint(unique('anon')), { token: null });
    assert.equal(response.status, 403);
    assert.deepEqual(response.body, { detail: 'Authentication credentials were not provided.' });
  });

  test('without add_blueprintinstance the caller is refused', async () => {
    const name = unique('noperm');
    const user = await userWith(ALL_ACTIONS.map((a) => `authentik_core.${a}_group`));
    const response = await importBlueprint(t, groupBlueprint(name), { token: user.token });
    assert.equal(response.status, 403);
    assert.equal(await groupExists(name), false);
  });

  test('a model the caller may not add, change and delete is refused naming the entry', async () => {
    const name = unique('partial');
    const user = await userWith([
      'authentik_blueprints.add_blueprintinstance',
      'authentik_core.add_group',
      'authentik_core.change_group',
    ]);
    const response = await importBlueprint(t, groupBlueprint(name), { token: user.token });
    assert.equal(response.status, 403);
    assert.deepEqual(response.body, { detail: 'User lacks permission to create authentik_core.group' });
    assert.equal(await groupExists(name), false);
  });

  test('with every permission the caller imports, as themselves', async () => {
    const name = unique('allowed');
    const user = await userWith([
      'authentik_blueprints.add_blueprintinstance',
      ...ALL_ACTIONS.map((a) => `authentik_core.${a}_group`),
    ]);
    const response = await importBlueprint(t, groupBlueprint(name), { token: user.token });
    assert.deepEqual(response.body, { success: true, logs: [] });
    assert.equal(await groupExists(name), true);
  });

  test('a blueprint cannot give a privilege the caller does not hold (a superuser group)', async () => {
    const name = unique('escalate');
    const user = await userWith([
      'authentik_blueprints.add_blueprintinstance',
      ...ALL_ACTIONS.map((a) => `authentik_core.${a}_group`),
    ]);
    const response = await importBlueprint(t, groupBlueprint(name, true), { token: user.token });
    assert.equal(response.status, 200);
    assert.equal(response.body.success, false);
    assert.match(response.body.logs[0].event, /entry 1, id "the-group", model authentik_core\.group/);
    assert.equal(await groupExists(name), false);
  });
});

describe('the upload', () => {
  test('no file is a 400 with an empty result', async () => {
    const response = await importBlueprint(t, undefined);
    assert.equal(response.status, 400);
    assert.deepEqual(response.body, { logs: [], success: false });
  });

  test('a JSON body is 415: the view parses multipart only', async () => {
    const response = await t.client.post(IMPORT_URL, { file: 'version: 1' });
    assert.equal(response.status, 415);
  });

  test('a context that is not a JSON object is a 400 on the context field', async () => {
    const response = await importBlueprint(t, groupBlueprint(unique('ctx')), { context: '[1, 2' });
    assert.equal(response.status, 400);
    assert.deepEqual(Object.keys(response.body), ['context']);
  });

  test('an upload over the size limit is refused', async () => {
    const { payload, contentType } = multipartBody({
      file: `# ${'x'.repeat(1024 * 1024 + 10)}\nversion: 1\n`,
    });
    const response = await t.client.request('POST', IMPORT_URL, {
      raw: payload,
      headers: { 'content-type': contentType },
    });
    assert.ok(response.status >= 400 && response.status < 500, String(response.status));
  });
});

describe('hostile blueprints', () => {
  test('!Env in an upload is refused: it would read the server environment (database password)', async () => {
    process.env.TESSERA_TEST_SECRET = 'do-not-leak';
    const slug = unique('env');
    const response = await importBlueprint(
      t,
      `version: 1
entries:
  - model: authentik_flows.flow
    identifiers: {slug: ${slug}}
    attrs: {name: x, title: !Env TESSERA_TEST_SECRET, designation: enrollment}
`,
    );
    delete process.env.TESSERA_TEST_SECRET;
    assert.equal(response.body.success, false);
    assert.match(response.body.logs[0].event, /!Env cannot be used in an uploaded blueprint/);
    assert.ok(!JSON.stringify(response.body).includes('do-not-leak'));
    assert.equal((await t.client.get(`/api/v3/flows/instances/${slug}/`)).status, 404);
  });

  test('prototype keys are inert data, refused where they would reach a prototype', async () => {
    const name = unique('proto');
    const response = await importBlueprint(
      t,
      `version: 1
entries:
  - model: authentik_core.group
    identifiers: {name: ${name}}
    attrs:
      __proto__: {is_superuser: true}
      constructor: {prototype: {polluted: true}}
  - model: authentik_stages_invitation.invitation
    identifiers: {name: ${name}-invite}
    attrs:
      fixed_data: {__proto__: {is_superuser: true}}
`,
    );
    assert.equal(response.body.success, false);
    assert.match(
      response.body.logs[0].event,
      /entry 2, model authentik_stages_invitation\.invitation, field "fixed_data"/,
    );
    assert.equal(await groupExists(name), false);
    assert.equal(({} as Record<string, unknown>).is_superuser, undefined);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  test('models Tessera does not serve, and fields a lookup may not read, are refused', async () => {
    const token = await importBlueprint(
      t,
      `version: 1
entries:
  - model: authentik_core.token
    identifiers: {identifier: stolen}
`,
    );
    assert.equal(token.body.success, false);
    assert.match(token.body.logs[0].event, /Model authentik_core\.token not allowed/);
    // !Find cannot probe password hashes: only the fields of the model's lookup table are matched.
    const probe = await importBlueprint(
      t,
      `version: 1
entries:
  - model: authentik_flows.flow
    identifiers: {slug: !Find [authentik_core.user, [password, "pbkdf2"]]}
`,
    );
    assert.equal(probe.body.success, false);
    assert.match(probe.body.logs[0].event, /Invalid identifier field: Cannot resolve keyword 'password'/);
  });

  test('an alias bomb is refused without expanding it', async () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i += 1) {
      const prev = String.fromCharCode(96 + i);
      const next = String.fromCharCode(97 + i);
      lines.push(`${next}: &${next} [${Array(10).fill(`*${prev}`).join(',')}]`);
    }
    const response = await importBlueprint(t, `version: 1\ncontext:\n  ${lines.join('\n  ')}\nentries: []\n`);
    assert.equal(response.status, 200);
    assert.equal(response.body.success, false);
    assert.match(response.body.logs[0].event, /too many values|alias/i);
  });

  test('a blueprint that is not YAML, or of another version, is a failed import', async () => {
    const broken = await importBlueprint(t, 'version: 1\nentries: [: : :');
    assert.equal(broken.body.success, false);
    const version = await importBlueprint(t, 'version: 2\nentries: []\n');
    assert.equal(version.body.success, false);
    assert.match(version.body.logs[0].event, /Invalid blueprint version/);
  });
});
