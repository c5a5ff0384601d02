import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTestApp } from '../helpers/test-app.js';
import { createPasswordUser, signIn } from '../helpers/sign-in.js';
import { bindStage, createFlow, createInvitationStage, unique } from '../helpers/factories.js';
import { launchChromium } from '../helpers/browser.js';

const t = await buildTestApp();
const origin = await t.app.listen({ host: '127.0.0.1', port: 0 });
const browser = await launchChromium();

test('a visitor who is not signed in is sent to sign in first', async () => {
  const page = await browser.newPage();
  await page.goto(`${origin}/if/admin/`);
  await page.waitForURL(`${origin}/if/flow/default-authentication-flow/?next=%2Fif%2Fadmin%2F`);
  await page.getByLabel('Username or Email').waitFor();
  await page.close();
});

test('a signed-in administrator creates an invitation and gets its link', async () => {
  const flow = await createFlow(t, { designation: 'enrollment' });
  const stage = await createInvitationStage(t);
  await bindStage(t, flow.pk, stage.pk);
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  const scriptErrors: string[] = [];
  page.on('pageerror', (error) => scriptErrors.push(error.message));

  // The page is for a signed-in admin; its API calls carry the session and the CSRF header.
  const { browser: signedIn } = await signIn(t, await createPasswordUser(t, { superuser: true }));
  await page
    .context()
    .addCookies([
      { name: 'authentik_session', value: String(signedIn.sessionKey), url: origin, httpOnly: true },
    ]);
  await page.goto(`${origin}/if/admin/`);
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
