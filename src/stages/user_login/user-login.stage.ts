/**
 * The user_login stage at runtime (authentik/stages/user_login/stage.py): signs the pending
 * user in by attaching them to the browser session (a new session key, as Django's login()
 * cycles it), so the `authentik_session` cookie then authenticates API requests.
 *
 * Not reproduced: the "remember me" challenge (`remember_me_offset`), network/GeoIP session
 * binding and `remember_device` (docs/compatibility.md).
 */
import { sql } from 'drizzle-orm';
import { query } from '../../db/client.js';
import { UNAUTHENTICATED_AGE_SECONDS } from '../../core/sessions/session.store.js';
import { PLAN_CONTEXT_PENDING_USER } from '../../flows/executor/context-keys.js';
import { denied, ok, type StageHandler } from '../../flows/executor/stage-registry.js';
import { parseTimedelta } from './timedelta.js';

interface LoginSettings {
  session_duration: string;
  terminate_other_sessions: boolean;
}

export const userLoginStageHandler: StageHandler = {
  type: 'user_login',

  async submit(run) {
    const pending = run.plan.context[PLAN_CONTEXT_PENDING_USER];
    if (typeof pending !== 'number') return denied('No Pending user to login.');
    const [settings] = await query<LoginSettings>(
      run.db,
      sql`SELECT session_duration, terminate_other_sessions FROM user_login_stages WHERE stage_uuid = ${run.binding.stage}`,
    );
    const [user] = await query<{ id: number; username: string; email: string; is_active: boolean }>(
      run.db,
      sql`SELECT id, username, email, is_active FROM users WHERE id = ${pending}`,
    );
    if (!settings || !user) return denied();
    if (!user.is_active) return denied();
    // A duration of 0 lasts until the browser closes (a cookie without Max-Age); the row then
    // lives as long as an unauthenticated session would.
    const duration = Math.floor(parseTimedelta(settings.session_duration) ?? 0);
    run.session.login(user.id, duration > 0 ? duration : UNAUTHENTICATED_AGE_SECONDS, duration > 0);
    await run.db.transaction(async (tx) => {
      if (settings.terminate_other_sessions) {
        await tx.execute(sql`DELETE FROM sessions WHERE user_id = ${user.id}`);
      }
      await tx.execute(sql`UPDATE users SET last_login = now() WHERE id = ${user.id}`);
      // authentik/events/signals.py on_user_logged_in
      await run.events.record(
        tx,
        run.ctx,
        'login',
        {},
        {
          app: 'authentik.events.signals',
          user: { username: user.username, pk: user.id, email: user.email },
        },
      );
    });
    return ok();
  },
};
