/**
 * authentik's official generated clients against a listening Tessera: @goauthentik/api
 * 2026.8.3 and 2025.10.4 (the npm alias goauthentik-api-2025) drive invitation stages, flows
 * and bindings over real HTTP. The typed fields must come back filled and the clients' own
 * `instanceOf*` guards must accept every response, so a field a client needs and does not get
 * fails here even where the JSON looks plausible.
 *
 * Both packages ship CommonJS (their `dist/esm` build is CommonJS too); tsx imports the 2026
 * package by name, and the 2025 alias by its `dist/esm/index.js` path because its
 * package.json points `types` at a file it does not ship.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import * as v2026 from '@goauthentik/api';
import * as v2025 from 'goauthentik-api-2025/dist/esm/index.js';
import { ADMIN_TOKEN, buildTestApp } from '../helpers/test-app.js';
import { unique } from '../helpers/factories.js';

const t = await buildTestApp();
await t.app.listen({ host: '127.0.0.1', port: 0 });
const origin = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
const basePath = `${origin}/api/v3`;

/** The error a client throws for a non-2xx answer, with its status and parsed body. */
async function failure(promise: Promise<unknown>): Promise<{ status: number; body: unknown; type: string }> {
  try {
    await promise;
  } catch (error) {
    const response = (error as { response?: Response }).response;
    assert.ok(response, `expected a ResponseError, got ${String(error)}`);
    const text = await response.text();
    return {
      status: response.status,
      body: text === '' ? undefined : JSON.parse(text),
      type: response.headers.get('content-type') ?? '',
    };
  }
  assert.fail('expected the call to fail');
}

describe('@goauthentik/api 2026.8.3', () => {
  const configuration = new v2026.Configuration({ basePath, accessToken: ADMIN_TOKEN });
  const stagesApi = new v2026.StagesApi(configuration);
  const flowsApi = new v2026.FlowsApi(configuration);

  test('flows, invitation stages and bindings: create, list, retrieve, update, used_by, destroy', async () => {
    const slug = unique('c26-flow');
    const flow = await flowsApi.flowsInstancesCreate({
      flowRequest: {
        name: slug,
        slug,
        title: `Title ${slug}`,
        designation: v2026.FlowDesignationEnum.Enrollment,
      },
    });
    assert.ok(v2026.instanceOfFlow(flow));
    assert.equal(flow.slug, slug);
    assert.match(flow.pk, /^[0-9a-f-]{36}$/);
    assert.equal(flow.backgroundUrl, '/static/dist/assets/images/flow_background.jpg');
    assert.equal(flow.exportUrl, `/api/v3/flows/instances/${slug}/export/`);
    assert.deepEqual(flow.stages, []);
    assert.equal(flow.cacheCount, 0);
    assert.equal(flow.backgroundThemedUrls, null);
    assert.ok(v2026.instanceOfFlowDesignationEnum(flow.designation));
    assert.ok(v2026.instanceOfPolicyEngineMode(flow.policyEngineMode));
    assert.ok(v2026.instanceOfFlowLayoutEnum(flow.layout));
    assert.ok(v2026.instanceOfDeniedActionEnum(flow.deniedAction));
    assert.ok(v2026.instanceOfAuthenticationEnum(flow.authentication));

    const name = unique('c26-stage');
    const stage = await stagesApi.stagesInvitationStagesCreate({
      invitationStageRequest: { name, continueFlowWithoutInvitation: true },
    });
    assert.ok(v2026.instanceOfInvitationStage(stage));
    assert.equal(stage.component, 'ak-stage-invitation-form');
    assert.equal(stage.verboseName, 'Invitation Stage');
    assert.equal(stage.verboseNamePlural, 'Invitation Stages');
    assert.equal(stage.metaModelName, 'authentik_stages_invitation.invitationstage');
    assert.deepEqual(stage.flowSet, []);
    assert.equal(stage.continueFlowWithoutInvitation, true);

    const binding = await flowsApi.flowsBindingsCreate({
      flowStageBindingRequest: { target: flow.pk, stage: stage.pk, order: 10 },
    });
    assert.ok(v2026.instanceOfFlowStageBinding(binding));
    assert.ok(v2026.instanceOfStage(binding.stageObj));
    assert.equal(binding.stageObj.component, 'ak-stage-invitation-form');
    assert.equal(binding.stageObj.flowSet[0].slug, slug);
    assert.equal(binding.evaluateOnPlan, false);
    assert.equal(binding.reEvaluatePolicies, true);
    assert.ok(v2026.instanceOfInvalidResponseActionEnum(binding.invalidResponseAction));

    // The seed endpoint, through the client's typed list call with every parameter.
    const raw = await stagesApi.stagesInvitationStagesListRaw({
      name,
      search: name.toUpperCase(),
      ordering: '-name',
      page: 1,
      pageSize: 5,
      noFlows: false,
      continueFlowWithoutInvitation: true,
      stageUuid: stage.pk,
    });
    assert.equal(raw.raw.headers.get('content-type'), 'application/json');
    const list = await raw.value();
    assert.ok(v2026.instanceOfPaginatedInvitationStageList(list));
    assert.ok(v2026.instanceOfPagination(list.pagination));
    assert.deepEqual(list.pagination, {
      next: 0,
      previous: 0,
      count: 1,
      current: 1,
      totalPages: 1,
      startIndex: 1,
      endIndex: 1,
    });
    assert.deepEqual(list.autocomplete, {});
    const [item] = list.results;
    assert.ok(v2026.instanceOfInvitationStage(item));
    assert.equal(item.verboseName, 'Invitation Stage');
    assert.equal(item.component, 'ak-stage-invitation-form');
    assert.ok(v2026.instanceOfFlowSet(item.flowSet[0]));
    assert.equal(item.flowSet[0].backgroundUrl, '/static/dist/assets/images/flow_background.jpg');
    assert.equal(item.flowSet[0].policybindingmodelPtrId, flow.policybindingmodelPtrId);
    assert.equal(item.flowSet[0].exportUrl, flow.exportUrl);
    assert.ok(v2026.instanceOfFlowDesignationEnum(item.flowSet[0].designation));

    assert.deepEqual(await stagesApi.stagesInvitationStagesRetrieve({ stageUuid: stage.pk }), item);
    const renamed = unique('c26-renamed');
    const updated = await stagesApi.stagesInvitationStagesUpdate({
      stageUuid: stage.pk,
      invitationStageRequest: { name: renamed },
    });
    assert.ok(v2026.instanceOfInvitationStage(updated));
    assert.equal(updated.name, renamed);
    const patched = await stagesApi.stagesInvitationStagesPartialUpdate({
      stageUuid: stage.pk,
      patchedInvitationStageRequest: { continueFlowWithoutInvitation: false },
    });
    assert.equal(patched.name, renamed);
    assert.equal(patched.continueFlowWithoutInvitation, false);

    const stageUsage = await stagesApi.stagesInvitationStagesUsedByList({ stageUuid: stage.pk });
    assert.deepEqual(
      stageUsage.map((u) => [u.modelName, u.pk, u.action]),
      [
        ['flow', flow.pk, 'cascade_many'],
        ['flowstagebinding', binding.pk, 'cascade'],
      ],
    );
    for (const usage of stageUsage) {
      assert.ok(v2026.instanceOfUsedBy(usage));
      assert.ok(v2026.instanceOfUsedByActionEnum(usage.action));
    }

    // Flows by slug.
    const flows = await flowsApi.flowsInstancesList({ slug, designation: 'enrollment', pageSize: 1 });
    assert.ok(v2026.instanceOfPaginatedFlowList(flows));
    assert.deepEqual(
      flows.results.map((f) => f.pk),
      [flow.pk],
    );
    assert.deepEqual(flows.results[0].stages, [stage.pk]);
    const retrieved = await flowsApi.flowsInstancesRetrieve({ slug });
    assert.ok(v2026.instanceOfFlow(retrieved));
    const flowUpdated = await flowsApi.flowsInstancesUpdate({
      slug,
      flowRequest: {
        name: `${slug} renamed`,
        slug,
        title: 'New title',
        designation: v2026.FlowDesignationEnum.Enrollment,
        layout: v2026.FlowLayoutEnum.SidebarLeft,
      },
    });
    assert.equal(flowUpdated.layout, 'sidebar_left');
    const flowPatched = await flowsApi.flowsInstancesPartialUpdate({
      slug,
      patchedFlowRequest: { deniedAction: v2026.DeniedActionEnum.Continue },
    });
    assert.equal(flowPatched.deniedAction, 'continue');
    assert.equal(flowPatched.title, 'New title');
    const flowUsage = await flowsApi.flowsInstancesUsedByList({ slug });
    assert.ok(flowUsage.every((u) => v2026.instanceOfUsedBy(u)));
    assert.deepEqual(
      flowUsage.map((u) => u.modelName),
      ['flowstagebinding', 'stage'],
    );

    // Bindings.
    const bindings = await flowsApi.flowsBindingsList({ target: flow.pk, ordering: 'order' });
    assert.ok(v2026.instanceOfPaginatedFlowStageBindingList(bindings));
    assert.deepEqual(
      bindings.results.map((b) => b.pk),
      [binding.pk],
    );
    assert.ok(
      v2026.instanceOfFlowStageBinding(await flowsApi.flowsBindingsRetrieve({ fsbUuid: binding.pk })),
    );
    const bindingUpdated = await flowsApi.flowsBindingsUpdate({
      fsbUuid: binding.pk,
      flowStageBindingRequest: { target: flow.pk, stage: stage.pk, order: 20, evaluateOnPlan: true },
    });
    assert.equal(bindingUpdated.order, 20);
    assert.equal(bindingUpdated.evaluateOnPlan, true);
    const bindingPatched = await flowsApi.flowsBindingsPartialUpdate({
      fsbUuid: binding.pk,
      patchedFlowStageBindingRequest: {
        invalidResponseAction: v2026.InvalidResponseActionEnum.RestartWithContext,
      },
    });
    assert.equal(bindingPatched.invalidResponseAction, 'restart_with_context');
    assert.deepEqual(await flowsApi.flowsBindingsUsedByList({ fsbUuid: binding.pk }), []);
    await flowsApi.flowsBindingsDestroy({ fsbUuid: binding.pk });
    assert.equal((await failure(flowsApi.flowsBindingsRetrieve({ fsbUuid: binding.pk }))).status, 404);

    await stagesApi.stagesInvitationStagesDestroy({ stageUuid: stage.pk });
    const gone = await failure(stagesApi.stagesInvitationStagesRetrieve({ stageUuid: stage.pk }));
    assert.equal(gone.status, 404);
    assert.ok(v2026.instanceOfGenericError(v2026.GenericErrorFromJSON(gone.body)));
    await flowsApi.flowsInstancesDestroy({ slug });
    assert.deepEqual(await failure(flowsApi.flowsInstancesRetrieve({ slug })), {
      status: 404,
      body: { detail: 'No Flow matches the given query.' },
      type: 'application/json',
    });
  });

  test("errors reach the client in authentik's shapes", async () => {
    const name = unique('c26-dup');
    await stagesApi.stagesInvitationStagesCreate({ invitationStageRequest: { name } });
    const duplicate = await failure(
      stagesApi.stagesInvitationStagesCreate({ invitationStageRequest: { name } }),
    );
    assert.deepEqual(duplicate, {
      status: 400,
      body: { name: ['stage with this name already exists.'] },
      type: 'application/json',
    });
    const validation = v2026.ValidationErrorFromJSON(duplicate.body);
    assert.deepEqual(validation.name, ['stage with this name already exists.']);

    const anonymous = new v2026.StagesApi(new v2026.Configuration({ basePath }));
    const denied = await failure(anonymous.stagesInvitationStagesList());
    assert.equal(denied.status, 403);
    assert.ok(v2026.instanceOfGenericError(v2026.GenericErrorFromJSON(denied.body)));
    assert.deepEqual(denied.body, { detail: 'Authentication credentials were not provided.' });

    const wrongToken = new v2026.StagesApi(new v2026.Configuration({ basePath, accessToken: 'nope' }));
    assert.deepEqual((await failure(wrongToken.stagesInvitationStagesList())).body, {
      detail: 'Token invalid/expired',
    });

    const badPage = await failure(stagesApi.stagesInvitationStagesList({ page: 999999 }));
    assert.deepEqual(badPage.body, { detail: 'Invalid page.' });
  });

  test('the schema endpoint answers the client in JSON', async () => {
    const schemaApi = new v2026.SchemaApi(new v2026.Configuration({ basePath }));
    const document = await schemaApi.schemaRetrieve({ format: v2026.FormatEnum.Json });
    assert.equal(document.openapi, '3.0.3');
    assert.ok(document.paths['/stages/invitation/stages/']);
  });
});

describe('@goauthentik/api 2025.10.4', () => {
  const configuration = new v2025.Configuration({ basePath, accessToken: async () => ADMIN_TOKEN });
  const stagesApi = new v2025.StagesApi(configuration);
  const flowsApi = new v2025.FlowsApi(configuration);

  test("the seed endpoint fills 2025.10's FlowSet.background and every guard passes", async () => {
    const slug = unique('c25-flow');
    const flow = await flowsApi.flowsInstancesCreate({
      flowRequest: { name: slug, slug, title: slug, designation: v2025.FlowDesignationEnum.Enrollment },
    });
    // 2025.10's Flow has a read-only, required `background` (the URL).
    assert.ok(v2025.instanceOfFlow(flow));
    assert.equal(flow.background, '/static/dist/assets/images/flow_background.jpg');

    // 2025.10's request type still has a writable `flow_set`; authentik 2025.10 fails with a
    // 500 on it, 2026 ignores it, and so does Tessera.
    const name = unique('c25-stage');
    const stage = await stagesApi.stagesInvitationStagesCreate({
      invitationStageRequest: { name, flowSet: [] },
    });
    assert.ok(v2025.instanceOfInvitationStage(stage));
    assert.equal(stage.continueFlowWithoutInvitation, false);

    const binding = await flowsApi.flowsBindingsCreate({
      flowStageBindingRequest: { target: flow.pk, stage: stage.pk, order: 0 },
    });
    assert.ok(v2025.instanceOfFlowStageBinding(binding));
    assert.ok(v2025.instanceOfStage(binding.stageObj));

    const list = await stagesApi.stagesInvitationStagesList({ search: name, noFlows: false, pageSize: 3 });
    assert.ok(v2025.instanceOfPaginatedInvitationStageList(list));
    assert.equal(list.pagination.count, 1);
    assert.equal(list.pagination.totalPages, 1);
    assert.deepEqual(list.autocomplete, {});
    const [item] = list.results;
    assert.ok(v2025.instanceOfInvitationStage(item));
    assert.equal(item.verboseName, 'Invitation Stage');
    assert.equal(item.component, 'ak-stage-invitation-form');
    assert.ok(item.flowSet);
    assert.ok(v2025.instanceOfFlowSet(item.flowSet[0]));
    assert.equal(item.flowSet[0].background, '/static/dist/assets/images/flow_background.jpg');
    assert.equal(item.flowSet[0].slug, slug);

    const patched = await stagesApi.stagesInvitationStagesPartialUpdate({
      stageUuid: stage.pk,
      patchedInvitationStageRequest: { continueFlowWithoutInvitation: true },
    });
    assert.equal(patched.continueFlowWithoutInvitation, true);
    const updated = await stagesApi.stagesInvitationStagesUpdate({
      stageUuid: stage.pk,
      invitationStageRequest: { name: `${name}-2` },
    });
    assert.equal(updated.name, `${name}-2`);
    const usage = await stagesApi.stagesInvitationStagesUsedByList({ stageUuid: stage.pk });
    assert.ok(usage.every((u) => v2025.instanceOfUsedBy(u) && v2025.instanceOfUsedByActionEnum(u.action)));
    assert.equal(usage.length, 2);

    const flows = await flowsApi.flowsInstancesList({ search: slug });
    assert.ok(v2025.instanceOfPaginatedFlowList(flows));
    assert.equal(flows.results[0].background, '/static/dist/assets/images/flow_background.jpg');
    const flowPatched = await flowsApi.flowsInstancesPartialUpdate({
      slug,
      patchedFlowRequest: { compatibilityMode: true },
    });
    assert.equal(flowPatched.compatibilityMode, true);
    assert.ok(v2025.instanceOfFlow(await flowsApi.flowsInstancesRetrieve({ slug })));
    assert.ok((await flowsApi.flowsInstancesUsedByList({ slug })).every((u) => v2025.instanceOfUsedBy(u)));
    const bindings = await flowsApi.flowsBindingsList({ stage: stage.pk });
    assert.ok(v2025.instanceOfPaginatedFlowStageBindingList(bindings));
    assert.deepEqual(
      bindings.results.map((b) => b.pk),
      [binding.pk],
    );
    await flowsApi.flowsBindingsDestroy({ fsbUuid: binding.pk });
    await stagesApi.stagesInvitationStagesDestroy({ stageUuid: stage.pk });
    await flowsApi.flowsInstancesDestroy({ slug });
    assert.equal((await failure(flowsApi.flowsInstancesRetrieve({ slug }))).status, 404);
  });
});
