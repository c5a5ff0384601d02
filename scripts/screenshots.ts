/**
 * `npm run screenshots`: regenerates docs/screenshots/*.png, the pictures in the README. It
 * builds the admin bundle, starts Tessera on an embedded database in a temporary folder, seeds
 * demo data through the REST API (as an administrator would), signs in through a browser
 * session, and photographs the main screens with Debian's chromium. Nothing is fetched.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { chromium, type Page } from 'playwright-core';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { openDatabase, query } from '../src/db/client.js';
import { CHROMIUM_PATH } from '../test/helpers/browser.js';
import { buildEnrollmentFlow, createInvitation } from '../test/helpers/enrollment.js';
import { ADMIN_TOKEN, TestClient, type TestContext } from '../test/helpers/test-app.js';
// @ts-expect-error: a plain ES module without type declarations
import { buildUi } from './build-ui.mjs';

const OUT = path.resolve('docs/screenshots');
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 375, height: 667 };

async function seed(
  t: TestContext,
): Promise<{ invitation: string; flowSlug: string; group: string; role: string }> {
  const api = t.client;
  const ok = (response: { status: number; text: string }, what: string) => {
    if (response.status >= 300) throw new Error(`seeding ${what}: ${response.status} ${response.text}`);
  };
  const engineering = await api.post('/api/v3/core/groups/', { name: 'Engineering' });
  ok(engineering, 'a group');
  ok(
    await api.post('/api/v3/core/groups/', { name: 'Contractors', parents: [engineering.body.pk] }),
    'a group',
  );
  for (const [username, name] of [
    ['alice', 'Alice Martin'],
    ['bob', 'Bob Chen'],
    ['carol', 'Carol Diaz'],
  ]) {
    const user = await api.post('/api/v3/core/users/', {
      username,
      name,
      email: `${username}@example.com`,
      groups: [engineering.body.pk],
    });
    ok(user, 'a user');
  }
  const role = await api.post('/api/v3/rbac/roles/', { name: 'Invitation managers' });
  ok(role, 'a role');
  ok(
    await api.post(`/api/v3/rbac/permissions/assigned_by_roles/${role.body.pk}/assign/`, {
      permissions: [
        'authentik_stages_invitation.add_invitation',
        'authentik_stages_invitation.view_invitation',
      ],
    }),
    'role permissions',
  );
  ok(
    await api.post('/api/v3/core/tokens/', { identifier: 'ci-deploy', description: 'Deploys from CI' }),
    'a token',
  );
  const enrollment = await buildEnrollmentFlow(t);
  const renamed = await api.patch(`/api/v3/flows/instances/${enrollment.flow.slug}/`, {
    slug: 'enrollment',
    name: 'Enrollment',
    title: 'Join Tessera',
  });
  ok(renamed, 'the flow');
  const invitation = await createInvitation(t, {
    flow: enrollment.flow.pk,
    single_use: true,
    fixed_data: { email: 'dana@example.com' },
  });
  await createInvitation(t, { flow: enrollment.flow.pk, max_uses: 10 });
  return {
    invitation: invitation.pk,
    flowSlug: 'enrollment',
    group: engineering.body.pk,
    role: role.body.pk,
  };
}

/** A browser session of akadmin, as the default authentication flow leaves it. */
async function signIn(t: TestContext): Promise<{ session: string; csrf: string }> {
  const session = randomBytes(24).toString('hex');
  const csrf = randomBytes(24).toString('hex');
  await query(
    t.database.db,
    sql`INSERT INTO sessions (session_key, data, user_id, expires)
        SELECT ${session}, '{}'::jsonb, id, now() + interval '1 hour' FROM users WHERE username = 'akadmin'`,
  );
  return { session, csrf };
}

async function shoot(page: Page, name: string): Promise<void> {
  // Let lists load and fonts settle: wait until no request is in flight.
  await page.waitForLoadState('networkidle');
  // The router focuses the main section after a navigation; its outline is not part of the screen.
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.screenshot({ path: path.join(OUT, `${name}.png`), fullPage: false });
  console.log(`wrote docs/screenshots/${name}.png`);
}

async function main(): Promise<void> {
  await buildUi();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tessera-screenshots-'));
  const config = loadConfig({
    TESSERA_DATA_DIR: dataDir,
    AUTHENTIK_BOOTSTRAP_TOKEN: ADMIN_TOKEN,
    AUTHENTIK_BOOTSTRAP_PASSWORD: randomBytes(12).toString('hex'),
    AUTHENTIK_LOG_LEVEL: 'error',
  });
  const database = await openDatabase(config.database);
  const app = await buildApp(config, { database, logger: false, schedule: false });
  const origin = await app.listen({ host: '127.0.0.1', port: 0 });
  const t: TestContext = { app, database, config, client: new TestClient(app) };
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox'],
  });
  try {
    const demo = await seed(t);
    const { session, csrf } = await signIn(t);
    mkdirSync(OUT, { recursive: true });
    const screens: [string, string, string][] = [
      ['overview', 'overview', 'Overview'],
      ['invitations', 'invitations', 'Invitations'],
      ['invitation', `invitations/${demo.invitation}`, ''],
      ['flows', 'flows', 'Flows'],
      ['users', 'users', 'Users'],
      ['groups', 'groups', 'Groups'],
      ['group', `groups/${demo.group}`, ''],
      ['roles', 'roles', 'Roles'],
      ['role', `roles/${demo.role}`, ''],
      ['tokens', 'tokens', 'Tokens'],
      ['audit-log', 'events', 'Audit log'],
    ];
    for (const viewport of [DESKTOP, PHONE]) {
      const context = await browser.newContext({ viewport });
      await context.addCookies([
        { name: 'authentik_session', value: session, url: origin, httpOnly: true, sameSite: 'Lax' },
        { name: 'authentik_csrf', value: csrf, url: origin, sameSite: 'Lax' },
      ]);
      const page = await context.newPage();
      for (const [name, hash, heading] of viewport === DESKTOP ? screens : screens.slice(1, 2)) {
        await page.goto(`${origin}/if/admin/#/${hash}`);
        if (heading) await page.getByRole('heading', { name: heading, exact: true }).first().waitFor();
        // A role's screen loads its permissions after the role itself.
        if (name === 'role') await page.getByText('authentik_stages_invitation.add_invitation').waitFor();
        await shoot(page, viewport === DESKTOP ? name : `${name}-phone`);
      }
      if (viewport === DESKTOP) {
        await page.goto(`${origin}/if/admin/#/events`);
        await page.getByRole('link', { name: 'model_created' }).first().click();
        await page.getByRole('heading', { name: 'Context' }).waitFor();
        await shoot(page, 'audit-event');
      }
      await context.close();
    }
    // The enrollment page a person opens from an invitation link.
    const visitor = await browser.newContext({ viewport: PHONE });
    const page = await visitor.newPage();
    await page.goto(`${origin}/if/flow/${demo.flowSlug}/?itoken=${demo.invitation}`);
    await page.getByLabel('Username', { exact: true }).waitFor();
    await shoot(page, 'enrollment-phone');
    await visitor.close();
  } finally {
    await browser.close();
    await app.close();
    await database.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
