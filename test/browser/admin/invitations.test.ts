import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import {
  bindStage,
  createFlow,
  createInvitationStage,
  insertInvitation,
  unique,
} from '../../helpers/factories.js';
import { assertAccessible, startAdminBrowser } from '../../helpers/admin-browser.js';

const ui = await startAdminBrowser();
const { t } = ui;

async function invitationNamed(name: string) {
  const listed = await t.client.get(`/api/v3/stages/invitation/invitations/?name=${name}`);
  return listed.body.results[0];
}

/** Every `<input pattern>` on the page compiles as browsers compile it (the `v` flag). */
async function assertPatternsValid(page: Page) {
  const patterns = await page
    .locator('input[pattern]')
    .evaluateAll((inputs) => inputs.map((input) => input.getAttribute('pattern') ?? ''));
  for (const pattern of patterns) assert.doesNotThrow(() => new RegExp(`^(?:${pattern})$`, 'v'), pattern);
}

test('invitations: create, list with status and uses, copy link, edit, refuse contradictions, delete', async () => {
  const flow = await createFlow(t, { designation: 'enrollment' });
  await bindStage(t, flow.pk, (await createInvitationStage(t)).pk);
  const { page, errors } = await ui.open('invitations');
  await page.getByRole('heading', { name: 'Invitations', level: 1 }).waitFor();
  assert.ok(!(await page.locator('main').innerText()).includes('null'), 'no literal null on the page');
  await assertAccessible(page, 'invitation list');

  const name = unique('ui-invite');
  await page.getByRole('button', { name: 'Create invitation' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create invitation' });
  await dialog.getByLabel('Name').fill(name);
  await dialog.getByLabel('Enrollment flow').selectOption(flow.pk);
  await dialog.getByLabel('Max uses').fill('3');
  await dialog.getByRole('button', { name: 'Add key' }).click();
  await dialog.getByLabel('Key 1', { exact: true }).fill('email');
  await dialog.getByLabel('Value 1', { exact: true }).fill('jane@example.com');
  await assertPatternsValid(page);
  await assertAccessible(page, 'invitation form');
  await dialog.getByRole('button', { name: 'Create' }).click();
  await dialog.waitFor({ state: 'detached' });

  const created = await invitationNamed(name);
  assert.equal(created.flow, flow.pk);
  assert.equal(created.max_uses, 3);
  assert.deepEqual(created.fixed_data, { email: 'jane@example.com' });
  const row = page.getByRole('row').filter({ hasText: name });
  assert.match(await row.innerText(), /Active/);
  assert.match(await row.innerText(), /0 \/ 3/);

  // The detail row holds the absolute link; it is hidden until opened, at every width.
  const link = page.getByLabel(`Link to use ${name}`);
  assert.equal(await link.count(), 0);
  await row.getByRole('button', { name: 'Details' }).click();
  assert.equal(await link.inputValue(), `${ui.origin}/if/flow/${flow.slug}/?itoken=${created.pk}`);

  // Contradictory settings are refused with a message, and nothing is sent.
  await row.getByRole('button', { name: `Edit ${name}` }).click();
  const edit = page.getByRole('dialog', { name: `Edit ${name}` });
  await edit.getByLabel('Single use').check();
  await edit.getByRole('button', { name: 'Save' }).click();
  await edit.getByText(/contradict each other/).waitFor();
  assert.equal((await invitationNamed(name)).single_use, false);
  await edit.getByLabel('Single use').uncheck();
  await edit.getByLabel('Max uses').fill('5');
  // Raw JSON view of the fixed data.
  await edit.getByRole('button', { name: 'Raw JSON' }).click();
  await edit.getByLabel('Fixed data (JSON)').fill('{"email": "jane@example.com", "groups": ["a"]}');
  await edit.getByRole('button', { name: 'Save' }).click();
  await edit.waitFor({ state: 'detached' });
  const edited = await invitationNamed(name);
  assert.equal(edited.max_uses, 5);
  assert.deepEqual(edited.fixed_data, { email: 'jane@example.com', groups: ['a'] });

  // An API validation error is shown next to its field.
  await page.getByRole('button', { name: 'Create invitation' }).click();
  const second = page.getByRole('dialog', { name: 'Create invitation' });
  await second.getByLabel('Name').fill(name);
  await second.getByLabel('Name').evaluate((input: HTMLInputElement) => input.removeAttribute('pattern'));
  await second.getByLabel('Name').fill('not a slug!');
  await second.getByRole('button', { name: 'Create' }).click();
  await second.locator('.ak-field-error').first().waitFor();
  assert.match(await second.locator('.ak-field-error').first().innerText(), /slug/);
  await second.getByRole('button', { name: 'Cancel' }).click();

  page.once('dialog', (dialog) => void dialog.accept());
  await row.getByRole('button', { name: `Delete ${name}` }).click();
  await page.getByText(`Deleted ${name}.`).waitFor();
  assert.equal(await invitationNamed(name), undefined);
  // The browser logs the refused create; nothing else went wrong.
  assert.deepEqual(errors, [
    `Failed to load resource: the server responded with a status of 400 (Bad Request) (${ui.origin}/api/v3/stages/invitation/invitations/)`,
  ]);
});

test('the status filter and search narrow the list; the address keeps them', async () => {
  const flow = await createFlow(t, { designation: 'enrollment' });
  const expired = await insertInvitation(t, {
    flow: flow.pk,
    expires: '2020-01-01T00:00:00Z',
    name: unique('old'),
  });
  const active = await insertInvitation(t, { flow: flow.pk, name: unique('fresh') });
  const { page, errors } = await ui.open(`invitations?status=expired&flow=${flow.slug}`);
  await page.getByRole('row').filter({ hasText: expired.name }).waitFor();
  assert.equal(await page.getByRole('row').filter({ hasText: active.name }).count(), 0);
  assert.match(await page.getByRole('row').filter({ hasText: expired.name }).innerText(), /Expired/);
  await page.getByLabel('Status').selectOption('');
  await page.getByRole('row').filter({ hasText: active.name }).waitFor();
  await page.getByLabel('Search Invitations').fill(active.name);
  await page.getByLabel('Search Invitations').press('Enter');
  await page.waitForFunction(() => location.hash.includes('search='));
  await page.getByRole('row').filter({ hasText: expired.name }).waitFor({ state: 'detached' });
  await page.getByRole('row').filter({ hasText: active.name }).waitFor();
  assert.deepEqual(errors, []);
});

test('the detail screen shows the usage record and the audit history; narrow screens keep detail rows hidden', async () => {
  const flow = await createFlow(t, { designation: 'enrollment' });
  const created = await t.client.post('/api/v3/stages/invitation/invitations/', {
    name: unique('detail'),
    flow: flow.pk,
  });
  const { page, errors } = await ui.open(`invitations/${created.body.pk}`, { width: 375, height: 800 });
  await page.getByRole('heading', { name: created.body.name }).waitFor();
  await page.getByText('Nobody has enrolled with this invitation yet.').waitFor();
  await page.getByRole('link', { name: 'model_created' }).waitFor();
  await assertAccessible(page, 'invitation detail');

  const list = await ui.open('invitations', { width: 375, height: 800 });
  await list.page.locator('tr[hidden]').first().waitFor({ state: 'attached' });
  const hiddenDetails = await list.page
    .locator('tr[hidden]')
    .evaluateAll((rows) => rows.filter((row) => getComputedStyle(row).display !== 'none').length);
  assert.equal(hiddenDetails, 0);
  assert.deepEqual(errors, []);
  assert.deepEqual(list.errors, []);
});

test('revoke with confirmation, the revoked status and filter, and the timeline on the detail screen', async () => {
  const flow = await createFlow(t, { designation: 'enrollment' });
  const invitation = await insertInvitation(t, { flow: flow.pk, name: unique('revokable') });
  const { page, errors } = await ui.open(`invitations?flow=${flow.slug}`);
  const row = page.getByRole('row').filter({ hasText: invitation.name });
  assert.match(await row.innerText(), /Active/);
  // Dismissing the question changes nothing.
  page.once('dialog', (dialog) => void dialog.dismiss());
  await row.getByRole('button', { name: `Revoke ${invitation.name}` }).click();
  assert.equal((await invitationNamed(invitation.name)).status, 'active');
  page.once('dialog', (dialog) => void dialog.accept());
  await row.getByRole('button', { name: `Revoke ${invitation.name}` }).click();
  await page.getByText(`Revoked ${invitation.name}.`).waitFor();
  assert.equal((await invitationNamed(invitation.name)).status, 'revoked');
  await row.getByText('Revoked', { exact: true }).waitFor();
  assert.equal(await row.getByRole('button', { name: `Revoke ${invitation.name}` }).isDisabled(), true);
  await page.getByLabel('Status').selectOption('revoked');
  await page.waitForFunction(() => location.hash.includes('status=revoked'));
  await page.getByRole('row').filter({ hasText: invitation.name }).waitFor();

  const detail = await ui.open(`invitations/${invitation.pk}`);
  const timeline = detail.page.getByRole('table', { name: 'Timeline of this invitation' });
  await timeline.getByRole('cell', { name: 'Revoked', exact: true }).waitFor();
  await assertAccessible(detail.page, 'invitation detail with its timeline');
  assert.deepEqual(errors, []);
  assert.deepEqual(detail.errors, []);
});

test('bulk create: by addresses and by count, with the links offered as a CSV download', async () => {
  const flow = await createFlow(t, { designation: 'enrollment' });
  const prefix = unique('bulk-ui').replace(/[^a-zA-Z0-9_-]/g, '');
  const { page, errors } = await ui.open('invitations');
  await page.getByRole('button', { name: 'Bulk create' }).click();
  const dialog = page.getByRole('dialog', { name: 'Bulk create invitations' });
  await dialog.getByLabel('Enrollment flow').selectOption(flow.pk);
  await dialog.getByLabel('Name prefix').fill(prefix);
  await dialog.getByLabel('Email addresses').fill('ann@example.com\nbob@example.com\n');
  await dialog.getByLabel('Single use').check();
  await assertPatternsValid(page);
  await assertAccessible(page, 'bulk form');
  await dialog.getByRole('button', { name: 'Create' }).click();
  await dialog.waitFor({ state: 'detached' });
  await page.getByText('Created 2 invitations.').waitFor();

  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: /Download the links/ }).click();
  const file = await (await download).path();
  const { readFileSync } = await import('node:fs');
  const lines = readFileSync(file, 'utf8').trimEnd().split('\r\n');
  assert.equal(lines[0], 'name,email,link');
  const rows = lines.slice(1).map((line) => line.split(','));
  assert.deepEqual(
    rows.map(([name, email]) => [name, email]),
    [
      [`${prefix}-1`, 'ann@example.com'],
      [`${prefix}-2`, 'bob@example.com'],
    ],
  );
  for (const [name, , link] of rows) {
    const stored = await invitationNamed(name);
    assert.equal(stored.single_use, true);
    assert.equal(link, `${ui.origin}/if/flow/${flow.slug}/?itoken=${stored.pk}`);
  }

  // A bad address is shown by its line, and nothing is created.
  await page.getByRole('button', { name: 'Bulk create' }).click();
  const again = page.getByRole('dialog', { name: 'Bulk create invitations' });
  await again.getByLabel('Enrollment flow').selectOption(flow.pk);
  await again.getByLabel('Name prefix').fill(`${prefix}x`);
  await again.getByLabel('Email addresses').fill('ok@example.com\nnot-an-address');
  await again.getByRole('button', { name: 'Create' }).click();
  await again.getByText(/Line 2: Enter a valid email address/).waitFor();
  assert.equal(await invitationNamed(`${prefix}x-1`), undefined);
  await again.getByLabel('Email addresses').fill('');
  await again.getByLabel('How many').fill('3');
  // Mailing the links needs the addresses.
  await again.getByLabel('Email each address its link').check();
  await again.getByRole('button', { name: 'Create' }).click();
  await again.getByText('Sending needs the addresses: list them, one a line.').waitFor();
  await again.getByLabel('Email each address its link').uncheck();
  await again.getByRole('button', { name: 'Create' }).click();
  await again.waitFor({ state: 'detached' });
  await page.getByText('Created 3 invitations.').waitFor();
  assert.equal((await invitationNamed(`${prefix}x-3`)).flow, flow.pk);
  assert.deepEqual(errors, [
    `Failed to load resource: the server responded with a status of 400 (Bad Request) (${ui.origin}/api/v3/stages/invitation/invitations/bulk/)`,
  ]);
});
