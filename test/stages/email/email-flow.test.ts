/**
 * The email stage in enrollment flows, against a real SMTP server (test/helpers/smtp.ts): the
 * message the server received carries the link, and following it (in the same browser or
 * another) resumes the plan with the address verified; dead links are refused.
 */
import assert from 'node:assert/strict';
import { after, beforeEach, describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { query } from '../../../src/db/client.js';
import { LINK_INVALID, SEND_FAILED, TOO_MANY } from '../../../src/stages/email/email.stage.js';
import { PLAN_CONTEXT_EMAIL_VERIFIED } from '../../../src/stages/email/email-context-keys.js';
import { buildTestApp } from '../../helpers/test-app.js';
import { bindStage, createFlow, unique } from '../../helpers/factories.js';
import { FlowBrowser } from '../../helpers/flow-client.js';
import {
  answers,
  buildEnrollmentFlow,
  createInvitation,
  createPrompt,
  enrollmentProbes,
} from '../../helpers/enrollment.js';
import { startSmtpServer, type Received } from '../../helpers/smtp.js';

const smtp = await startSmtpServer();
after(() => smtp.close());

const t = await buildTestApp({
  AUTHENTIK_EMAIL__HOST: '127.0.0.1',
  AUTHENTIK_EMAIL__PORT: String(smtp.port),
  AUTHENTIK_EMAIL__FROM: 'global@example.org',
  AUTHENTIK_EMAIL__TIMEOUT: '5',
  TESSERA_EXTERNAL_URL: 'https://auth.example.com',
});
const db = t.database.db;
const { userRow, sessionUser } = enrollmentProbes(t);

beforeEach(() => {
  smtp.received.length = 0;
});

/**
 * prompt (username, email, name) → email → prompt (nickname) → user_write. The second prompt
 * keeps the plan in the session after the email stage, where the tests look at it.
 */
async function emailFlow(emailStage: Record<string, unknown> = {}) {
  const flow = await createFlow(t, { designation: 'enrollment', authentication: 'require_unauthenticated' });
  const fields = [
    await createPrompt(t, { field_key: 'username', type: 'username', order: 0 }),
    // `text`, so that the stage itself sees what a person typed.
    await createPrompt(t, { field_key: 'email', type: 'text', order: 1 }),
    await createPrompt(t, { field_key: 'name', type: 'text', order: 2 }),
  ];
  const first = await t.client.post('/api/v3/stages/prompt/stages/', {
    name: unique('prompt'),
    fields: fields.map((f: { pk: string }) => f.pk),
  });
  const nickname = await createPrompt(t, { field_key: 'nickname', type: 'text', order: 0 });
  const second = await t.client.post('/api/v3/stages/prompt/stages/', {
    name: unique('prompt'),
    fields: [nickname.pk],
  });
  const email = await t.client.post('/api/v3/stages/email/', {
    name: unique('email'),
    host: '127.0.0.1',
    port: smtp.port,
    timeout: 5,
    from_address: 'stage@example.org',
    subject: 'Confirm your account',
    template: 'email/account_confirmation.html',
    ...emailStage,
  });
  assert.equal(email.status, 201, JSON.stringify(email.body));
  const write = await t.client.post('/api/v3/stages/user_write/', {
    name: unique('write'),
    user_creation_mode: 'always_create',
  });
  await bindStage(t, flow.pk, first.body.pk, 10);
  await bindStage(t, flow.pk, email.body.pk, 20);
  const nicknameBinding = await bindStage(t, flow.pk, second.body.pk, 30);
  await bindStage(t, flow.pk, write.body.pk, 40);
  return { flow, stage: email.body, nicknameBinding };
}

function person(overrides: { email?: string; name?: string } = {}) {
  const username = unique('mailed');
  return {
    component: 'ak-stage-prompt',
    username,
    email: `${username}@example.com`,
    name: `Name of ${username}`,
    ...overrides,
  };
}

/** The link's key, from the text part of a received message. */
function keyOf(message: Received): string {
  const match =
    /https:\/\/auth\.example\.com\/if\/flow\/[^/\s]+\/\?(?:[^\s&]+&)*flow_token=([A-Za-z0-9_-]+)/.exec(
      message.source,
    );
  assert.ok(match, 'the message carries the link');
  return match[1];
}

/** Starts the flow and answers the first prompt: the browser is at the email stage. */
async function reachEmailStage(
  slug: string,
  answer: { component: string; username: string; email: string; name?: string } = person(),
) {
  const browser = new FlowBrowser(t.app);
  assert.equal((await browser.get(slug)).body.component, 'ak-stage-prompt');
  const shown = await browser.post(slug, answer);
  return { browser, shown, answer };
}

async function planContext(browser: FlowBrowser): Promise<Record<string, unknown> | undefined> {
  const [row] = await query<{ context: Record<string, unknown> | null }>(
    db,
    sql`SELECT data->'authentik/flows/plan'->'context' AS context FROM sessions
        WHERE session_key = ${browser.sessionKey ?? ''}`,
  );
  return row?.context ?? undefined;
}

describe('the email stage in an enrollment', () => {
  test('mails a link; opened in another browser it verifies the address and enrolling finishes', async () => {
    const { flow } = await emailFlow();
    const { browser, shown, answer } = await reachEmailStage(flow.slug);
    assert.equal(shown.body.component, 'ak-stage-email');
    assert.equal(smtp.received.length, 1);
    const [message] = smtp.received;
    assert.deepEqual(message.rcpt, [answer.email]);
    assert.equal(message.from, 'stage@example.org');
    assert.equal(message.headers.subject, 'Confirm your account');
    assert.match(message.source, /Confirm Account/);
    assert.match(message.source, new RegExp(`Hi ${answer.name},`));
    assert.equal(await userRow(answer.username), undefined);
    const key = keyOf(message);
    // Only a hash of the key is stored, and the audit log never sees it.
    const stored = await query(db, sql`SELECT 1 FROM flow_tokens WHERE key_hash = ${key}`);
    assert.equal(stored.length, 0);
    const [sent] = await query<{ context: any }>(
      db,
      sql`SELECT context FROM events WHERE action = 'email_sent' AND context->'to_email'->>0 = ${answer.email}`,
    );
    assert.ok(sent);
    assert.equal(JSON.stringify(sent.context).includes(key), false);
    // Reloading the page does not send again.
    assert.equal((await browser.get(flow.slug)).body.component, 'ak-stage-email');
    assert.equal(smtp.received.length, 1);

    const other = new FlowBrowser(t.app);
    const resumed = await other.get(flow.slug, `flow_token=${key}`);
    assert.equal(resumed.body.component, 'ak-stage-prompt');
    assert.deepEqual(
      resumed.body.fields.map((f: { field_key: string }) => f.field_key),
      ['nickname'],
    );
    assert.equal((await planContext(other))?.[PLAN_CONTEXT_EMAIL_VERIFIED], answer.email);
    // The page sends its query with every request: the link that restored the plan is not read again.
    const done = await other.post(
      flow.slug,
      { component: 'ak-stage-prompt', nickname: 'n' },
      `flow_token=${key}`,
    );
    assert.equal(done.body.component, 'xak-flow-redirect');
    const user = await userRow(answer.username);
    assert.equal(user.email, answer.email);
    assert.equal(user.name, answer.name);

    // The link is spent.
    const again = await new FlowBrowser(t.app).get(flow.slug, `flow_token=${key}`);
    assert.equal(again.body.component, 'ak-stage-access-denied');
    assert.equal(again.body.error_message, LINK_INVALID);
    const rows = await query(db, sql`SELECT 1 FROM flow_tokens WHERE flow = ${flow.pk}`);
    assert.equal(rows.length, 0);
  });

  test('the same browser can follow the link', async () => {
    const { flow } = await emailFlow();
    const { browser, answer } = await reachEmailStage(flow.slug);
    const key = keyOf(smtp.received[0]);
    const resumed = await browser.get(flow.slug, `flow_token=${key}`);
    assert.equal(resumed.body.component, 'ak-stage-prompt');
    const done = await browser.post(
      flow.slug,
      { component: 'ak-stage-prompt', nickname: 'n' },
      `flow_token=${key}`,
    );
    assert.equal(done.body.component, 'xak-flow-redirect');
    assert.equal((await userRow(answer.username)).email, answer.email);
  });

  test('a link the session followed is not refused later, even after the flow restarted', async () => {
    const { flow, nicknameBinding } = await emailFlow();
    await t.client.patch(`/api/v3/flows/bindings/${nicknameBinding.pk}/`, {
      invalid_response_action: 'restart',
    });
    await reachEmailStage(flow.slug);
    const key = keyOf(smtp.received[0]);
    const other = new FlowBrowser(t.app);
    assert.equal((await other.get(flow.slug, `flow_token=${key}`)).body.component, 'ak-stage-prompt');
    // The nickname is required: an empty answer restarts the flow from its first stage.
    const restarted = await other.post(
      flow.slug,
      { component: 'ak-stage-prompt', nickname: '' },
      `flow_token=${key}`,
    );
    assert.equal(restarted.body.component, 'ak-stage-prompt');
    assert.deepEqual(
      restarted.body.fields.map((f: { field_key: string }) => f.field_key),
      ['username', 'email', 'name'],
    );
    // The page still carries the spent link in its query: it is not read again.
    const reloaded = await other.get(flow.slug, `flow_token=${key}`);
    assert.equal(reloaded.body.component, 'ak-stage-prompt');
  });

  test('an answer sends the message again; following one link retires the others', async () => {
    const { flow } = await emailFlow();
    const { browser } = await reachEmailStage(flow.slug);
    const resent = await browser.post(flow.slug, { component: 'ak-stage-email' });
    assert.equal(resent.body.component, 'ak-stage-email');
    assert.deepEqual(resent.body.response_errors, {
      non_field_errors: [{ string: 'email-sent', code: 'email-sent' }],
    });
    assert.equal(smtp.received.length, 2);
    const [first, second] = smtp.received.map(keyOf);
    assert.notEqual(first, second);
    const resumed = await new FlowBrowser(t.app).get(flow.slug, `flow_token=${second}`);
    assert.equal(resumed.body.component, 'ak-stage-prompt');
    const stale = await new FlowBrowser(t.app).get(flow.slug, `flow_token=${first}`);
    assert.equal(stale.body.component, 'ak-stage-access-denied');
    assert.equal(stale.body.error_message, LINK_INVALID);
  });

  test('an unknown, expired or other flow’s link is refused and changes nothing', async () => {
    const { flow, stage } = await emailFlow();
    const { browser } = await reachEmailStage(flow.slug);
    const key = keyOf(smtp.received[0]);

    const bogus = await browser.get(flow.slug, 'flow_token=not-a-key');
    assert.equal(bogus.body.component, 'ak-stage-access-denied');
    assert.equal(bogus.body.error_message, LINK_INVALID);
    // The session's plan is untouched: it still waits at the email stage.
    assert.equal((await browser.get(flow.slug)).body.component, 'ak-stage-email');
    assert.equal((await planContext(browser))?.[PLAN_CONTEXT_EMAIL_VERIFIED], undefined);

    // Another flow's page does not take the link (and leaves it usable).
    const { flow: otherFlow } = await emailFlow();
    const elsewhere = await new FlowBrowser(t.app).get(otherFlow.slug, `flow_token=${key}`);
    assert.equal(elsewhere.body.component, 'ak-stage-access-denied');
    assert.equal((await query(db, sql`SELECT 1 FROM flow_tokens WHERE stage = ${stage.pk}`)).length, 1);

    // Once expired, it is refused.
    await db.execute(
      sql`UPDATE flow_tokens SET expires = now() - interval '1 second' WHERE stage = ${stage.pk}`,
    );
    const expired = await new FlowBrowser(t.app).get(flow.slug, `flow_token=${key}`);
    assert.equal(expired.body.component, 'ak-stage-access-denied');
    assert.equal(expired.body.error_message, LINK_INVALID);
    await t.app.runTask('clean_expired_flow_tokens');
    assert.equal((await query(db, sql`SELECT 1 FROM flow_tokens WHERE stage = ${stage.pk}`)).length, 0);
  });

  test('with activate_user_on_success the link activates the user the flow wrote', async () => {
    const flow = await createFlow(t, {
      designation: 'enrollment',
      authentication: 'require_unauthenticated',
    });
    const fields = [
      await createPrompt(t, { field_key: 'username', type: 'username', order: 0 }),
      await createPrompt(t, { field_key: 'email', type: 'email', order: 1 }),
    ];
    const prompt = await t.client.post('/api/v3/stages/prompt/stages/', {
      name: unique('prompt'),
      fields: fields.map((f: { pk: string }) => f.pk),
    });
    const write = await t.client.post('/api/v3/stages/user_write/', {
      name: unique('write'),
      user_creation_mode: 'always_create',
      create_users_as_inactive: true,
    });
    const email = await t.client.post('/api/v3/stages/email/', {
      name: unique('email'),
      use_global_settings: true,
      activate_user_on_success: true,
    });
    await bindStage(t, flow.pk, prompt.body.pk, 10);
    await bindStage(t, flow.pk, write.body.pk, 20);
    await bindStage(t, flow.pk, email.body.pk, 30);
    const answer = person();
    const { shown } = await reachEmailStage(flow.slug, {
      component: 'ak-stage-prompt',
      username: answer.username,
      email: answer.email,
    });
    assert.equal(shown.body.component, 'ak-stage-email');
    assert.equal((await userRow(answer.username)).is_active, false);
    // use_global_settings: the global sender, not the stage's default one.
    assert.equal(smtp.received[0].from, 'global@example.org');
    assert.deepEqual(smtp.received[0].rcpt, [answer.email]);
    const done = await new FlowBrowser(t.app).get(flow.slug, `flow_token=${keyOf(smtp.received[0])}`);
    assert.equal(done.body.component, 'xak-flow-redirect');
    assert.equal((await userRow(answer.username)).is_active, true);
  });

  test('at most recovery_max_attempts messages go to one address within recovery_cache_timeout', async () => {
    const { flow } = await emailFlow({ recovery_max_attempts: 2, recovery_cache_timeout: 'hours=1' });
    const { browser } = await reachEmailStage(flow.slug);
    await browser.post(flow.slug, { component: 'ak-stage-email' });
    const third = await browser.post(flow.slug, { component: 'ak-stage-email' });
    assert.equal(third.body.component, 'ak-stage-email');
    assert.deepEqual(third.body.response_errors, {
      non_field_errors: [{ string: TOO_MANY, code: 'throttled' }],
    });
    assert.equal(smtp.received.length, 2);
  });

  test('a server that cannot be reached is reported, and no link is left behind', async () => {
    const { flow, stage } = await emailFlow({ port: 1 });
    const { shown } = await reachEmailStage(flow.slug);
    assert.equal(shown.body.component, 'ak-stage-email');
    assert.deepEqual(shown.body.response_errors, {
      non_field_errors: [{ string: SEND_FAILED, code: 'email-failed' }],
    });
    assert.equal((await query(db, sql`SELECT 1 FROM flow_tokens WHERE stage = ${stage.pk}`)).length, 0);
    const errors = await query(
      db,
      sql`SELECT 1 FROM events WHERE action = 'configuration_error' AND context->>'stage' = ${stage.name}`,
    );
    assert.equal(errors.length, 1);
  });

  test('what a person typed is escaped in the HTML part', async () => {
    const { flow } = await emailFlow();
    await reachEmailStage(flow.slug, person({ name: '<img src=x onerror=alert(1)>' }));
    const [message] = smtp.received;
    const htmlPart = message.source.slice(message.source.indexOf('Content-Type: text/html'));
    assert.ok(htmlPart.includes('Hi &lt;img src=x onerror=alert(1)&gt;,'));
    assert.equal(htmlPart.includes('<img src=x'), false);
  });

  test('an answer that is not one address is refused before anything is sent', async () => {
    const { flow } = await emailFlow();
    const { shown } = await reachEmailStage(flow.slug, person({ email: 'one@example.com, two@example.com' }));
    assert.equal(shown.body.component, 'ak-stage-access-denied');
    assert.equal(smtp.received.length, 0);
  });

  test('an invitation enrollment: the link keeps the invitation, which is used up when the user is written', async () => {
    const e = await buildEnrollmentFlow(t);
    const stage = await t.client.post('/api/v3/stages/email/', {
      name: unique('email'),
      use_global_settings: true,
      template: 'email/account_confirmation.html',
    });
    await bindStage(t, e.flow.pk, stage.body.pk, 15);
    const invitation = await createInvitation(t, { flow: e.flow.pk, single_use: true });
    const browser = new FlowBrowser(t.app);
    const query = `itoken=${invitation.pk}`;
    assert.equal((await browser.get(e.flow.slug, query)).body.component, 'ak-stage-prompt');
    const username = unique('invited');
    const shown = await browser.post(e.flow.slug, answers(username), query);
    assert.equal(shown.body.component, 'ak-stage-email');
    // The link carries the page's own query, so it opens the same flow the same way.
    assert.match(smtp.received[0].source, new RegExp(`\\?itoken=${invitation.pk}&flow_token=`));
    const key = keyOf(smtp.received[0]);
    const other = new FlowBrowser(t.app);
    const done = await other.get(e.flow.slug, `${query}&flow_token=${key}`);
    assert.equal(done.body.component, 'xak-flow-redirect');
    const user = await userRow(username);
    assert.equal(user.email, `${username}@example.com`);
    // Kept for its history (retention), its one use taken.
    const used = await t.client.get(`/api/v3/stages/invitation/invitations/${invitation.pk}/`);
    assert.equal(used.body.status, 'used_up');
    // The browser that followed the link is the one signed in.
    assert.equal(await sessionUser(other), user.id);
    assert.equal(await sessionUser(browser), null);
  });

  test('an invitation bound to an address: the email stage proves it, then the user is written', async () => {
    const e = await buildEnrollmentFlow(t);
    const stage = await t.client.post('/api/v3/stages/email/', {
      name: unique('email'),
      use_global_settings: true,
      template: 'email/account_confirmation.html',
    });
    await bindStage(t, e.flow.pk, stage.body.pk, 15);
    const username = unique('bound');
    const address = `${username}@example.com`;
    const invitation = await createInvitation(t, { flow: e.flow.pk, max_uses: 1, email: address });
    const query = `itoken=${invitation.pk}`;
    const browser = new FlowBrowser(t.app);
    assert.equal((await browser.get(e.flow.slug, query)).body.component, 'ak-stage-prompt');
    const before = smtp.received.length;
    const shown = await browser.post(e.flow.slug, answers(username, { email: address.toUpperCase() }), query);
    assert.equal(shown.body.component, 'ak-stage-email');
    const mail = smtp.received[before];
    assert.deepEqual(
      mail.rcpt.map((to) => to.toLowerCase()),
      [address],
    );
    const done = await browser.get(e.flow.slug, `${query}&flow_token=${keyOf(mail)}`);
    assert.equal(done.body.component, 'xak-flow-redirect', JSON.stringify(done.body));
    assert.ok(await userRow(username));
  });
});
