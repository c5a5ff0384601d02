/**
 * The prompt stage inside an enrollment flow (validation, fixed fields) and the prompt and
 * prompt stage management API.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildTestApp } from '../../helpers/test-app.js';
import { unique } from '../../helpers/factories.js';
import { FlowBrowser } from '../../helpers/flow-client.js';
import {
  answers,
  buildEnrollmentFlow,
  createInvitation,
  createPrompt,
  enrollmentProbes,
} from '../../helpers/enrollment.js';

const t = await buildTestApp();
const { userRow } = enrollmentProbes(t);

describe('prompt validation', () => {
  test("errors come back in authentik's response_errors shape, on the same challenge", async () => {
    const e = await buildEnrollmentFlow(t);
    const invitation = await createInvitation(t, { flow: e.flow.pk });
    const taken = unique('taken');
    const q = `itoken=${invitation.pk}`;
    const browser = new FlowBrowser(t.app);
    await browser.get(e.flow.slug, q);
    await browser.post(e.flow.slug, answers(taken), q);
    const second = new FlowBrowser(t.app);
    await second.get(e.flow.slug, q);
    const invalid = await second.post(
      e.flow.slug,
      { component: 'ak-stage-prompt', username: taken, email: 'nope', password: 'a', name: '' },
      q,
    );
    assert.equal(invalid.body.component, 'ak-stage-prompt');
    assert.deepEqual(Object.keys(invalid.body), ['flow_info', 'component', 'response_errors', 'fields']);
    assert.deepEqual(invalid.body.response_errors, {
      username: [{ string: 'Username is already taken.', code: 'invalid' }],
      password_repeat: [{ string: 'This field is required.', code: 'required' }],
      name: [{ string: 'This field may not be blank.', code: 'blank' }],
      email: [{ string: 'Enter a valid email address.', code: 'invalid' }],
    });
    const mismatch = await second.post(e.flow.slug, answers(unique('pw'), { password_repeat: 'other' }), q);
    assert.deepEqual(mismatch.body.response_errors, {
      non_field_errors: [{ string: "Passwords don't match.", code: 'invalid' }],
    });
    const fine = await second.post(e.flow.slug, answers(unique('pw')), q);
    assert.equal(fine.body.component, 'xak-flow-redirect');
  });

  test('hidden, static and read-only fields keep the invitation value whatever is sent', async () => {
    const e = await buildEnrollmentFlow(t, {
      extraPrompts: [
        { field_key: 'attributes.plan', type: 'hidden', placeholder: 'free', order: 5 },
        { field_key: 'attributes.role', type: 'text_read_only', required: false, order: 6 },
        { field_key: 'attributes.accepted', label: 'I agree', type: 'checkbox', required: false, order: 7 },
        {
          field_key: 'attributes.notice',
          type: 'static',
          placeholder: 'Welcome!',
          required: false,
          order: 8,
        },
      ],
    });
    const invitation = await createInvitation(t, {
      flow: e.flow.pk,
      fixed_data: { 'attributes.plan': 'gold', 'attributes.role': 'member' },
    });
    const q = `itoken=${invitation.pk}`;
    const browser = new FlowBrowser(t.app);
    const challenge = await browser.get(e.flow.slug, q);
    const byKey = Object.fromEntries(challenge.body.fields.map((f: any) => [f.field_key, f]));
    assert.equal(byKey['attributes.plan'].initial_value, 'gold');
    assert.equal(byKey['attributes.role'].initial_value, 'member');
    assert.equal(byKey['attributes.notice'].initial_value, '');
    const username = unique('fixed');
    await browser.post(
      e.flow.slug,
      answers(username, {
        'attributes.plan': 'platinum',
        'attributes.role': 'admin',
        'attributes.accepted': true,
      }),
      q,
    );
    assert.deepEqual((await userRow(username)).attributes, {
      plan: 'gold',
      role: 'member',
      accepted: true,
      notice: 'Welcome!',
    });
  });
});

describe('prompt and stage management API', () => {
  test('prompts: create, list with filters and search, retrieve, update, used_by, delete', async () => {
    const key = unique('key');
    const prompt = await createPrompt(t, {
      field_key: key,
      label: 'Label',
      type: 'email',
      placeholder: 'you@x',
    });
    assert.deepEqual(Object.keys(prompt), [
      'pk',
      'name',
      'field_key',
      'label',
      'type',
      'required',
      'placeholder',
      'initial_value',
      'order',
      'prompt_stages_obj',
      'sub_text',
      'placeholder_expression',
      'initial_value_expression',
    ]);
    const list = await t.client.get(`/api/v3/stages/prompt/prompts/?field_key=${key}`);
    assert.equal(list.body.pagination.count, 1);
    assert.equal(
      (await t.client.get(`/api/v3/stages/prompt/prompts/?search=${key}&type=email`)).body.pagination.count,
      1,
    );
    assert.deepEqual((await t.client.get('/api/v3/stages/prompt/prompts/?type=bogus')).body, {
      type: ['Select a valid choice. bogus is not one of the available choices.'],
    });
    const duplicate = await t.client.post('/api/v3/stages/prompt/prompts/', {
      name: prompt.name,
      field_key: 'x',
      label: 'x',
      type: 'text',
    });
    assert.deepEqual(duplicate.body, { name: ['Prompt with this name already exists.'] });
    const stage = await t.client.post('/api/v3/stages/prompt/stages/', {
      name: unique('ps'),
      fields: [prompt.pk],
    });
    assert.equal(stage.status, 201);
    assert.deepEqual(stage.body.fields, [prompt.pk]);
    assert.deepEqual(stage.body.validation_policies, []);
    const withStage = await t.client.get(`/api/v3/stages/prompt/prompts/${prompt.pk}/`);
    assert.equal(withStage.body.prompt_stages_obj[0].pk, stage.body.pk);
    const usedBy = await t.client.get(`/api/v3/stages/prompt/prompts/${prompt.pk}/used_by/`);
    assert.deepEqual(usedBy.body, [
      {
        app: 'authentik_stages_prompt',
        model_name: 'promptstage',
        pk: stage.body.pk,
        name: `Stage ${stage.body.name}`,
        action: 'cascade_many',
      },
    ]);
    const patched = await t.client.patch(`/api/v3/stages/prompt/prompts/${prompt.pk}/`, {
      label: 'New label',
    });
    assert.equal(patched.body.label, 'New label');
    const preview = await t.client.post('/api/v3/stages/prompt/prompts/preview/', {
      name: 'x',
      field_key: 'color',
      label: 'Color',
      type: 'dropdown',
      placeholder: 'blue',
    });
    assert.deepEqual(preview.body.fields[0].choices, [{ value: 'blue', label: 'blue' }]);
    const missing = await t.client.post('/api/v3/stages/prompt/stages/', {
      name: unique('ps'),
      fields: ['00000000-0000-4000-8000-000000000000'],
    });
    assert.deepEqual(missing.body, {
      fields: ['Invalid pk "00000000-0000-4000-8000-000000000000" - object does not exist.'],
    });
    assert.equal(
      (await t.client.get(`/api/v3/stages/prompt/stages/?fields=${prompt.pk}`)).body.pagination.count,
      1,
    );
    assert.equal((await t.client.delete(`/api/v3/stages/prompt/prompts/${prompt.pk}/`)).status, 204);
    assert.deepEqual((await t.client.get(`/api/v3/stages/prompt/stages/${stage.body.pk}/`)).body.fields, []);
  });
});
