/**
 * The flow page in a real browser (Debian's chromium driven by playwright-core): an invitation
 * link opens the enrollment form, the person fills it with the keyboard, sees validation
 * messages, and lands signed in on /if/user/, greeted by name; an expired link shows the denial. The app listens on
 * 127.0.0.1 with a random port.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { chromium, type BrowserContext } from 'playwright-core';
import { query } from '../../src/db/client.js';
import { buildTestApp } from '../helpers/test-app.js';
import { unique } from '../helpers/factories.js';
import { buildEnrollmentFlow, createInvitation } from '../helpers/enrollment.js';

const CHROMIUM = process.env.TESSERA_CHROMIUM ?? '/usr/bin/chromium';

/** A browser with a fresh profile of its own, removed afterwards. A missing chromium fails. */
async function launch(): Promise<BrowserContext> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `chromium is required for browser tests and is missing at ${CHROMIUM}: apt-get install -y chromium`,
    );
  }
  const profile = mkdtempSync(path.join(tmpdir(), 'tessera-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    // A phone-sized screen: the page must work there.
    viewport: { width: 375, height: 740 },
  });
  after(async () => {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  });
  return context;
}

const t = await buildTestApp();
const origin = await t.app.listen({ host: '127.0.0.1', port: 0 });
const context = await launch();

test('an invitation link enrolls a person through the page, by keyboard, and signs them in', async () => {
  const e = await buildEnrollmentFlow(t);
  const invitation = await createInvitation(t, {
    flow: e.flow.pk,
    single_use: true,
    fixed_data: { email: 'browser@example.com', attributes: { source: 'browser-test' } },
  });
  const page = await context.newPage();
  const scriptErrors: string[] = [];
  page.on('pageerror', (error) => scriptErrors.push(error.message));
  await page.goto(`${origin}/if/flow/${e.flow.slug}/?itoken=${invitation.pk}`);

  await page.getByRole('heading', { name: e.flow.title }).waitFor();
  const usernameInput = page.getByLabel('Username', { exact: true });
  await usernameInput.waitFor();
  // The first field has the focus; the invitation's email is filled in.
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'username');
  assert.equal(await page.getByLabel('Email', { exact: true }).inputValue(), 'browser@example.com');
  // Nothing is wider than the phone screen.
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth));

  const username = unique('browser');
  await page.keyboard.type(username);
  await page.keyboard.press('Tab');
  await page.keyboard.type('a long enough password');
  await page.keyboard.press('Tab');
  await page.keyboard.type('a different password');
  await page.keyboard.press('Tab');
  await page.keyboard.type('Browser Person');
  await page.keyboard.press('Enter');

  // The server's validation message is shown, announced, and the form stays.
  const alert = page.getByRole('alert').filter({ hasText: "Passwords don't match." });
  await alert.waitFor();
  await page.getByLabel('Password (repeat)').fill('a long enough password');
  await page.getByLabel('Password', { exact: true }).fill('a long enough password');
  await page.getByRole('button', { name: 'Continue' }).click();

  // authentik's default final redirect: `/`, which sends a signed-in person to /if/user/.
  await page.waitForURL(`${origin}/if/user/`);
  await page.getByRole('heading', { name: 'Welcome, Browser Person' }).waitFor();
  assert.ok(await page.getByText(username, { exact: true }).isVisible());
  const cookies = await context.cookies(origin);
  const session = cookies.find((c) => c.name === 'authentik_session');
  assert.ok(session, 'a session cookie');
  assert.equal(session.httpOnly, true);
  assert.equal(session.sameSite, 'Lax');
  const [user] = await query<{ id: number; email: string; attributes: Record<string, unknown> }>(
    t.database.db,
    sql`SELECT id, email, attributes FROM users WHERE username = ${username}`,
  );
  assert.equal(user.email, 'browser@example.com');
  assert.deepEqual(user.attributes, { source: 'browser-test' });
  const [row] = await query<{ user_id: number }>(
    t.database.db,
    sql`SELECT user_id FROM sessions WHERE session_key = ${session.value}`,
  );
  assert.equal(row.user_id, user.id, 'the browser session is signed in as the new user');
  // The session cookie authenticates the API.
  const me = await page.evaluate(async () => {
    const response = await fetch('/api/v3/core/users/me/');
    return { status: response.status, body: await response.json() };
  });
  assert.equal(me.status, 200);
  assert.equal(me.body.user.username, username);
  assert.deepEqual(scriptErrors, []);
  await page.close();
});

test('an expired link shows the denial', async () => {
  const e = await buildEnrollmentFlow(t);
  const invitation = await createInvitation(t, {
    flow: e.flow.pk,
    expires: new Date(Date.now() - 3600_000).toISOString(),
  });
  // Signed out again (the enrollment flow does not apply to a signed-in person).
  await context.clearCookies();
  const page = await context.newPage();
  await page.goto(`${origin}/if/flow/${e.flow.slug}/?itoken=${invitation.pk}`);
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.innerText(), /Request has been denied\.\s+Invalid invite\/invite not found/);
  assert.equal(await page.getByLabel('Username', { exact: true }).count(), 0);
  await page.close();
});

test('an unknown flow is a 404 page', async () => {
  const page = await context.newPage();
  const response = await page.goto(`${origin}/if/flow/${unique('missing')}/`);
  assert.equal(response?.status(), 404);
  await page.close();
});
