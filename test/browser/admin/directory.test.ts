/**
 * The users, groups, roles, tokens and audit-log screens in Debian's chromium: each action
 * done through the page is checked in the API, every screen passes axe-core (no serious or
 * critical violation) at desktop and phone width, and a refusal names the missing permission.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { sql } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import { query } from '../../../src/db/client.js';
import { assertAccessible, startAdminBrowser } from '../../helpers/admin-browser.js';
import { createUserWithToken, unique } from '../../helpers/factories.js';

const ui = await startAdminBrowser();
const api = ui.t.client;
const PHONE = { width: 375, height: 667 };

/** Accepts the page's next confirm() (revoke, delete). */
function acceptConfirm(page: Page): void {
  page.once('dialog', (dialog) => void dialog.accept());
}

test('a user has a screen: account, groups, tokens, changes and activity, with its actions', async () => {
  const group = await api.post('/api/v3/core/groups/', { name: unique('crew') });
  const username = unique('member');
  const created = await api.post('/api/v3/core/users/', {
    username,
    name: 'Mo Member',
    email: `${username}@example.com`,
    groups: [group.body.pk],
  });
  assert.equal(created.status, 201);
  const token = await api.post('/api/v3/core/tokens/', {
    identifier: unique('member-token'),
    user: created.body.pk,
    intent: 'api',
  });
  assert.equal(token.status, 201);

  for (const viewport of [undefined, PHONE]) {
    const { page, errors } = await ui.open(`users/${created.body.pk}`, viewport);
    await page.getByRole('heading', { name: `User ${username}` }).waitFor();
    await page.getByRole('link', { name: group.body.name }).waitFor();
    await page.getByRole('cell', { name: token.body.identifier }).waitFor();
    await page
      .getByRole('table', { name: `Changes to ${username}` })
      .getByText('model_created')
      .waitFor();
    await assertAccessible(page, `user screen${viewport ? ' (phone)' : ''}`);
    assert.deepEqual(errors, []);
    await page.context().close();
  }

  const { page } = await ui.open('users');
  await page.getByRole('searchbox').fill(username);
  await page.getByRole('searchbox').press('Enter');
  await page.getByRole('link', { name: username, exact: true }).click();
  await page.getByRole('heading', { name: `User ${username}` }).waitFor();
  await page.getByRole('button', { name: 'Deactivate' }).click();
  await page
    .getByRole('status')
    .filter({ hasText: `User ${username} deactivated.` })
    .waitFor();
  assert.equal((await api.get(`/api/v3/core/users/${created.body.pk}/`)).body.is_active, false);
  await page.getByRole('button', { name: 'Reactivate' }).waitFor();
});

test('users: create with a group, search, edit, set a password, deactivate', async () => {
  const group = await api.post('/api/v3/core/groups/', { name: unique('team') });
  const { page, errors } = await ui.open('users');
  await page.getByRole('heading', { name: 'Users', exact: true }).waitFor();
  await assertAccessible(page, 'users');

  const username = unique('person');
  await page.getByRole('button', { name: 'New user' }).click();
  await assertAccessible(page, 'new user form');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Display name').fill('Pat Person');
  await page.getByLabel('Email').fill(`${username}@example.com`);
  await page.getByLabel('Groups').selectOption(group.body.pk);
  await page.getByRole('button', { name: 'Create' }).click();
  await page
    .getByRole('status')
    .filter({ hasText: `User ${username} created.` })
    .waitFor();
  const created = (await api.get(`/api/v3/core/users/?username=${username}`)).body.results[0];
  assert.equal(created.name, 'Pat Person');
  assert.deepEqual(created.groups, [group.body.pk]);

  await page.getByRole('searchbox').fill(username);
  await page.getByRole('searchbox').press('Enter');
  await page.getByRole('cell', { name: username, exact: true }).waitFor();
  assert.equal(await page.getByRole('button', { name: `Edit ${username}` }).count(), 1);

  await page.getByRole('button', { name: `Edit ${username}` }).click();
  await page.getByLabel('Display name').fill('Pat Renamed');
  await page.getByRole('button', { name: 'Save' }).click();
  await page
    .getByRole('status')
    .filter({ hasText: `User ${username} saved.` })
    .waitFor();
  assert.equal((await api.get(`/api/v3/core/users/${created.pk}/`)).body.name, 'Pat Renamed');

  const passwordOf = async () =>
    (
      await query<{ password: string }>(
        ui.t.database.db,
        sql`SELECT password FROM users WHERE id = ${created.pk}`,
      )
    )[0].password;
  const before = await passwordOf();
  await page.getByRole('button', { name: `Set password ${username}` }).click();
  await page.getByLabel(/^New password \*?$/).fill('a long new password');
  await page.getByLabel('New password (repeat)').fill('not the same');
  await page.getByRole('button', { name: 'Set password', exact: true }).click();
  await page.getByText("The passwords don't match.").waitFor();
  await page.getByLabel('New password (repeat)').fill('a long new password');
  await page.getByRole('button', { name: 'Set password', exact: true }).click();
  await page
    .getByRole('status')
    .filter({ hasText: `Password of ${username} set.` })
    .waitFor();
  const after = await passwordOf();
  assert.notEqual(after, before);
  assert.ok(after.length > 20, 'a password hash is stored');

  await page.getByRole('button', { name: `Deactivate ${username}` }).click();
  await page.getByRole('button', { name: `Reactivate ${username}` }).waitFor();
  assert.equal((await api.get(`/api/v3/core/users/${created.pk}/`)).body.is_active, false);
  assert.deepEqual(errors, []);
});

test('a field error from the API is shown beside its field and the form stays open', async () => {
  const { page } = await ui.open('users');
  await page.getByRole('button', { name: 'New user' }).click();
  await page.getByLabel('Username').fill(ui.admin.username);
  await page.getByRole('button', { name: 'Create' }).click();
  const message = page.locator('.ak-field-error').first();
  await message.waitFor();
  assert.match(await message.innerText(), /already exists|unique/i);
  assert.equal(await page.getByRole('dialog').count(), 1);
});

test('groups: the superuser flag warns, members are added and removed', async () => {
  const member = await createUserWithToken(ui.t);
  const { page, errors } = await ui.open('groups');
  await page.getByRole('heading', { name: 'Groups', exact: true }).waitFor();
  await assertAccessible(page, 'groups');
  const name = unique('admins');
  await page.getByRole('button', { name: 'New group' }).click();
  await page.getByLabel('Name').fill(name);
  assert.equal(await page.getByText('may do everything').count(), 0);
  await page.getByLabel('Members are superusers').check();
  await page.getByText('may do everything').waitFor();
  await assertAccessible(page, 'group form with the superuser warning');
  await page.getByRole('button', { name: 'Create' }).click();
  await page
    .getByRole('status')
    .filter({ hasText: `Group ${name} created.` })
    .waitFor();
  const group = (await api.get(`/api/v3/core/groups/?name=${name}`)).body.results[0];
  assert.equal(group.is_superuser, true);

  await page.getByRole('link', { name }).click();
  await page.getByRole('heading', { name: `Group ${name}` }).waitFor();
  await page.getByRole('button', { name: 'Add member' }).click();
  await page.getByLabel('Username').fill('nobody-is-called-this');
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await page.getByText('No user is called "nobody-is-called-this".').waitFor();
  await page.getByLabel('Username').fill(member.username);
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await page.getByRole('cell', { name: member.username, exact: true }).first().waitFor();
  assert.deepEqual((await api.get(`/api/v3/core/groups/${group.pk}/`)).body.users, [member.id]);
  await assertAccessible(page, 'group');
  await page.getByRole('button', { name: `Remove ${member.username}` }).click();
  await page.getByText('No members yet.').waitFor();
  assert.deepEqual((await api.get(`/api/v3/core/groups/${group.pk}/`)).body.users, []);
  assert.deepEqual(errors, []);
});

test('roles: a permission is given and taken back', async () => {
  const { page, errors } = await ui.open('roles');
  await page.getByRole('heading', { name: 'Roles', exact: true }).waitFor();
  await assertAccessible(page, 'roles');
  const name = unique('viewers');
  await page.getByRole('button', { name: 'New role' }).click();
  await page.getByLabel('Name').fill(name);
  await page.getByRole('button', { name: 'Create' }).click();
  await page.getByRole('link', { name }).click();
  await page.getByRole('heading', { name: `Role ${name}` }).waitFor();
  await page.getByText('This role holds no permission yet.').waitFor();
  await page.getByRole('button', { name: 'Add permission' }).click();
  const choice = page.getByRole('combobox', { name: /^Permission/ });
  await choice.locator('option[value="authentik_core.view_user"]').waitFor({ state: 'attached' });
  await choice.selectOption('authentik_core.view_user');
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await page.getByRole('cell', { name: 'authentik_core.view_user', exact: true }).waitFor();
  const role = (await api.get(`/api/v3/rbac/roles/?name=${name}`)).body.results[0];
  const held = await api.get(`/api/v3/rbac/permissions/?role=${role.pk}`);
  assert.deepEqual(
    held.body.results.map((p: { codename: string }) => p.codename),
    ['view_user'],
  );
  await assertAccessible(page, 'role');
  await page.getByRole('button', { name: 'Remove authentik_core.view_user' }).click();
  await page.getByText('This role holds no permission yet.').waitFor();
  assert.equal((await api.get(`/api/v3/rbac/permissions/?role=${role.pk}`)).body.results.length, 0);
  assert.deepEqual(errors, []);
});

test('tokens: the key is shown once and copied; revoking deletes the token', async () => {
  const { page, context, errors } = await ui.open('tokens');
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: ui.origin });
  await page.getByRole('heading', { name: 'Tokens', exact: true }).waitFor();
  await assertAccessible(page, 'tokens');
  const identifier = unique('deploy');
  await page.getByRole('button', { name: 'New token' }).click();
  await page.getByLabel('Identifier').fill(identifier);
  await page.getByLabel('Description').fill('Deploys');
  await page.getByRole('button', { name: 'Create' }).click();
  const key = page.getByLabel('Token key');
  await key.waitFor();
  const shown = await key.inputValue();
  const stored = await api.get(`/api/v3/core/tokens/${identifier}/view_key/`);
  assert.equal(shown, stored.body.key);
  await page.getByText('This is the only time this screen shows the key.').waitFor();
  await assertAccessible(page, 'new token key');
  await page.getByRole('button', { name: 'Copy' }).click();
  await page.getByText('Copied.').waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), shown);
  await page.getByRole('button', { name: 'Done' }).click();
  assert.equal(await page.getByLabel('Token key').count(), 0);
  assert.equal(await page.locator(`text=${shown}`).count(), 0, 'the key is not shown again');

  acceptConfirm(page);
  await page.getByRole('button', { name: `Revoke ${identifier}` }).click();
  await page
    .getByRole('status')
    .filter({ hasText: `Token ${identifier} revoked.` })
    .waitFor();
  assert.equal((await api.get(`/api/v3/core/tokens/${identifier}/`)).status, 404);
  assert.deepEqual(errors, []);
});

test('audit log: filters by action, user, model and date; an event shows its context', async () => {
  const username = unique('audited');
  // A user event's object is the user's display name (authentik's model_to_dict).
  await api.post('/api/v3/core/users/', { username, name: username });
  const { page, errors } = await ui.open('events');
  await page.getByRole('heading', { name: 'Audit log', exact: true }).waitFor();
  await assertAccessible(page, 'audit log');
  await page.getByLabel('Action').locator('option[value="model_created"]').waitFor({ state: 'attached' });
  await page.getByLabel('Action').selectOption('model_created');
  // The test's API client acts with the bootstrap token, as akadmin.
  await page.getByLabel('User', { exact: true }).fill('akadmin');
  await page.getByLabel('Object app').fill('authentik_core');
  await page.getByLabel('Object model').fill('user');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.getByRole('cell', { name: `user: ${username}` }).waitFor();
  // The unfiltered page holds the same event: wait for the filtered answer to replace it.
  await page
    .getByRole('cell', { name: /^model_(updated|deleted)$/ })
    .first()
    .waitFor({ state: 'detached' });
  const actions = await page.getByRole('cell', { name: /^model_/ }).allInnerTexts();
  assert.ok(actions.length > 0 && actions.every((a) => a.trim() === 'model_created'), actions.join());

  // A range that ends before today shows nothing; one that holds today shows the event again.
  await page.getByLabel('To (day)').fill('2000-01-01');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.getByText('Nothing here yet.').waitFor();
  const today = await page.evaluate(() => {
    const d = new Date();
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  });
  await page.getByLabel('From (day)').fill(today);
  await page.getByLabel('To (day)').fill(today);
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.getByRole('cell', { name: `user: ${username}` }).waitFor();

  await page
    .getByRole('row')
    .filter({ hasText: `user: ${username}` })
    .getByRole('link', { name: 'model_created' })
    .click();
  await page.getByRole('heading', { name: 'Context' }).waitFor();
  const context = JSON.parse(await page.locator('pre').innerText());
  assert.equal(context.model.name, username);
  assert.equal(context.model.app, 'authentik_core');
  await assertAccessible(page, 'audit event');
  assert.deepEqual(errors, []);
});

test('a refusal names the permission the screen needs', async () => {
  // Only superusers may open the admin interface in Tessera; this one loses that while the
  // page is open, as when another administrator takes it away.
  const person = await createUserWithToken(ui.t, { superuser: true });
  const session = randomBytes(24).toString('hex');
  await ui.t.database.db.execute(
    sql`INSERT INTO sessions (session_key, data, user_id, expires)
        VALUES (${session}, '{}'::jsonb, ${person.id}, now() + interval '1 hour')`,
  );
  const context = await ui.browser.newContext();
  await context.addCookies([{ name: 'authentik_session', value: session, url: ui.origin, httpOnly: true }]);
  const page = await context.newPage();
  await page.goto(`${ui.origin}/if/admin/#/tokens`);
  await page.getByRole('heading', { name: 'Tokens', exact: true }).waitFor();
  await ui.t.database.db.execute(sql`DELETE FROM user_groups WHERE user_id = ${person.id}`);
  await page
    .getByRole('navigation', { name: 'Global' })
    .getByRole('link', { name: 'Users', exact: true })
    .click();
  const alert = page.getByRole('alert').filter({ hasText: 'authentik_core.view_user' });
  await alert.waitFor();
  assert.match(await alert.innerText(), /needs the permission authentik_core\.view_user/);
  await context.close();
});

test('every directory screen fits a phone and passes axe there', async () => {
  for (const [hash, heading] of [
    ['users', 'Users'],
    ['groups', 'Groups'],
    ['roles', 'Roles'],
    ['tokens', 'Tokens'],
    ['events', 'Audit log'],
  ]) {
    const { page, context, errors } = await ui.open(hash, PHONE);
    await page.getByRole('heading', { name: heading, exact: true }).waitFor();
    await page.locator('table tbody tr').first().waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${hash} is ${overflow}px wider than the phone`);
    await assertAccessible(page, `${hash} at 375px`);
    assert.deepEqual(errors, [], hash);
    await context.close();
  }
});
