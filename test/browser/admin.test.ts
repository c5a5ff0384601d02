import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ADMIN_TOKEN, buildTestApp } from '../helpers/test-app.js';
import { bindStage, createFlow, createInvitationStage, unique } from '../helpers/factories.js';
import { launchChromium } from '../helpers/browser.js';

const t = await buildTestApp();
const origin = await t.app.listen({ host: '127.0.0.1', port: 0 });
const browser = await launchChromium();

test('an administrator signs in with a token, creates an invitation and gets its link', async () => {
  const flow = await createFlow(t, { designation: 'enrollment' });
  const stage = await createInvitationStage(t);
  await bindStage(t, flow.pk, stage.pk);
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  const scriptErrors: string[] = [];
  page.on('pageerror', (error) => scriptErrors.push(error.message));

  await page.goto(`${origin}/if/admin/`);
  await page.getByLabel('API token').fill(ADMIN_TOKEN);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Invitations' }).waitFor();

  const name = unique('browser-invite');
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Flow', { exact: true }).selectOption(flow.pk);
  await page.getByLabel('Fixed data (JSON)').fill('{"email": "jane@example.com"}');
  await page.getByRole('button', { name: 'Create' }).click();
  await page.getByRole('button', { name }).click();
  const link = await page.getByLabel('Link to use the invitation').inputValue();

  const listed = await t.client.get(`/api/v3/stages/invitation/invitations/?name=${name}`);
  assert.equal(listed.body.results.length, 1);
  const invitation = listed.body.results[0];
  assert.deepEqual(invitation.fixed_data, { email: 'jane@example.com' });
  assert.equal(link, `${origin}/if/flow/${flow.slug}/?itoken=${invitation.pk}`);

  // A validation error from the API is shown next to the field it concerns.
  await page.getByLabel('Name').fill('not a slug!');
  await page.getByLabel('Name').evaluate((input: HTMLInputElement) => input.removeAttribute('pattern'));
  await page.getByRole('button', { name: 'Create' }).click();
  await page.locator('.field-error').first().waitFor();
  assert.match(await page.locator('.field-error').first().innerText(), /slug/);
  assert.deepEqual(scriptErrors, []);
});

test('a wrong token is refused and forgotten', async () => {
  const page = await browser.newPage();
  await page.goto(`${origin}/if/admin/`);
  await page.getByLabel('API token').fill('not-a-token');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('Token invalid/expired').waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.getItem('tessera.apiToken')), null);
});
