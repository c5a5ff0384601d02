/**
 * The password stage at runtime (authentik/stages/password/stage.py PasswordStageView): checks
 * the pending user's password with the inbuilt backend. A wrong password shows the challenge
 * again with "Invalid password"; after `failed_attempts_before_cancel` of them in a session
 * the flow is cancelled with the same message.
 */
import { DEFAULT_AVATAR } from '../../core/users/avatar.js';
import { PLAN_CONTEXT_PENDING_USER } from '../../flows/executor/context-keys.js';
import { PLAN_CONTEXT_PRETEND_USER } from '../identification/identification-context-keys.js';
import { PLAN_CONTEXT_AUTHENTICATION_BACKEND, SESSION_KEY_INVALID_TRIES } from './password-context-keys.js';
import { denied, ok, type StageHandler } from '../../flows/executor/stage-registry.js';
import { createIdentificationRepository } from '../identification/identification.repository.js';
import { BACKEND_INBUILT } from './password-stage.schema.js';
import { PASSWORD_SETTINGS_SQL, type PasswordSettings } from './password.repository.js';
import { assertSignInAllowed, passwordMatches, signInFailed } from './sign-in.js';

const INVALID = 'Invalid password';

export const passwordStageHandler: StageHandler = {
  type: 'password',
  planSettingsSql: PASSWORD_SETTINGS_SQL,

  async challenge(run) {
    const settings = run.binding.settings as PasswordSettings | null;
    const pending = run.plan.context[PLAN_CONTEXT_PENDING_USER];
    const pretend = run.plan.context[PLAN_CONTEXT_PRETEND_USER];
    const user =
      typeof pending === 'number'
        ? await createIdentificationRepository(run.db).userById(pending)
        : undefined;
    return {
      component: 'ak-stage-password',
      pending_user: user?.username ?? (typeof pretend === 'string' ? pretend : ''),
      pending_user_avatar: DEFAULT_AVATAR,
      allow_show_password: settings?.allow_show_password ?? false,
    };
  },

  async submit(run, response) {
    const settings = run.binding.settings as PasswordSettings | null;
    if (!settings) return denied();
    const context = run.plan.context;
    const pending = context[PLAN_CONTEXT_PENDING_USER];
    const pretend = context[PLAN_CONTEXT_PRETEND_USER];
    if (typeof pending !== 'number' && typeof pretend !== 'string') return denied('No pending user');
    // PasswordChallengeResponse: CharField(trim_whitespace=False), required, not blank.
    const password = response?.password;
    if (typeof password !== 'string' || password === '') {
      const message = password === '' ? 'This field may not be blank.' : 'This field is required.';
      const code = password === '' ? 'blank' : 'required';
      return { result: 'invalid', errors: { password: [{ string: message, code }] } };
    }
    assertSignInAllowed(run);
    const user =
      typeof pending === 'number'
        ? await createIdentificationRepository(run.db).userById(pending)
        : undefined;
    if (await passwordMatches(user, password, settings.backends)) {
      context[PLAN_CONTEXT_AUTHENTICATION_BACKEND] = BACKEND_INBUILT;
      return ok();
    }
    await signInFailed(run, { username: user?.username ?? String(pretend), password }, user);
    // PasswordStageView.challenge_invalid: tries are counted in the session, across flows.
    const tries = (Number(run.session.get(SESSION_KEY_INVALID_TRIES)) || 0) + 1;
    if (tries >= settings.failed_attempts_before_cancel) {
      run.session.delete(SESSION_KEY_INVALID_TRIES);
      return denied(INVALID);
    }
    run.session.set(SESSION_KEY_INVALID_TRIES, tries);
    return { result: 'invalid', errors: { password: [{ string: INVALID, code: 'invalid' }] } };
  },
};
