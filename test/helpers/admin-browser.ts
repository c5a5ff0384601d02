/**
 * Helpers for admin pages in a real browser: a signed-in browser context (a server-side session
 * row and its cookies, the same state the default authentication flow leaves behind), page
 * navigation by hash route, and a guard that collects script errors.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { query } from '../../src/db/client.js';
import type { TestContext } from './test-app.js';

export const PHONE = { width: 375, height: 667 };
export const DESKTOP = { width: 1280, height: 800 };

/** A browser context signed in as `username` through a session of its own. */
export async function signedInContext(
  t: TestContext,
  browser: Browser,
  origin: string,
  username = 'akadmin',
  viewport = DESKTOP,
): Promise<BrowserContext> {
  const sessionKey = randomBytes(24).toString('hex');
  const csrf = randomBytes(24).toString('hex');
  await query(
    t.database.db,
    sql`INSERT INTO sessions (session_key, data, user_id, expires)
        SELECT ${sessionKey}, '{}'::jsonb, id, now() + interval '1 hour' FROM users WHERE username = ${username}`,
  );
  const context = await browser.newContext({ viewport });
  await context.addCookies([
    { name: 'authentik_session', value: sessionKey, url: origin, httpOnly: true, sameSite: 'Lax' },
    { name: 'authentik_csrf', value: csrf, url: origin, sameSite: 'Lax' },
  ]);
  return context;
}

/** Opens an admin screen by its hash route and waits for its heading. */
export async function openScreen(page: Page, origin: string, route: string, heading: string): Promise<void> {
  await page.goto(`${origin}/if/admin/#/${route}`);
  await page.getByRole('heading', { name: heading, exact: true }).first().waitFor();
}

/** Script errors the page raised; a test asserts the list is empty at its end. */
export function collectScriptErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  return errors;
}
