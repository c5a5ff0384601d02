/**
 * authentik's official TypeScript client (@goauthentik/api 2026.8.3) builds an invitation
 * enrollment flow and runs it over real HTTP: the management calls with an API token, the
 * executor calls as an anonymous browser (a cookie jar over fetch). Every challenge must
 * deserialize through the client's ChallengeTypes union.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import * as ak from '@goauthentik/api';
import { ADMIN_TOKEN, buildTestApp } from '../helpers/test-app.js';
import { unique } from '../helpers/factories.js';

const t = await buildTestApp();
await t.app.listen({ host: '127.0.0.1', port: 0 });
const basePath = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}/api/v3`;

/** fetch with a cookie jar, as a browser would keep the session and CSRF cookies. */
function cookieFetch(): typeof fetch {
  const jar = new Map<string, string>();
  return async (input, init = {}) => {
    const headers = new Headers(init.headers);
    if (jar.size > 0) headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '));
    const csrf = jar.get('authentik_csrf');
    if (csrf) headers.set('x-authentik-csrf', csrf);
    const response = await fetch(input, { ...init, headers });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const index = pair.indexOf('=');
      jar.set(pair.slice(0, index), pair.slice(index + 1));
    }
    return response;
  };
}

test('the official client builds an enrollment flow and enrolls through the executor', async () => {
  const admin = new ak.Configuration({ basePath, accessToken: ADMIN_TOKEN });
  const stages = new ak.StagesApi(admin);
  const flows = new ak.FlowsApi(admin);
  const slug = unique('client-flow');
  const flow = await flows.flowsInstancesCreate({
    flowRequest: { name: slug, slug, title: 'Join us', designation: ak.FlowDesignationEnum.Enrollment },
  });
  const invitationStage = await stages.stagesInvitationStagesCreate({
    invitationStageRequest: { name: unique('client-invite') },
  });
  const prompt = (fieldKey: string, type: ak.PromptTypeEnum, order: number) =>
    stages.stagesPromptPromptsCreate({
      promptRequest: {
        name: unique('client-prompt'),
        fieldKey,
        label: fieldKey,
        type,
        order,
        required: true,
      },
    });
  const fields = [
    await prompt('username', ak.PromptTypeEnum.Username, 0),
    await prompt('password', ak.PromptTypeEnum.Password, 1),
    await prompt('password_repeat', ak.PromptTypeEnum.Password, 2),
    await prompt('email', ak.PromptTypeEnum.Email, 3),
  ];
  assert.ok(fields.every((f) => ak.instanceOfPrompt(f)));
  const promptStage = await stages.stagesPromptStagesCreate({
    promptStageRequest: { name: unique('client-prompts'), fields: fields.map((f) => f.pk) },
  });
  assert.ok(ak.instanceOfPromptStage(promptStage));
  const write = await stages.stagesUserWriteCreate({
    userWriteStageRequest: {
      name: unique('client-write'),
      userCreationMode: ak.UserCreationModeEnum.AlwaysCreate,
      userType: ak.UserTypeEnum.External,
    },
  });
  assert.ok(ak.instanceOfUserWriteStage(write));
  const login = await stages.stagesUserLoginCreate({
    userLoginStageRequest: { name: unique('client-login') },
  });
  assert.ok(ak.instanceOfUserLoginStage(login));
  for (const [order, stage] of [invitationStage.pk, promptStage.pk, write.pk, login.pk].entries()) {
    await flows.flowsBindingsCreate({ flowStageBindingRequest: { target: flow.pk, stage, order } });
  }
  const invitation = await stages.stagesInvitationInvitationsCreate({
    invitationRequest: {
      name: unique('client-invitation'),
      flow: flow.pk,
      fixedData: { email: 'client@example.com' },
      singleUse: true,
    },
  });

  const browser = new ak.FlowsApi(new ak.Configuration({ basePath, fetchApi: cookieFetch() }));
  const query = `itoken=${invitation.pk}`;
  const challenge = await browser.flowsExecutorGet({ flowSlug: flow.slug, query });
  assert.equal(challenge.component, 'ak-stage-prompt');
  const promptChallenge = challenge as ak.PromptChallenge;
  assert.equal(promptChallenge.flowInfo?.title, 'Join us');
  assert.equal(promptChallenge.flowInfo?.cancelUrl, '/flows/-/cancel/');
  assert.equal(
    promptChallenge.fields.find((f) => f.fieldKey === 'email')?.initialValue,
    'client@example.com',
  );

  const username = unique('client-user');
  const mismatch = await browser.flowsExecutorSolve({
    flowSlug: flow.slug,
    query,
    flowChallengeResponseRequest: {
      component: 'ak-stage-prompt',
      username,
      password: 'one password',
      password_repeat: 'another',
    } as ak.FlowChallengeResponseRequest,
  });
  assert.equal(mismatch.component, 'ak-stage-prompt');
  assert.equal(
    (mismatch as ak.PromptChallenge).responseErrors?.non_field_errors[0].string,
    "Passwords don't match.",
  );

  const done = await browser.flowsExecutorSolve({
    flowSlug: flow.slug,
    query,
    flowChallengeResponseRequest: {
      component: 'ak-stage-prompt',
      username,
      password: 'one password',
      password_repeat: 'one password',
    } as ak.FlowChallengeResponseRequest,
  });
  assert.equal(done.component, 'xak-flow-redirect');
  assert.equal((done as ak.RedirectChallenge).to, '/');

  const users = await new ak.CoreApi(admin).coreUsersList({ username });
  assert.equal(users.results.length, 1);
  assert.equal(users.results[0].email, 'client@example.com');
});

test('a refused link deserializes as the client’s AccessDeniedChallenge', async () => {
  const browser = new ak.FlowsApi(new ak.Configuration({ basePath, fetchApi: cookieFetch() }));
  const flows = new ak.FlowsApi(new ak.Configuration({ basePath, accessToken: ADMIN_TOKEN }));
  const slug = unique('client-denied');
  const flow = await flows.flowsInstancesCreate({
    flowRequest: { name: slug, slug, title: 'Denied', designation: ak.FlowDesignationEnum.Enrollment },
  });
  const stage = await new ak.StagesApi(
    new ak.Configuration({ basePath, accessToken: ADMIN_TOKEN }),
  ).stagesInvitationStagesCreate({ invitationStageRequest: { name: unique('client-denied-stage') } });
  await flows.flowsBindingsCreate({
    flowStageBindingRequest: { target: flow.pk, stage: stage.pk, order: 0 },
  });
  const challenge = await browser.flowsExecutorGet({ flowSlug: flow.slug, query: 'itoken=nope' });
  assert.ok(ak.instanceOfAccessDeniedChallenge(challenge));
  assert.equal((challenge as ak.AccessDeniedChallenge).errorMessage, 'Invalid invite/invite not found');
  assert.equal(
    (challenge as ak.AccessDeniedChallenge).pendingUserAvatar,
    '/static/dist/assets/images/user_default.png',
  );
});
