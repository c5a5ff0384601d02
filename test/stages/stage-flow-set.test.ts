/**
 * Every stage's `flow_set` is kept on its row and rebuilt by database triggers (migration
 * 0006): these tests change bindings and flows every way the API allows and check that the
 * stage serializers show exactly what authentik's `flow_set` (the flows bound to the stage,
 * serialized by FlowSetSerializer) shows at that moment.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildTestApp } from '../helpers/test-app.js';
import { bindStage, createFlow, createInvitationStage, unique } from '../helpers/factories.js';

const t = await buildTestApp();
const STAGES = '/api/v3/stages/invitation/stages/';
const FLOWS = '/api/v3/flows/instances/';
const BINDINGS = '/api/v3/flows/bindings/';
const DEFAULT_BACKGROUND = '/static/dist/assets/images/flow_background.jpg';

type Flow = Record<string, unknown> & { pk: string; slug: string };

/** The FlowSet entry authentik serializes for a flow, from the flow's own API object. */
function flowSetEntry(flow: Flow) {
  const background = (flow.background_url as string) || DEFAULT_BACKGROUND;
  return {
    pk: flow.pk,
    policybindingmodel_ptr_id: flow.policybindingmodel_ptr_id,
    name: flow.name,
    slug: flow.slug,
    title: flow.title,
    designation: flow.designation,
    background,
    background_url: background,
    policy_engine_mode: flow.policy_engine_mode,
    compatibility_mode: flow.compatibility_mode,
    export_url: `/api/v3/flows/instances/${flow.slug}/export/`,
    layout: flow.layout,
    denied_action: flow.denied_action,
  };
}

async function flowSetOf(stagePk: string) {
  const response = await t.client.get(`${STAGES}${stagePk}/`);
  assert.equal(response.status, 200);
  return response.body.flow_set;
}

async function currentFlow(slug: string): Promise<Flow> {
  return (await t.client.get(`${FLOWS}${slug}/`)).body;
}

describe('stage flow_set kept current', () => {
  test('follows bindings being created, reordered, retargeted and deleted', async () => {
    const stage = await createInvitationStage(t);
    const first: Flow = await createFlow(t);
    const second: Flow = await createFlow(t);
    assert.deepEqual(await flowSetOf(stage.pk), []);

    const late = await bindStage(t, first.pk, stage.pk, 20);
    await bindStage(t, second.pk, stage.pk, 10);
    assert.deepEqual(await flowSetOf(stage.pk), [flowSetEntry(second), flowSetEntry(first)]);

    // Reordering changes the order of the entries.
    assert.equal((await t.client.patch(`${BINDINGS}${late.pk}/`, { order: 5 })).status, 200);
    assert.deepEqual(await flowSetOf(stage.pk), [flowSetEntry(first), flowSetEntry(second)]);

    // Moving a binding to another stage updates both stages.
    const other = await createInvitationStage(t);
    assert.equal((await t.client.patch(`${BINDINGS}${late.pk}/`, { stage: other.pk })).status, 200);
    assert.deepEqual(await flowSetOf(stage.pk), [flowSetEntry(second)]);
    assert.deepEqual(await flowSetOf(other.pk), [flowSetEntry(first)]);

    assert.equal((await t.client.delete(`${BINDINGS}${late.pk}/`)).status, 204);
    assert.deepEqual(await flowSetOf(other.pk), []);
  });

  test('one entry per binding, as the many-to-many through the bindings gives', async () => {
    const stage = await createInvitationStage(t);
    const flow: Flow = await createFlow(t);
    await bindStage(t, flow.pk, stage.pk, 1);
    await bindStage(t, flow.pk, stage.pk, 2);
    assert.deepEqual(await flowSetOf(stage.pk), [flowSetEntry(flow), flowSetEntry(flow)]);
  });

  test('follows changes to a bound flow, and its deletion', async () => {
    const stage = await createInvitationStage(t);
    const kept: Flow = await createFlow(t);
    const doomed: Flow = await createFlow(t);
    await bindStage(t, kept.pk, stage.pk, 1);
    await bindStage(t, doomed.pk, stage.pk, 2);

    const slug = unique('renamed');
    const patch = {
      name: `Renamed "flow" \\ ✓ ${slug}`,
      slug,
      title: 'Tab\there, newline\nthere, bell \u0007',
      designation: 'authentication',
      policy_engine_mode: 'all',
      compatibility_mode: true,
      layout: 'sidebar_left',
      denied_action: 'continue',
    };
    const updated = await t.client.patch(`${FLOWS}${kept.slug}/`, patch);
    assert.equal(updated.status, 200);
    const renamed = await currentFlow(slug);
    const entries = await flowSetOf(stage.pk);
    assert.deepEqual(entries, [flowSetEntry(renamed), flowSetEntry(doomed)]);
    assert.equal(entries[0].export_url, `/api/v3/flows/instances/${slug}/export/`);

    // The bytes on the wire are what a JSON encoder writes for those values.
    const text = (await t.client.get(`${STAGES}${stage.pk}/`)).text;
    assert.ok(text.includes(JSON.stringify(flowSetEntry(renamed))), text);

    assert.equal((await t.client.delete(`${FLOWS}${doomed.slug}/`)).status, 204);
    assert.deepEqual(await flowSetOf(stage.pk), [flowSetEntry(renamed)]);
  });

  test('lists, bindings and other stage types read the same flow_set', async () => {
    const stage = await createInvitationStage(t);
    const flow: Flow = await createFlow(t);
    const binding = await bindStage(t, flow.pk, stage.pk, 7);
    const expected = [flowSetEntry(flow)];

    const listed = await t.client.get(`${STAGES}?stage_uuid=${stage.pk}`);
    assert.deepEqual(listed.body.results[0].flow_set, expected);
    const viaBinding = await t.client.get(`${BINDINGS}${binding.pk}/`);
    assert.deepEqual(viaBinding.body.stage_obj.flow_set, expected);

    const prompt = await t.client.post('/api/v3/stages/prompt/stages/', {
      name: unique('prompt'),
      fields: [],
    });
    assert.equal(prompt.status, 201);
    await bindStage(t, flow.pk, prompt.body.pk, 8);
    const promptStage = await t.client.get(`/api/v3/stages/prompt/stages/${prompt.body.pk}/`);
    assert.deepEqual(promptStage.body.flow_set, expected);
  });

  test('concurrent bindings to one stage all appear (no lost update)', async () => {
    const stage = await createInvitationStage(t);
    const flows: Flow[] = [];
    for (let i = 0; i < 12; i += 1) flows.push(await createFlow(t));
    // Issued together: on PostgreSQL they run on separate pooled connections at once.
    const results = await Promise.all(
      flows.map((flow, index) => t.client.post(BINDINGS, { target: flow.pk, stage: stage.pk, order: index })),
    );
    assert.deepEqual(
      results.map((r) => r.status),
      flows.map(() => 201),
    );
    assert.deepEqual(await flowSetOf(stage.pk), flows.map(flowSetEntry));
  });

  test('a flow renamed while bindings to it are created concurrently', async () => {
    const flow: Flow = await createFlow(t);
    const stages = [];
    for (let i = 0; i < 8; i += 1) stages.push(await createInvitationStage(t));
    const newName = unique('concurrent-name');
    const [renamed] = await Promise.all([
      t.client.patch(`${FLOWS}${flow.slug}/`, { name: newName }),
      ...stages.map((stage) => t.client.post(BINDINGS, { target: flow.pk, stage: stage.pk, order: 1 })),
    ]);
    assert.equal(renamed.status, 200);
    const expected = [flowSetEntry(await currentFlow(flow.slug))];
    assert.equal(expected[0].name, newName);
    for (const stage of stages) assert.deepEqual(await flowSetOf(stage.pk), expected);
  });
});
