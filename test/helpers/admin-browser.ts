/**
 * The admin interface in headless Chromium: a server listening on a free port, a signed-in
 * superuser's browser context, axe-core checks, and a guard that fails a test on any console
 * error or uncaught script error. Until the default authentication flow exists, the session
 * is created directly in the database (as a user_login stage would leave it) and its cookies
 * are given to the browser.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { sql } from 'drizzle-orm';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './browser.js';
import { createUserWithToken, type TestUser } from './factories.js';
import { buildTestApp, type TestContext } from './test-app.js';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AdminBrowser {
  t: TestContext;
  origin: string;
  browser: Browser;
  admin: TestUser;
  /** A new page of a signed-in context, at `#/<hash>`, with its errors collected. */
  open(hash: string, viewport?: { width: number; height: number }): Promise<AdminPage>;
}

export interface AdminPage {
  page: Page;
  context: BrowserContext;
  /** Console errors and uncaught exceptions seen so far. */
  errors: string[];
}

export async function startAdminBrowser(env: Record<string, string> = {}): Promise<AdminBrowser> {
  const t = await buildTestApp(env);
  const origin = await t.app.listen({ host: '127.0.0.1', port: 0 });
  const browser = await launchChromium();
  const admin = await createUserWithToken(t, { superuser: true });

  async function open(hash: string, viewport = { width: 1280, height: 900 }): Promise<AdminPage> {
    const sessionKey = randomBytes(24).toString('hex');
    const csrf = randomBytes(24).toString('hex');
    await t.database.db.execute(
      sql`INSERT INTO sessions (session_key, data, user_id, expires)
          VALUES (${sessionKey}, '{}'::jsonb, ${admin.id}, now() + interval '1 hour')`,
    );
    const context = await browser.newContext({ viewport });
    await context.addCookies([
      { name: 'authentik_session', value: sessionKey, url: origin, httpOnly: true, sameSite: 'Lax' },
      { name: 'authentik_csrf', value: csrf, url: origin, sameSite: 'Lax' },
    ]);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`${message.text()} (${message.location().url})`);
    });
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${origin}/if/admin/#/${hash}`);
    return { page, context, errors };
  }

  return { t, origin, browser, admin, open };
}

/** Runs axe-core on the page; fails on any serious or critical violation, naming them. */
export async function assertAccessible(page: Page, screen: string): Promise<void> {
  // Evaluated through the DevTools protocol, which the page's CSP (no inline script) does not
  // govern; a <script> tag from addScriptTag would be refused, as it should be.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: Document) => Promise<any> } }).axe;
    const result = await axe.run(document);
    return result.violations
      .filter((v: any) => v.impact === 'serious' || v.impact === 'critical')
      .map(
        (v: any) =>
          `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n: any) => n.target.join(' ')).join(', ')}`,
      );
  });
  assert.deepEqual(violations, [], `${screen}: accessibility violations`);
}
