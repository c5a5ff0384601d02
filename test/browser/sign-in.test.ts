/**
 * Signing in through the flow page in a real browser (Debian's chromium, playwright-core): `/`
 * sends a visitor to the default authentication flow; a wrong password is announced; akadmin
 * with the bootstrap password reaches /if/admin/, whose API calls the session authenticates;
 * signing out runs the default invalidation flow and leaves the browser signed out.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTestApp } from '../helpers/test-app.js';
import { launchChromium } from '../helpers/browser.js';

const PASSWORD = 'bootstrap secret for the browser';
const t = await buildTestApp({ AUTHENTIK_BOOTSTRAP_PASSWORD: PASSWORD });
const origin = await t.app.listen({ host: '127.0.0.1', port: 0 });
const browser = await launchChromium();

test('akadmin signs in with the bootstrap password from / and reaches /if/admin/', async () => {
  const context = await browser.newContext({ viewport: { width: 375, height: 740 } });
  const page = await context.newPage();
  const scriptErrors: string[] = [];
  page.on('pageerror', (error) => scriptErrors.push(error.message));
  await page.goto(`${origin}/`);
  await page.waitForURL(`${origin}/if/flow/default-authentication-flow/?next=%2F`);

  const uid = page.getByLabel('Username or Email');
  await uid.waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'uid_field');
  await page.keyboard.type('akadmin');
  await page.keyboard.press('Enter');

  const password = page.getByLabel('Password', { exact: true });
  await password.waitFor();
  await page.getByText('Signing in as akadmin.').waitFor();
  await page.keyboard.type('wrong password');
  await page.keyboard.press('Enter');
  await page.getByRole('alert').filter({ hasText: 'Invalid password' }).waitFor();

  await password.fill(PASSWORD);
  await page.keyboard.press('Enter');
  await page.waitForURL(`${origin}/if/admin/`);
  // The admin page's API calls go out with the session cookie and the CSRF header.
  const me = await page.evaluate(async () => {
    const response = await fetch('/api/v3/core/users/me/');
    return { status: response.status, body: await response.json() };
  });
  assert.equal(me.status, 200);
  assert.equal(me.body.user.username, 'akadmin');
  const created = await page.evaluate(async () => {
    const csrf = document.cookie
      .split('; ')
      .find((c) => c.startsWith('authentik_csrf='))
      ?.split('=')[1];
    const response = await fetch('/api/v3/stages/invitation/stages/', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-authentik-csrf': csrf ?? '' },
      body: JSON.stringify({ name: `made-in-the-browser-${Date.now()}` }),
    });
    return response.status;
  });
  assert.equal(created, 201);

  await page.goto(`${origin}/flows/-/default/invalidation/`);
  // The invalidation flow ends the session and sends the browser to `/`, which sends a
  // signed-out visitor to sign in again.
  await page.waitForURL(`${origin}/if/flow/default-authentication-flow/?next=%2F`);
  const after = await page.evaluate(async () => (await fetch('/api/v3/core/users/me/')).status);
  assert.equal(after, 403);
  assert.deepEqual(scriptErrors, []);
  await context.close();
});
