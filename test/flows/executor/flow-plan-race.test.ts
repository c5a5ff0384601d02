/**
 * One browser session advances its flow plan once per step, whatever the concurrency: many
 * answers sent at once with the same session cookie, on one instance or spread over two
 * instances on one database, write one user and claim one use of the invitation. The answers
 * that lose the race get a challenge the flow page can render and change nothing.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { buildApp } from '../../../src/app.js';
import { query } from '../../../src/db/client.js';
import { buildTestApp } from '../../helpers/test-app.js';
import { unique } from '../../helpers/factories.js';
import { FlowBrowser } from '../../helpers/flow-client.js';
import {
  answers,
  buildEnrollmentFlow,
  createInvitation,
  race,
  RENDERABLE,
  sameSession,
} from '../../helpers/enrollment.js';

const t = await buildTestApp();
const db = t.database.db;

async function usersNamed(prefix: string) {
  return query<{ id: number; username: string }>(
    db,
    sql`SELECT id, username FROM users WHERE username LIKE ${`${prefix}%`}`,
  );
}

async function usesOf(invitationPk: string) {
  return query<{ username: string; user_id: number | null }>(
    db,
    sql`SELECT username, user_id FROM invitation_uses WHERE invitation_uuid = ${invitationPk}`,
  );
}

async function invitationRow(pk: string) {
  const [row] = await query<{ uses: number }>(
    db,
    sql`SELECT uses FROM invitations WHERE invite_uuid = ${pk}`,
  );
  return row;
}

describe('one session, many concurrent answers', () => {
  test('single use consumed on open: 30 answers on one instance write one user and one use', async () => {
    const e = await buildEnrollmentFlow(t);
    const invitation = await createInvitation(t, { flow: e.flow.pk, single_use: true });
    const { prefix, results } = await race([t.app], invitation, e.flow.slug, 30);
    const users = await usersNamed(prefix);
    assert.equal(users.length, 1);
    assert.equal(results.filter((r) => r.body.component === 'xak-flow-redirect').length, 1);
    const uses = await usesOf(invitation.pk);
    assert.deepEqual(
      uses.map((u) => [u.username, u.user_id]),
      [[users[0].username, users[0].id]],
    );
    // Kept, used up (TESSERA_INVITATIONS_RETENTION=keep, the default), its one use counted once.
    assert.equal((await invitationRow(invitation.pk)).uses, 1);
  });

  test('single use consumed on open: 30 answers over two instances on one database write one user', async () => {
    const e = await buildEnrollmentFlow(t);
    const invitation = await createInvitation(t, { flow: e.flow.pk, single_use: true });
    // A second app on the same database plays the other instance.
    const other = await buildApp(t.config, { database: t.database, logger: false, schedule: false });
    try {
      const { prefix } = await race([t.app, other], invitation, e.flow.slug, 30);
      const users = await usersNamed(prefix);
      assert.equal(users.length, 1);
      assert.deepEqual(
        (await usesOf(invitation.pk)).map((u) => u.username),
        [users[0].username],
      );
    } finally {
      await other.close();
    }
  });

  test('a counted invitation: one session claims one use, however many answers it sends', async () => {
    const e = await buildEnrollmentFlow(t);
    const invitation = await createInvitation(t, { flow: e.flow.pk, single_use: false, max_uses: 10 });
    const { prefix } = await race([t.app], invitation, e.flow.slug, 30);
    assert.equal((await usersNamed(prefix)).length, 1);
    assert.equal((await invitationRow(invitation.pk)).uses, 1);
    assert.equal((await usesOf(invitation.pk)).length, 1);
  });

  test('concurrent opens of the link with one session consume it once and keep the winning plan', async () => {
    const e = await buildEnrollmentFlow(t);
    const invitation = await createInvitation(t, { flow: e.flow.pk, single_use: true });
    const q = `itoken=${invitation.pk}`;
    // A session that exists before the link is opened (from an earlier visit).
    const opener = new FlowBrowser(t.app);
    assert.equal((await opener.get(e.flow.slug)).body.component, 'ak-stage-access-denied');
    const key = unique('session-key');
    await db.execute(
      sql`INSERT INTO sessions (session_key, data, expires) VALUES (${key}, '{}'::jsonb, now() + interval '1 hour')`,
    );
    opener.cookies.set('authentik_session', key);
    const results = await Promise.all(
      Array.from({ length: 10 }, () => sameSession(opener, t.app).get(e.flow.slug, q)),
    );
    for (const result of results) assert.ok(RENDERABLE.has(result.body.component));
    assert.equal((await invitationRow(invitation.pk)).uses, 1);
    assert.equal((await usesOf(invitation.pk)).length, 1);
    // Whoever won, the session kept the plan that consumed the invitation: it enrolls.
    const username = unique('kept-plan');
    const done = await sameSession(opener, t.app).post(e.flow.slug, answers(username), q);
    assert.equal(done.body.component, 'xak-flow-redirect');
    assert.deepEqual(
      (await usesOf(invitation.pk)).map((u) => u.username),
      [username],
    );
  });
});
