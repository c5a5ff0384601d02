import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertAccessible, startAdminBrowser } from '../../helpers/admin-browser.js';

const ui = await startAdminBrowser();

test('the shell loads with the signed-in user, every nav entry, and no console errors', async () => {
  const { page, errors } = await ui.open('overview');
  await page.getByText(`Signed in as ${ui.admin.username}`).waitFor();
  const nav = page.getByRole('navigation', { name: 'Global' });
  for (const label of [
    'Overview',
    'Invitations',
    'Flows',
    'Stages',
    'Users',
    'Groups',
    'Roles',
    'Tokens',
    'Audit log',
  ]) {
    await nav.getByRole('link', { name: label, exact: true }).waitFor();
  }
  assert.equal(
    await page.getByRole('link', { name: 'Sign out' }).getAttribute('href'),
    '/flows/-/default/invalidation/',
  );
  await nav.getByRole('link', { name: 'Users', exact: true }).click();
  await page.getByRole('heading', { name: 'Users' }).waitFor();
  assert.equal(
    await nav.getByRole('link', { name: 'Users', exact: true }).getAttribute('aria-current'),
    'page',
  );
  await assertAccessible(page, 'shell');
  assert.deepEqual(errors, []);
});

test('the shell works at 375px: the navigation opens from the masthead toggle', async () => {
  const { page, errors } = await ui.open('overview', { width: 375, height: 800 });
  const toggle = page.getByRole('button', { name: 'Global navigation' });
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
  await toggle.click();
  await page.getByRole('navigation', { name: 'Global' }).getByRole('link', { name: 'Invitations' }).click();
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
  assert.match(page.url(), /#\/invitations$/);
  await assertAccessible(page, 'shell at 375px');
  assert.deepEqual(errors, []);
});

test('an unknown address shows a not-found screen inside the shell', async () => {
  const { page } = await ui.open('no-such-screen');
  await page.getByRole('heading', { name: 'Not found' }).waitFor();
});
