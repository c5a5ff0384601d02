/**
 * A person's whole journey in Debian's chromium, on a fresh server that has only
 * AUTHENTIK_BOOTSTRAP_PASSWORD: sign in as akadmin through the default authentication flow,
 * create an invitation enrollment flow in one action, create an invitation, copy its link,
 * enroll with it in a second browser, then see the invitation used up, the new user in the
 * users list and their sign-in in the audit log. The journey runs with a mouse at desktop
 * width, by keyboard alone (Tab, Enter and Space to move and act; typing only into fields),
 * and at a phone's 375x667. Every flow page passes axe-core.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, test } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import { buildApp } from '../../../src/app.js';
import { loadConfig } from '../../../src/config.js';
import { assertAccessible } from '../../helpers/admin-browser.js';
import { launchChromium } from '../../helpers/browser.js';
import { openTestDatabase } from '../../helpers/database.js';
import { unique } from '../../helpers/factories.js';

const BOOTSTRAP_PASSWORD = `bootstrap-${randomBytes(9).toString('hex')}`;
const { database, config: databaseConfig } = await openTestDatabase();
const config = loadConfig({
  AUTHENTIK_BOOTSTRAP_PASSWORD: BOOTSTRAP_PASSWORD,
  // Three journeys sign in and enroll from one address; the limits are tested elsewhere.
  TESSERA_RATE_LIMIT_FAILED_AUTH: '1000000',
  TESSERA_RATE_LIMIT_FAILED_INVITATIONS: '1000000',
});
config.database = databaseConfig;
const app = await buildApp(config, { database, logger: false, schedule: false });
after(async () => {
  await app.close();
  await database.close();
});
const origin = await app.listen({ host: '127.0.0.1', port: 0 });
const browser: Browser = await launchChromium();

const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 375, height: 667 };

/** How the person moves: a mouse, or the keyboard alone. */
class Person {
  constructor(
    readonly page: Page,
    readonly keyboard: boolean,
  ) {}

  /** Presses Tab until `target` has the focus (the keyboard's only way to move). */
  async tabTo(target: Locator): Promise<void> {
    await target.waitFor();
    const handle = await target.elementHandle();
    assert.ok(handle);
    for (let presses = 0; presses < 200; presses++) {
      if (await handle.evaluate((element) => element === document.activeElement)) return;
      await this.page.keyboard.press('Tab');
    }
    assert.fail(`Tab never reaches ${target.toString()}`);
  }

  /** Activates a button or link: a click, or Tab to it and Enter (Space for a check box). */
  async press(target: Locator, key: 'Enter' | 'Space' = 'Enter'): Promise<void> {
    if (!this.keyboard) return target.click();
    await this.tabTo(target);
    await this.page.keyboard.press(key);
  }

  async type(field: Locator, text: string): Promise<void> {
    if (!this.keyboard) return field.fill(text);
    await this.tabTo(field);
    await this.page.keyboard.type(text);
  }

  /** Chooses an option of a select by its visible text (typed, as a keyboard user picks). */
  async choose(select: Locator, label: string): Promise<void> {
    if (!this.keyboard) {
      await select.selectOption({ label });
      return;
    }
    await this.tabTo(select);
    await this.page.keyboard.type(label);
  }

  /** Opens a screen from the global navigation, through the masthead toggle where it is folded. */
  async navigate(label: string): Promise<void> {
    const link = this.page
      .getByRole('navigation', { name: 'Global' })
      .getByRole('link', { name: label, exact: true });
    const toggle = this.page.getByRole('button', { name: 'Global navigation' });
    if ((await toggle.isVisible()) && (await toggle.getAttribute('aria-expanded')) === 'false')
      await this.press(toggle);
    await this.press(link);
    await this.page.getByRole('heading', { level: 1 }).filter({ hasText: label }).first().waitFor();
  }
}

/** Signs akadmin in through the default authentication flow, from `/`. */
async function signIn(person: Person, checkAccessibility: boolean): Promise<void> {
  const { page } = person;
  await page.goto(`${origin}/`);
  await page.waitForURL(/\/if\/flow\/default-authentication-flow\//);
  const username = page.getByLabel(/Username/);
  await username.waitFor();
  if (checkAccessibility) await assertAccessible(page, 'identification');
  await person.type(username, 'akadmin');
  await page.keyboard.press('Enter');
  const password = page.getByLabel('Password', { exact: true });
  await password.waitFor();
  if (checkAccessibility) await assertAccessible(page, 'password');
  await person.type(password, BOOTSTRAP_PASSWORD);
  await page.keyboard.press('Enter');
  await page.waitForURL(`${origin}/if/admin/`);
  await page.getByText('Signed in as akadmin').waitFor();
}

async function journey(
  viewport: { width: number; height: number },
  keyboard: boolean,
  checkAccessibility = false,
) {
  const adminContext = await browser.newContext({ viewport });
  await adminContext.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
  const page = await adminContext.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  const admin = new Person(page, keyboard);
  await signIn(admin, checkAccessibility);

  // One action creates the enrollment flow with its stages.
  const flowName = unique('journey');
  await admin.navigate('Flows');
  await admin.press(page.getByRole('button', { name: 'Create invitation enrollment flow' }));
  const flowDialog = page.getByRole('dialog', { name: 'Create invitation enrollment flow' });
  await admin.type(flowDialog.getByLabel('Name'), flowName);
  await admin.type(flowDialog.getByLabel('Slug'), flowName);
  await admin.press(flowDialog.getByRole('button', { name: 'Create' }));
  await page.getByText(`${flowName}-login`).waitFor();

  // An invitation for one person, and its link copied.
  const invitationName = unique('welcome');
  await admin.navigate('Invitations');
  await admin.press(page.getByRole('button', { name: 'Create invitation' }));
  const invitationDialog = page.getByRole('dialog', { name: 'Create invitation' });
  await admin.type(invitationDialog.getByLabel('Name'), invitationName);
  const flowChoice = invitationDialog.getByLabel('Enrollment flow');
  await flowChoice.locator('option', { hasText: flowName }).waitFor({ state: 'attached' });
  await admin.choose(flowChoice, `${flowName} (${flowName})`);
  await admin.type(invitationDialog.getByLabel('Max uses'), '1');
  await admin.press(invitationDialog.getByRole('button', { name: 'Create' }));
  await invitationDialog.waitFor({ state: 'detached' });
  const row = page.getByRole('row').filter({ hasText: invitationName });
  await admin.press(row.getByRole('button', { name: 'Details' }));
  const copy = page.getByRole('button', { name: 'Copy' }).first();
  await admin.press(copy);
  await page.getByText('Copied.').waitFor();
  const link = await page.evaluate(() => navigator.clipboard.readText());
  assert.match(link, new RegExp(`^${origin}/if/flow/${flowName}/\\?itoken=[0-9a-f-]{36}$`));

  // A second browser, with nobody signed in, enrolls through the link.
  const visitorContext = await browser.newContext({ viewport });
  const visitorPage = await visitorContext.newPage();
  const visitor = new Person(visitorPage, keyboard);
  const newUser = unique('newcomer');
  await visitorPage.goto(link);
  const usernameField = visitorPage.getByLabel('Username', { exact: true });
  await usernameField.waitFor();
  if (checkAccessibility) await assertAccessible(visitorPage, 'enrollment prompt');
  await visitor.type(usernameField, newUser);
  await visitor.type(visitorPage.getByLabel('Password', { exact: true }), 'a long enough password');
  await visitor.type(visitorPage.getByLabel('Password (repeat)'), 'a long enough password');
  await visitor.press(visitorPage.getByRole('button', { name: 'Continue' }));
  const nameField = visitorPage.getByLabel('Name', { exact: true });
  await nameField.waitFor();
  await visitor.type(nameField, `Newcomer ${newUser}`);
  await visitor.type(visitorPage.getByLabel('Email', { exact: true }), `${newUser}@example.com`);
  await visitor.press(visitorPage.getByRole('button', { name: 'Continue' }));
  await visitorPage.getByRole('heading', { name: `Welcome, Newcomer ${newUser}` }).waitFor();
  assert.match(visitorPage.url(), /\/if\/user\/$/);
  if (checkAccessibility) {
    await assertAccessible(visitorPage, '/if/user/');
    // The used-up link is refused to anyone else.
    const stranger = await browser.newContext({ viewport });
    const strangerPage = await stranger.newPage();
    await strangerPage.goto(link);
    await strangerPage.getByRole('alert').filter({ hasText: 'Invalid invite/invite not found' }).waitFor();
    await assertAccessible(strangerPage, 'invitation denial');
    await stranger.close();
  }
  await visitorContext.close();

  // Back in the admin: the invitation is used up, the person is a user, and the log says so.
  await admin.navigate('Overview');
  await admin.navigate('Invitations');
  const usedRow = page.getByRole('row').filter({ hasText: invitationName });
  await usedRow.getByText('Used up').waitFor();
  assert.match(await usedRow.innerText(), /1 \/ 1/);

  await admin.navigate('Users');
  await admin.type(page.getByRole('searchbox', { name: 'Search Users' }), newUser);
  await page.keyboard.press('Enter');
  await page.getByRole('cell', { name: newUser, exact: true }).waitFor();

  await admin.navigate('Audit log');
  await admin.type(page.getByLabel('User', { exact: true }), newUser);
  await admin.press(page.getByRole('button', { name: 'Filter' }));
  await page.getByRole('link', { name: 'login', exact: true }).first().waitFor();
  assert.ok(await page.getByRole('cell', { name: newUser, exact: true }).count());

  assert.deepEqual(errors, []);
  await adminContext.close();
}

test('the journey with a mouse, and every flow page passes axe', async () => {
  await journey(DESKTOP, false, true);
});

test('the journey by keyboard alone', async () => {
  await journey(DESKTOP, true);
});

test('the journey on a phone-sized screen', async () => {
  await journey(PHONE, false);
});
