/**
 * The user_login stage at runtime (authentik/stages/user_login/stage.py): signs the pending
 * user in by attaching them to the browser session (a new session key, as Django's login()
 * cycles it), so the `authentik_session` cookie then authenticates API requests.
 *
 * Not reproduced: the "remember me" challenge (`remember_me_offset`), network/GeoIP session
 * binding and `remember_device` (docs/compatibility.md).
 */
import { UNAUTHENTICATED_AGE_SECONDS } from '../../core/sessions/session.store.js';
import { PLAN_CONTEXT_PENDING_USER } from '../../flows/executor/context-keys.js';
import { denied, ok, type StageHandler } from '../../flows/executor/stage-registry.js';
import type { Db } from '../../db/client.js';
import { parseTimedelta } from '../../lib/timedelta.js';
import {
  USER_LOGIN_SETTINGS_SQL,
  createUserLoginRepository,
  type LoginSettings,
} from './user-login.repository.js';

export const userLoginStageHandler: StageHandler = {
  type: 'user_login',
  planSettingsSql: USER_LOGIN_SETTINGS_SQL,

  async submit(run) {
    const pending = run.plan.context[PLAN_CONTEXT_PENDING_USER];
    if (typeof pending !== 'number') return denied('No Pending user to login.');
    // Kept in the plan when it was made (StageHandler.planSettingsSql).
    const settings = run.binding.settings as LoginSettings | null;
    if (!settings) return denied();
    // Other sessions end and the login is stamped together; the transaction is only needed
    // when there is more than the one statement that stamps it.
    const login = async (db: Db) => {
      const repository = createUserLoginRepository(db);
      // An inactive (or deleted) user is not signed in; recordLogin then changes nothing.
      const user = await repository.recordLogin(pending);
      if (user && settings.terminate_other_sessions) await repository.endSessionsOf(user.id);
      return user;
    };
    const user = settings.terminate_other_sessions ? await run.db.transaction(login) : await login(run.db);
    if (!user) return denied();
    // authentik/events/signals.py on_user_logged_in; recorded with the session that holds the
    // login, by the statement that saves it.
    run.audit.record(
      run.ctx,
      'login',
      {},
      { app: 'authentik.events.signals', user: { username: user.username, pk: user.id, email: user.email } },
    );
    // A duration of 0 lasts until the browser closes (a cookie without Max-Age); the row then
    // lives as long as an unauthenticated session would.
    const duration = Math.floor(parseTimedelta(settings.session_duration) ?? 0);
    run.session.login(user.id, duration > 0 ? duration : UNAUTHENTICATED_AGE_SECONDS, duration > 0);
    return ok();
  },
};
