/**
 * The initial-setup flow (authentik's out-of-box experience): while akadmin has no password the
 * first person sets its email and password and is signed in; it never runs again, and of two
 * people finishing it at once only one sets the password.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { query } from '../../../src/db/client.js';
import { verifyPassword } from '../../../src/core/users/password.js';
import { buildTestApp, type TestContext } from '../../helpers/test-app.js';
import { FlowBrowser } from '../../helpers/flow-client.js';

const SETUP = 'initial-setup';
const NOT_APPLICABLE = 'Flow does not apply to current user.';

async function akadmin(t: TestContext) {
  const [row] = await query<{ email: string; password: string | null }>(
    t.database.db,
    sql`SELECT email, password FROM users WHERE username = 'akadmin'`,
  );
  return row;
}

const answer = (email: string, password: string) => ({
  component: 'ak-stage-prompt',
  email,
  password,
  password_repeat: password,
});

/** A browser at the setup's form. */
async function atForm(t: TestContext) {
  const browser = new FlowBrowser(t.app);
  const form = await browser.get(SETUP);
  assert.equal(form.body.component, 'ak-stage-prompt', JSON.stringify(form.body));
  return { browser, form };
}

describe('initial setup', () => {
  test('sets akadmin’s email and password once, signs the person in, then refuses to run again', async () => {
    const t = await buildTestApp();
    assert.equal((await akadmin(t)).password, null);
    const page = await t.app.inject({ url: `/if/flow/${SETUP}/` });
    assert.equal(page.statusCode, 200);
    const { browser, form } = await atForm(t);
    assert.deepEqual(
      form.body.fields.map((f: any) => [f.field_key, f.type]),
      [
        ['oobe-header-text', 'static'],
        ['email', 'email'],
        ['password', 'password'],
        ['password_repeat', 'password'],
      ],
    );
    const mismatch = await browser.post(SETUP, {
      ...answer('root@example.com', 'one'),
      password_repeat: 'two',
    });
    assert.equal(mismatch.body.component, 'ak-stage-prompt');
    assert.equal((await akadmin(t)).password, null);

    const done = await browser.post(SETUP, answer('root@example.com', 'first-secret'));
    assert.deepEqual([done.body.component, done.body.to], ['xak-flow-redirect', '/']);
    const admin = await akadmin(t);
    assert.equal(admin.email, 'root@example.com');
    assert.ok(await verifyPassword('first-secret', admin.password));
    const me = await browser.request('GET', '/api/v3/core/users/me/');
    assert.equal(me.body.user.username, 'akadmin');

    // Refused from now on, to anyone, and nothing changes.
    const again = await new FlowBrowser(t.app).get(SETUP);
    assert.equal(again.body.component, 'ak-stage-access-denied');
    assert.equal(again.body.error_message, NOT_APPLICABLE);
    assert.ok(await verifyPassword('first-secret', (await akadmin(t)).password));
  });

  test('is refused when AUTHENTIK_BOOTSTRAP_PASSWORD gave akadmin a password', async () => {
    const t = await buildTestApp({ AUTHENTIK_BOOTSTRAP_PASSWORD: 'from-the-environment' });
    const refused = await new FlowBrowser(t.app).get(SETUP);
    assert.equal(refused.body.component, 'ak-stage-access-denied');
    assert.equal(refused.body.error_message, NOT_APPLICABLE);
  });

  test('of two people finishing at once, exactly one sets the password', async () => {
    const t = await buildTestApp();
    const first = await atForm(t);
    const second = await atForm(t);
    const results = await Promise.all([
      first.browser.post(SETUP, answer('one@example.com', 'secret-one')),
      second.browser.post(SETUP, answer('two@example.com', 'secret-two')),
    ]);
    const winners = results.filter((r) => r.body.component === 'xak-flow-redirect');
    const losers = results.filter((r) => r.body.component === 'ak-stage-access-denied');
    assert.equal(winners.length, 1, JSON.stringify(results.map((r) => r.body)));
    assert.equal(losers.length, 1);
    const won = results[0] === winners[0] ? 'one' : 'two';
    const admin = await akadmin(t);
    assert.equal(admin.email, `${won}@example.com`);
    assert.ok(await verifyPassword(`secret-${won}`, admin.password));
    // The loser is not signed in.
    const loser = results[0] === winners[0] ? second.browser : first.browser;
    assert.equal((await loser.request('GET', '/api/v3/core/users/me/')).status, 403);
  });
});
