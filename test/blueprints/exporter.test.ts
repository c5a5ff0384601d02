/**
 * `GET /flows/instances/{slug}/export/` returns a blueprint that re-imports to the same flow: in
 * an empty database, the imported flow, stages, prompts and bindings retrieve as the originals
 * do, all but their primary keys.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { buildTestApp, type TestContext } from '../helpers/test-app.js';
import { createUserWithToken, grantPermission, unique } from '../helpers/factories.js';
import { exampleBlueprint, importBlueprint } from './blueprint-helpers.js';

const source: TestContext = await buildTestApp();
const target: TestContext = await buildTestApp();

/** Drops what differs by database: primary keys and the references that carry them. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-/;

function withoutKeys(value: unknown): unknown {
  if (Array.isArray(value))
    return value.filter((item) => !(typeof item === 'string' && UUID.test(item))).map(withoutKeys);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      if (
        ['pk', 'target', 'stage', 'fields', 'flow_set', 'create_users_group', 'meta_model_name'].includes(key)
      )
        continue;
      if (typeof inner === 'string' && UUID.test(inner)) continue;
      out[key] = withoutKeys(inner);
    }
    return out;
  }
  return value;
}

/** The flow as the API shows it: the flow, its bindings with their stages, and the prompts. */
async function describeFlow(t: TestContext, slug: string) {
  const flow = (await t.client.get(`/api/v3/flows/instances/${slug}/`)).body;
  const bindings = (await t.client.get(`/api/v3/flows/bindings/?target=${flow.pk}&ordering=order`)).body
    .results;
  const stages = [];
  for (const binding of bindings) {
    const stage = binding.stage_obj;
    const path =
      stage.component === 'ak-stage-invitation-form'
        ? `stages/invitation/stages/${stage.pk}/`
        : stage.component === 'ak-stage-prompt-form'
          ? `stages/prompt/stages/${stage.pk}/`
          : stage.component === 'ak-stage-user-write-form'
            ? `stages/user_write/${stage.pk}/`
            : `stages/user_login/${stage.pk}/`;
    const body = (await t.client.get(`/api/v3/${path}`)).body;
    const prompts = [];
    for (const prompt of body.fields ?? []) {
      prompts.push(withoutKeys((await t.client.get(`/api/v3/stages/prompt/prompts/${prompt}/`)).body));
    }
    // A prompt stage's fields are a set (a many-to-many), listed by primary key.
    prompts.sort((a: any, b: any) => String(a.name).localeCompare(String(b.name)));
    stages.push({ binding: withoutKeys(binding), stage: withoutKeys(body), prompts });
  }
  return { flow: withoutKeys(flow), stages };
}

describe('flow export', () => {
  test('exports a YAML attachment that re-imports into an empty database as the same flow', async () => {
    const slug = unique('exported');
    const imported = await importBlueprint(
      source,
      exampleBlueprint('flows-invitation-enrollment-minimal.yaml'),
      {
        context: { flow_slug: slug, user_type: 'internal', stage_name: `${slug}-invite` },
      },
    );
    assert.equal(imported.body.success, true);
    const response = await source.client.get(`/api/v3/flows/instances/${slug}/export/`);
    assert.equal(response.status, 200);
    assert.equal(response.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(response.headers['content-disposition'], `attachment; filename="${slug}.yaml"`);
    const document = parse(response.text);
    assert.equal(document.version, 1);
    assert.equal(document.metadata.labels['blueprints.goauthentik.io/generated'], 'true');
    assert.match(
      document.metadata.name,
      /^authentik Export - \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}\+00:00$/,
    );
    assert.deepEqual(
      document.entries.map((e: { model: string }) => e.model),
      [
        'authentik_flows.flow',
        ...Array(5).fill('authentik_stages_prompt.prompt'),
        'authentik_stages_invitation.invitationstage',
        'authentik_stages_prompt.promptstage',
        'authentik_stages_prompt.promptstage',
        'authentik_stages_user_write.userwritestage',
        'authentik_stages_user_login.userloginstage',
        ...Array(5).fill('authentik_flows.flowstagebinding'),
      ],
    );

    const again = await importBlueprint(target, response.text);
    assert.deepEqual(again.body, { success: true, logs: [] });
    assert.deepEqual(await describeFlow(target, slug), await describeFlow(source, slug));
    // Re-importing the export where it came from changes nothing.
    const back = await importBlueprint(source, response.text);
    assert.deepEqual(back.body, { success: true, logs: [] });
  });

  test('needs export_flow; an unknown flow is 404', async () => {
    const slug = unique('guarded');
    await source.client.post('/api/v3/flows/instances/', {
      name: slug,
      slug,
      title: slug,
      designation: 'enrollment',
    });
    const user = await createUserWithToken(source);
    await grantPermission(source, user, 'authentik_flows.view_flow');
    assert.equal(
      (await source.client.get(`/api/v3/flows/instances/${slug}/export/`, { token: user.token })).status,
      403,
    );
    await grantPermission(source, user, 'authentik_flows.export_flow');
    await grantPermission(source, user, 'authentik_flows.view_flowstagebinding');
    await grantPermission(source, user, 'authentik_stages_prompt.view_prompt');
    assert.equal(
      (await source.client.get(`/api/v3/flows/instances/${slug}/export/`, { token: user.token })).status,
      200,
    );
    assert.equal((await source.client.get('/api/v3/flows/instances/no-such-flow/export/')).status, 404);
  });

  test("every flow's export_url answers", async () => {
    const flows = await source.client.get('/api/v3/flows/instances/');
    for (const flow of flows.body.results) {
      assert.equal((await source.client.get(flow.export_url)).status, 200, flow.export_url);
    }
  });
});
