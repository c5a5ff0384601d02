/**
 * `/api/v3/flows/bindings/`: authentik's FlowStageBindingViewSet
 * (authentik/flows/api/bindings.py): `filterset_fields = "__all__"` (so `target` and `stage` are
 * model-choice filters, `order` a number filter), search on the stage name, default ordering
 * by order, the serializer's validate() rule on the evaluation flags, unique (target, stage,
 * order), and RBAC through `authentik_flows.*_flowstagebinding`.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildTestApp } from '../../helpers/test-app.js';
import {
  bindStage,
  createFlow,
  createInvitationStage,
  createUserWithToken,
  grantPermission,
  unique,
} from '../../helpers/factories.js';

const t = await buildTestApp();
const LIST = '/api/v3/flows/bindings/';
const pks = (body: { results: { pk: string }[] }) => body.results.map((b) => b.pk);
const MISSING = '3f0b1f5e-0000-4000-8000-000000000000';

describe('bindings: list', () => {
  test('returns the serializer fields with the full stage object', async () => {
    const flow = await createFlow(t);
    const stage = await createInvitationStage(t);
    const binding = await bindStage(t, flow.pk, stage.pk, 3);
    const response = await t.client.get(`${LIST}?target=${flow.pk}`);
    assert.equal(response.status, 200);
    const [item] = response.body.results;
    assert.deepEqual(Object.keys(item), [
      'pk',
      'policybindingmodel_ptr_id',
      'target',
      'stage',
      'stage_obj',
      'evaluate_on_plan',
      're_evaluate_policies',
      'order',
      'policy_engine_mode',
      'invalid_response_action',
    ]);
    assert.deepEqual(item, binding);
    assert.equal(item.order, 3);
    assert.equal(item.evaluate_on_plan, false);
    assert.equal(item.re_evaluate_policies, true);
    assert.equal(item.policy_engine_mode, 'any');
    assert.equal(item.invalid_response_action, 'retry');
    assert.deepEqual(Object.keys(item.stage_obj), [
      'pk',
      'name',
      'component',
      'verbose_name',
      'verbose_name_plural',
      'meta_model_name',
      'flow_set',
    ]);
    assert.equal(item.stage_obj.pk, stage.pk);
    assert.equal(item.stage_obj.component, 'ak-stage-invitation-form');
    assert.equal(item.stage_obj.meta_model_name, 'authentik_stages_invitation.invitationstage');
    assert.deepEqual(
      item.stage_obj.flow_set.map((f: { pk: string }) => f.pk),
      [flow.pk],
    );
  });

  test('default ordering by order; ordering by serializer fields', async () => {
    const flow = await createFlow(t);
    const s1 = await createInvitationStage(t, { name: unique('b-zeta') });
    const s2 = await createInvitationStage(t, { name: unique('b-alpha') });
    const late = await bindStage(t, flow.pk, s2.pk, 30);
    const early = await bindStage(t, flow.pk, s1.pk, -5, { evaluate_on_plan: true });
    const middle = await bindStage(t, flow.pk, s1.pk, 10, { invalid_response_action: 'restart' });
    const order = async (ordering?: string) =>
      pks((await t.client.get(`${LIST}?target=${flow.pk}${ordering ? `&ordering=${ordering}` : ''}`)).body);
    assert.deepEqual(await order(), [early.pk, middle.pk, late.pk]);
    assert.deepEqual(await order('-order'), [late.pk, middle.pk, early.pk]);
    assert.deepEqual(await order('-evaluate_on_plan,order'), [early.pk, middle.pk, late.pk]);
    assert.deepEqual(await order('invalid_response_action,-order'), [middle.pk, late.pk, early.pk]);
    assert.deepEqual(await order('stage_obj,order'), [early.pk, middle.pk, late.pk]);
    assert.deepEqual(await order('nonsense'), [early.pk, middle.pk, late.pk]);
  });

  test('filters: uuids, booleans (DRF BooleanWidget), choices, number, target and stage choices', async () => {
    const flow = await createFlow(t);
    const other = await createFlow(t);
    const stage = await createInvitationStage(t);
    const a = await bindStage(t, flow.pk, stage.pk, 1, {
      evaluate_on_plan: true,
      re_evaluate_policies: false,
    });
    const b = await bindStage(t, flow.pk, stage.pk, 2, { policy_engine_mode: 'all' });
    const c = await bindStage(t, other.pk, stage.pk, 1, { invalid_response_action: 'restart_with_context' });
    const get = async (q: string) => t.client.get(`${LIST}?stage=${stage.pk}&${q}&ordering=order,target`);
    assert.deepEqual(pks((await get(`target=${flow.pk}`)).body), [a.pk, b.pk]);
    assert.deepEqual(pks((await get(`target=${flow.pk.replace(/-/g, '')}`)).body), [a.pk, b.pk]);
    for (const yes of ['true', 'True', 'TRUE', '1']) {
      assert.deepEqual(pks((await get(`evaluate_on_plan=${yes}`)).body), [a.pk], yes);
    }
    for (const no of ['false', 'FALSE', '0']) {
      assert.equal((await get(`evaluate_on_plan=${no}`)).body.pagination.count, 2, no);
    }
    for (const ignored of ['yes', '2', '']) {
      assert.equal((await get(`evaluate_on_plan=${ignored}`)).body.pagination.count, 3, ignored);
    }
    assert.deepEqual(pks((await get('re_evaluate_policies=false')).body), [a.pk]);
    assert.deepEqual(pks((await get('policy_engine_mode=all')).body), [b.pk]);
    assert.deepEqual(pks((await get('invalid_response_action=restart_with_context')).body), [c.pk]);
    assert.deepEqual(pks((await get(`fsb_uuid=${b.pk}`)).body), [b.pk]);
    assert.deepEqual(pks((await get(`pbm_uuid=${b.policybindingmodel_ptr_id}`)).body), [b.pk]);
    // `order` is django-filter's NumberFilter: a decimal, compared as the integer it truncates to.
    assert.deepEqual(pks((await get('order=2')).body), [b.pk]);
    assert.deepEqual(pks((await get('order=2.0')).body), [b.pk]);
    assert.deepEqual(pks((await get('order=2.9')).body), [b.pk]);
    assert.deepEqual(pks((await get('order=%202%20')).body), [b.pk]);
    assert.deepEqual(pks((await get('order=2e0')).body), [b.pk]);
    assert.deepEqual(pks((await get('order=99999999999')).body), []);
    assert.deepEqual((await get('order=two')).body, { order: ['Enter a number.'] });
    assert.deepEqual((await get('order=NaN')).body, { order: ['Enter a number.'] });
    // target/stage are model-choice filters: an unknown or malformed id is a 400.
    const choice = 'Select a valid choice. That choice is not one of the available choices.';
    assert.deepEqual((await get(`target=${MISSING}`)).body, { target: [choice] });
    assert.deepEqual((await get('target=nope')).body, { target: [choice] });
    assert.deepEqual((await t.client.get(`${LIST}?stage=${flow.pk}`)).body, { stage: [choice] });
    assert.deepEqual((await get('fsb_uuid=nope&policy_engine_mode=some')).body, {
      fsb_uuid: ['Enter a valid UUID.'],
      policy_engine_mode: ['Select a valid choice. some is not one of the available choices.'],
    });
    // Tessera stores no policies, so any policy id is an unknown choice.
    assert.deepEqual((await get(`policies=${MISSING}`)).body, {
      policies: [`Select a valid choice. ${MISSING} is not one of the available choices.`],
    });
    assert.deepEqual((await get('policies=bad')).body, { policies: ['“bad” is not a valid UUID.'] });
  });

  test('search matches the stage name only', async () => {
    const tag = unique('bsrch');
    const flow = await createFlow(t, { title: `${tag} title` });
    const stage = await createInvitationStage(t, { name: `${tag} Stage` });
    const binding = await bindStage(t, flow.pk, stage.pk);
    assert.deepEqual(pks((await t.client.get(`${LIST}?search=${tag}%20STAGE`)).body), [binding.pk]);
    assert.deepEqual(pks((await t.client.get(`${LIST}?search=${tag}%20title`)).body), []);
  });
});

describe('bindings: create, update, delete', () => {
  test('validation errors have DRF bodies and change nothing', async () => {
    const flow = await createFlow(t);
    const stage = await createInvitationStage(t);
    await bindStage(t, flow.pk, stage.pk, 5);
    const cases: [unknown, unknown][] = [
      [
        {},
        {
          target: ['This field is required.'],
          stage: ['This field is required.'],
          order: ['This field is required.'],
        },
      ],
      [
        { target: MISSING, stage: MISSING, order: 1 },
        {
          target: [`Invalid pk "${MISSING}" - object does not exist.`],
          stage: [`Invalid pk "${MISSING}" - object does not exist.`],
        },
      ],
      [
        { target: flow.pk, stage: flow.pk, order: 1 },
        { stage: [`Invalid pk "${flow.pk}" - object does not exist.`] },
      ],
      [{ target: 'nope', stage: stage.pk, order: 1 }, { target: ['“nope” is not a valid UUID.'] }],
      [
        { target: true, stage: stage.pk, order: 1 },
        { target: ['Incorrect type. Expected pk value, received bool.'] },
      ],
      [{ target: null, stage: stage.pk, order: 1 }, { target: ['This field may not be null.'] }],
      [{ target: flow.pk, stage: stage.pk, order: 'first' }, { order: ['A valid integer is required.'] }],
      [
        { target: flow.pk, stage: stage.pk, order: 2147483648 },
        { order: ['Ensure this value is less than or equal to 2147483647.'] },
      ],
      [
        { target: flow.pk, stage: stage.pk, order: 1, invalid_response_action: 'panic' },
        { invalid_response_action: ['"panic" is not a valid choice.'] },
      ],
      [
        { target: flow.pk, stage: stage.pk, order: 5 },
        { non_field_errors: ['The fields target, stage, order must make a unique set.'] },
      ],
      [
        { target: flow.pk, stage: stage.pk, order: 6, evaluate_on_plan: false, re_evaluate_policies: false },
        { non_field_errors: ['Either evaluation on plan or evaluation on run must be enabled'] },
      ],
      [
        { target: flow.pk, stage: stage.pk, order: 6, re_evaluate_policies: 'false' },
        { non_field_errors: ['Either evaluation on plan or evaluation on run must be enabled'] },
      ],
      [[], { non_field_errors: ['Invalid data. Expected a dictionary, but got list.'] }],
    ];
    for (const [body, expected] of cases) {
      const response = await t.client.post(LIST, body);
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.deepEqual(response.body, expected, JSON.stringify(body));
    }
    assert.equal((await t.client.get(`${LIST}?target=${flow.pk}`)).body.pagination.count, 1);
    // The same stage twice in a flow at another order, and two stages at one order, are fine.
    assert.equal((await t.client.post(LIST, { target: flow.pk, stage: stage.pk, order: 6 })).status, 201);
    const second = await createInvitationStage(t);
    assert.equal((await t.client.post(LIST, { target: flow.pk, stage: second.pk, order: 5 })).status, 201);
    // A uuid given as an integer is a pk too (uuid.UUID(int=...)): unknown, not malformed.
    // (authentik quotes the value as sent, "5"; Tessera the uuid it stands for.)
    assert.deepEqual((await t.client.post(LIST, { target: 5, stage: stage.pk, order: 1 })).body, {
      target: ['Invalid pk "00000000-0000-0000-0000-000000000005" - object does not exist.'],
    });
    assert.deepEqual((await t.client.post(LIST, { target: ` ${flow.pk}`, stage: [1], order: 1 })).body, {
      target: [`“ ${flow.pk}” is not a valid UUID.`],
      stage: ['“[1]” is not a valid UUID.'],
    });
    // Upper case and undashed uuids name the same objects.
    const upper = await t.client.post(LIST, {
      target: flow.pk.toUpperCase(),
      stage: stage.pk.replace(/-/g, ''),
      order: 7,
    });
    assert.equal(upper.status, 201);
    assert.equal(upper.body.target, flow.pk);
    assert.equal(upper.body.stage, stage.pk);
  });

  test('PATCH is judged on the sent flags with the model defaults, and the merged unique key', async () => {
    const flow = await createFlow(t);
    const stage = await createInvitationStage(t);
    const binding = await bindStage(t, flow.pk, stage.pk, 1, {
      evaluate_on_plan: true,
      re_evaluate_policies: false,
    });
    await bindStage(t, flow.pk, stage.pk, 2);
    const url = `${LIST}${binding.pk}/`;
    // authentik's validate() reads only the submitted values: re_evaluate_policies missing
    // counts as its default (true), so switching evaluate_on_plan off passes...
    const off = await t.client.patch(url, { evaluate_on_plan: false });
    assert.equal(off.status, 200);
    assert.equal(off.body.evaluate_on_plan, false);
    assert.equal(off.body.re_evaluate_policies, false);
    // ...and sending only re_evaluate_policies=false fails (evaluate_on_plan counts as false).
    assert.deepEqual((await t.client.patch(url, { re_evaluate_policies: false })).body, {
      non_field_errors: ['Either evaluation on plan or evaluation on run must be enabled'],
    });
    assert.deepEqual((await t.client.patch(url, { order: 2 })).body, {
      non_field_errors: ['The fields target, stage, order must make a unique set.'],
    });
    assert.equal((await t.client.patch(url, { order: 1 })).status, 200);
    const moved = await t.client.patch(url, { order: 3, invalid_response_action: 'restart' });
    assert.equal(moved.body.order, 3);
    assert.equal(moved.body.invalid_response_action, 'restart');
    const put = await t.client.put(url, { target: flow.pk, stage: stage.pk, order: 4 });
    assert.equal(put.status, 200);
    assert.equal(put.body.order, 4);
    assert.deepEqual((await t.client.put(url, { order: 4 })).body, {
      target: ['This field is required.'],
      stage: ['This field is required.'],
    });
    assert.deepEqual((await t.client.patch(url, { target: MISSING })).body, {
      target: [`Invalid pk "${MISSING}" - object does not exist.`],
    });
  });

  test('retrieve, used_by, delete, and the 404s', async () => {
    const flow = await createFlow(t);
    const stage = await createInvitationStage(t);
    const binding = await bindStage(t, flow.pk, stage.pk);
    const url = `${LIST}${binding.pk}/`;
    assert.deepEqual((await t.client.get(url)).body, binding);
    assert.deepEqual((await t.client.get(`${LIST}${binding.pk.toUpperCase()}/`)).body, binding);
    assert.deepEqual((await t.client.get(`${url}used_by/`)).body, []);
    assert.deepEqual((await t.client.get(`${LIST}nope/`)).body, { detail: 'Not found.' });
    assert.deepEqual((await t.client.get(`${LIST}${MISSING}/`)).body, {
      detail: 'No FlowStageBinding matches the given query.',
    });
    const deleted = await t.client.delete(url);
    assert.equal(deleted.status, 204);
    assert.equal((await t.client.get(url)).status, 404);
    // The flow and stage remain; the stage is no longer bound.
    assert.equal((await t.client.get(`/api/v3/flows/instances/${flow.slug}/`)).status, 200);
    assert.deepEqual((await t.client.get(`/api/v3/stages/invitation/stages/${stage.pk}/`)).body.flow_set, []);
  });

  test('deleting the stage or the flow deletes its bindings', async () => {
    const flow = await createFlow(t);
    const stage = await createInvitationStage(t);
    const other = await createInvitationStage(t);
    const viaStage = await bindStage(t, flow.pk, stage.pk, 1);
    const viaFlow = await bindStage(t, flow.pk, other.pk, 2);
    await t.client.delete(`/api/v3/stages/invitation/stages/${stage.pk}/`);
    assert.equal((await t.client.get(`${LIST}${viaStage.pk}/`)).status, 404);
    assert.equal((await t.client.get(`${LIST}${viaFlow.pk}/`)).status, 200);
    await t.client.delete(`/api/v3/flows/instances/${flow.slug}/`);
    assert.equal((await t.client.get(`${LIST}${viaFlow.pk}/`)).status, 404);
    assert.equal((await t.client.get(`/api/v3/stages/invitation/stages/${other.pk}/`)).status, 200);
  });
});

describe('bindings: permissions', () => {
  test('403 without any view grant; object grants limit the list; writes need their permission', async () => {
    const user = await createUserWithToken(t);
    const client = t.client.as(user.token);
    const flow = await createFlow(t);
    const stage = await createInvitationStage(t);
    const visible = await bindStage(t, flow.pk, stage.pk, 1);
    const hidden = await bindStage(t, flow.pk, stage.pk, 2);
    const denied = { detail: 'You do not have permission to perform this action.' };
    assert.deepEqual((await client.get(LIST)).body, denied);
    assert.deepEqual((await client.get(`${LIST}${visible.pk}/`)).body, denied);
    await grantPermission(t, user, 'authentik_flows.view_flowstagebinding', visible.pk);
    assert.deepEqual(pks((await client.get(LIST)).body), [visible.pk]);
    assert.deepEqual((await client.get(`${LIST}${hidden.pk}/`)).body, {
      detail: 'No FlowStageBinding matches the given query.',
    });
    assert.deepEqual((await client.patch(`${LIST}${visible.pk}/`, { order: 9 })).body, denied);
    assert.deepEqual((await client.delete(`${LIST}${visible.pk}/`)).body, denied);
    assert.deepEqual((await client.post(LIST, { target: flow.pk, stage: stage.pk, order: 3 })).body, denied);
    await grantPermission(t, user, 'authentik_flows.change_flowstagebinding', visible.pk);
    assert.equal((await client.patch(`${LIST}${visible.pk}/`, { order: 9 })).status, 200);
    await grantPermission(t, user, 'authentik_flows.add_flowstagebinding');
    assert.equal((await client.post(LIST, { target: flow.pk, stage: stage.pk, order: 3 })).status, 201);
    await grantPermission(t, user, 'authentik_flows.delete_flowstagebinding', visible.pk);
    assert.equal((await client.delete(`${LIST}${visible.pk}/`)).status, 204);
  });
});
