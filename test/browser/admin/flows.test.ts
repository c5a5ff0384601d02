import assert from 'node:assert/strict';
import { test } from 'node:test';
import { unique } from '../../helpers/factories.js';
import { assertAccessible, startAdminBrowser } from '../../helpers/admin-browser.js';

const ui = await startAdminBrowser();
const { t } = ui;

async function bindingNames(flowPk: string): Promise<string[]> {
  const listed = await t.client.get(`/api/v3/flows/bindings/?target=${flowPk}&ordering=order`);
  return listed.body.results.map((binding: any) => binding.stage_obj.name);
}

test('one action creates a ready invitation enrollment flow; its bindings are reordered, removed and added', async () => {
  const { page, errors } = await ui.open('flows');
  await page.getByRole('heading', { name: 'Flows', level: 1 }).waitFor();
  await assertAccessible(page, 'flow list');
  const slug = unique('join');
  await page.getByRole('button', { name: 'Create invitation enrollment flow' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create invitation enrollment flow' });
  await dialog.getByLabel('Name').fill('Join us');
  await dialog.getByLabel('Slug').fill(slug);
  await dialog.getByRole('button', { name: 'Create' }).click();
  await page.getByRole('heading', { name: 'Stage bindings' }).waitFor();
  await page.getByText(`${slug}-login`).waitFor();

  const flow = (await t.client.get(`/api/v3/flows/instances/${slug}/`)).body;
  assert.equal(flow.designation, 'enrollment');
  const stages = [
    `${slug}-invitation`,
    `${slug}-credentials`,
    `${slug}-details`,
    `${slug}-write`,
    `${slug}-login`,
  ];
  assert.deepEqual(await bindingNames(flow.pk), stages);
  const credentials = (await t.client.get(`/api/v3/stages/prompt/stages/?name=${slug}-credentials`)).body
    .results[0];
  const fields = await Promise.all(
    credentials.fields.map(
      async (pk: string) => (await t.client.get(`/api/v3/stages/prompt/prompts/${pk}/`)).body,
    ),
  );
  assert.deepEqual(fields.map((field: any) => `${field.field_key}:${field.type}`).sort(), [
    'password:password',
    'password_repeat:password',
    'username:username',
  ]);
  await assertAccessible(page, 'flow bindings');

  // The details prompt moves above the credentials prompt.
  await page.getByRole('button', { name: `Move ${slug}-details up` }).click();
  await page.getByText(`Moved ${slug}-details up.`).waitFor();
  assert.deepEqual(await bindingNames(flow.pk), [stages[0], stages[2], stages[1], stages[3], stages[4]]);
  const shown = await page.locator('.ak-binding-name').allInnerTexts();
  assert.deepEqual(shown, [stages[0], stages[2], stages[1], stages[3], stages[4]]);

  await page.getByRole('button', { name: `Remove ${slug}-login` }).click();
  await page.getByText(`Removed ${slug}-login from the flow.`).waitFor();
  assert.deepEqual(await bindingNames(flow.pk), [stages[0], stages[2], stages[1], stages[3]]);

  await page.getByRole('button', { name: 'Add stage' }).click();
  const add = page.getByRole('dialog', { name: 'Add a stage to the flow' });
  await add.getByLabel('Stage').selectOption({ label: `${slug}-login (User login stage)` });
  await add.getByRole('button', { name: 'Add' }).click();
  await add.waitFor({ state: 'detached' });
  assert.deepEqual(await bindingNames(flow.pk), [stages[0], stages[2], stages[1], stages[3], stages[4]]);
  assert.deepEqual(errors, []);
});

test('a one-action creation that fails half-way leaves nothing behind and says why', async () => {
  const slug = unique('half');
  // The last stage's name is taken by a stage of another type, so its entry fails after the
  // flow, the prompts and four stages were made: all of them must be rolled back.
  const taken = await t.client.post('/api/v3/stages/user_write/', { name: `${slug}-login` });
  assert.equal(taken.status, 201);
  const { page } = await ui.open('flows');
  await page.getByRole('button', { name: 'Create invitation enrollment flow' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create invitation enrollment flow' });
  await dialog.getByLabel('Name').fill('Half made');
  await dialog.getByLabel('Slug').fill(slug);
  await dialog.getByRole('button', { name: 'Create' }).click();
  await dialog.getByText(/nothing was changed/).waitFor();
  assert.equal((await t.client.get(`/api/v3/flows/instances/${slug}/`)).status, 404);
  for (const [role, path] of [
    ['invitation', 'invitation/stages'],
    ['credentials', 'prompt/stages'],
    ['details', 'prompt/stages'],
    ['write', 'user_write'],
  ]) {
    const stages = (await t.client.get(`/api/v3/stages/${path}/?name=${slug}-${role}`)).body;
    assert.equal(stages.results.length, 0, `${slug}-${role} was left behind`);
  }
  const prompts = (await t.client.get(`/api/v3/stages/prompt/prompts/?search=${slug}`)).body;
  assert.equal(prompts.results.length, 0);
});

test('stages: create and edit a stage of each editor, and a prompt field', async () => {
  const { page, errors } = await ui.open('stages');
  await page.getByRole('heading', { name: 'Stages', level: 1 }).waitFor();
  await assertAccessible(page, 'stages');

  const fieldName = unique('field');
  await page.getByRole('button', { name: 'Create prompt field' }).click();
  const fieldDialog = page.getByRole('dialog', { name: 'Create prompt field' });
  await fieldDialog.getByLabel(/^Name/).fill(fieldName);
  await fieldDialog.getByLabel('Field key').fill('attributes.department');
  await fieldDialog.getByLabel(/^Label/).fill('Department');
  await fieldDialog.getByLabel('Type').selectOption('text');
  await fieldDialog.getByRole('button', { name: 'Create' }).click();
  await fieldDialog.waitFor({ state: 'detached' });
  const field = (await t.client.get(`/api/v3/stages/prompt/prompts/?name=${fieldName}`)).body.results[0];
  assert.equal(field.field_key, 'attributes.department');

  const promptStage = unique('prompt-stage');
  await page.getByLabel('Type of the new stage').selectOption({ label: 'Prompt stage' });
  await page.getByRole('button', { name: 'Create stage' }).click();
  const stageDialog = page.getByRole('dialog', { name: 'Create prompt stage' });
  await stageDialog.getByLabel(/^Name/).fill(promptStage);
  await stageDialog.getByLabel(new RegExp(`^${fieldName} `)).check();
  await assertAccessible(page, 'stage editor');
  await stageDialog.getByRole('button', { name: 'Create' }).click();
  await stageDialog.waitFor({ state: 'detached' });
  const created = (await t.client.get(`/api/v3/stages/prompt/stages/?name=${promptStage}`)).body.results[0];
  assert.deepEqual(created.fields, [field.pk]);

  const loginStage = unique('login');
  await page.getByLabel('Type of the new stage').selectOption({ label: 'User login stage' });
  await page.getByRole('button', { name: 'Create stage' }).click();
  const loginDialog = page.getByRole('dialog', { name: 'Create user login stage' });
  await loginDialog.getByLabel(/^Name/).fill(loginStage);
  await loginDialog.getByLabel('Session duration').fill('hours=8');
  await loginDialog.getByRole('button', { name: 'Create' }).click();
  await loginDialog.waitFor({ state: 'detached' });
  const login = (await t.client.get(`/api/v3/stages/user_login/?name=${loginStage}`)).body.results[0];
  assert.equal(login.session_duration, 'hours=8');

  await page.getByRole('button', { name: `Edit ${loginStage}` }).click();
  const editDialog = page.getByRole('dialog', { name: `Edit ${loginStage}` });
  assert.equal(await editDialog.getByLabel('Session duration').inputValue(), 'hours=8');
  await editDialog.getByLabel('Terminate the user’s other sessions').check();
  await editDialog.getByRole('button', { name: 'Save' }).click();
  await editDialog.waitFor({ state: 'detached' });
  assert.equal(
    (await t.client.get(`/api/v3/stages/user_login/${login.pk}/`)).body.terminate_other_sessions,
    true,
  );
  assert.deepEqual(errors, []);
});

test('stages: the sign-in stages have editors too (identification, password)', async () => {
  const { page, errors } = await ui.open('stages');
  const passwordStage = unique('password');
  await page.getByLabel('Type of the new stage').selectOption({ label: 'Password stage' });
  await page.getByRole('button', { name: 'Create stage' }).click();
  const passwordDialog = page.getByRole('dialog', { name: 'Create password stage' });
  await passwordDialog.getByLabel(/^Name/).fill(passwordStage);
  await passwordDialog.getByLabel('Failed attempts before the flow is cancelled').fill('3');
  await passwordDialog.getByRole('button', { name: 'Create' }).click();
  await passwordDialog.waitFor({ state: 'detached' });
  const created = (await t.client.get(`/api/v3/stages/password/?name=${passwordStage}`)).body.results[0];
  assert.equal(created.failed_attempts_before_cancel, 3);
  assert.deepEqual(created.backends, ['authentik.core.auth.InbuiltBackend']);

  const identificationStage = unique('identification');
  await page.getByLabel('Type of the new stage').selectOption({ label: 'Identification stage' });
  await page.getByRole('button', { name: 'Create stage' }).click();
  const identificationDialog = page.getByRole('dialog', { name: 'Create identification stage' });
  await identificationDialog.getByLabel(/^Name/).fill(identificationStage);
  await identificationDialog.getByLabel('Identify by email').uncheck();
  await identificationDialog.getByRole('button', { name: 'Create' }).click();
  await identificationDialog.waitFor({ state: 'detached' });
  const identification = (await t.client.get(`/api/v3/stages/identification/?name=${identificationStage}`))
    .body.results[0];
  assert.deepEqual(identification.user_fields, ['username']);

  await page.getByRole('button', { name: `Edit ${identificationStage}` }).click();
  const editDialog = page.getByRole('dialog', { name: `Edit ${identificationStage}` });
  await editDialog.getByLabel('Pretend an unknown user exists').uncheck();
  await editDialog.getByRole('button', { name: 'Save' }).click();
  await editDialog.waitFor({ state: 'detached' });
  const edited = (await t.client.get(`/api/v3/stages/identification/${identification.pk}/`)).body;
  assert.equal(edited.pretend_user_exists, false);
  assert.deepEqual(edited.user_fields, ['username'], 'an edit keeps what the form does not show');
  assert.deepEqual(errors, []);
});
