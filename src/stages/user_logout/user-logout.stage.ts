/**
 * The user_logout stage at runtime (authentik/stages/user_logout/stage.py): Django's logout()
 * for the browser session that runs the flow, with authentik's `logout` event. The session row
 * goes when the request's session is saved, with the event in the same statement, and the
 * session cookie is cleared.
 *
 * Django's logout() flushes the session and authentik's executor then stores the plan in the
 * fresh one; Tessera ends the session outright, so stages bound after this one still run when
 * they need no answer from the browser (the request continues through them), while a stage that
 * shows a challenge after it starts the flow anew. authentik's own flows put it last.
 */
import { ok, type StageHandler } from '../../flows/executor/stage-registry.js';

export const userLogoutStageHandler: StageHandler = {
  type: 'user_logout',

  async submit(run) {
    // authentik/events/signals.py on_user_logged_out: only a signed-in session signs out, and
    // the event names the request's user, who is the session's.
    if (run.session.userId !== null) {
      run.audit.record(run.ctx, 'logout', {}, { app: 'authentik.events.signals' });
    }
    run.session.logout();
    return ok();
  },
};
