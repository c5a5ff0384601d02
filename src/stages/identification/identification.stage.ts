/**
 * The identification stage at runtime (authentik/stages/identification/stage.py
 * IdentificationStageView): finds the user by the configured fields and makes them the plan's
 * pending user; with an inline password stage it checks the password too.
 *
 * Not reproduced: sources, captcha, passkeys and "remember me" (docs/compatibility.md).
 */
import type { ChallengeBody } from '../../flows/executor/challenge.schema.js';
import { PLAN_CONTEXT_PENDING_USER } from '../../flows/executor/context-keys.js';
import { PLAN_CONTEXT_AUTHENTICATION_BACKEND } from '../password/password-context-keys.js';
import {
  PLAN_CONTEXT_PENDING_USER_IDENTIFIER,
  PLAN_CONTEXT_PRETEND_USER,
} from './identification-context-keys.js';
import {
  denied,
  ok,
  type StageHandler,
  type StageOutcome,
  type StageRun,
} from '../../flows/executor/stage-registry.js';
import { BACKEND_INBUILT } from '../password/password-stage.schema.js';
import { assertSignInAllowed, passwordMatches, signInFailed } from '../password/sign-in.js';
import {
  IDENTIFICATION_SETTINGS_SQL,
  createIdentificationRepository,
  type IdentificationSettings,
} from './identification.repository.js';

/** authentik's `reverse_with_qs("authentik_core:if-flow", query=get_qs, ...)`. */
function flowLink(slug: string, get: Record<string, string>): string {
  const query = new URLSearchParams(get).toString();
  return `/if/flow/${encodeURIComponent(slug)}/${query ? `?${query}` : ''}`;
}

const FAILED = 'Failed to authenticate.';

function invalid(message: string): StageOutcome {
  return { result: 'invalid', errors: { non_field_errors: [{ string: message, code: 'invalid' }] } };
}

export const identificationStageHandler: StageHandler = {
  type: 'identification',
  planSettingsSql: IDENTIFICATION_SETTINGS_SQL,

  async challenge(run) {
    const settings = run.binding.settings as IdentificationSettings | null;
    const passwordStage = settings?.password_stage ?? null;
    const identifier = run.plan.context[PLAN_CONTEXT_PENDING_USER_IDENTIFIER];
    const links: Record<string, string> = {};
    if (settings?.enrollment_flow) links.enroll_url = flowLink(settings.enrollment_flow, run.get);
    if (settings?.recovery_flow) links.recovery_url = flowLink(settings.recovery_flow, run.get);
    if (settings?.passwordless_flow) links.passwordless_url = flowLink(settings.passwordless_flow, run.get);
    const challenge: ChallengeBody = {
      component: 'ak-stage-identification',
      user_fields: settings?.user_fields ?? [],
      pending_user_identifier: typeof identifier === 'string' ? identifier : null,
      password_fields: passwordStage !== null,
      allow_show_password: passwordStage?.allow_show_password ?? false,
      flow_designation: run.flow.designation,
      captcha_stage: null,
      ...links,
      // IdentificationStageView.get_primary_action
      primary_action: run.flow.designation === 'authentication' ? 'Log in' : 'Continue',
      sources: [],
      show_source_labels: settings?.show_source_labels ?? false,
      enable_remember_me: settings?.enable_remember_me ?? false,
    };
    return challenge;
  },

  async submit(run: StageRun, response) {
    const settings = run.binding.settings as IdentificationSettings | null;
    if (!settings) return denied();
    const context = run.plan.context;
    const uid = typeof response?.uid_field === 'string' ? response.uid_field : '';
    assertSignInAllowed(run);
    const repository = createIdentificationRepository(run.db);
    const user = uid
      ? await repository.findUser(uid, settings.user_fields, settings.case_insensitive_matching)
      : undefined;
    const passwordStage = settings.password_stage;
    if (!user) {
      if (!settings.show_matched_user) context[PLAN_CONTEXT_PENDING_USER_IDENTIFIER] = uid;
      delete context[PLAN_CONTEXT_PENDING_USER];
      // authentik goes on with an unsaved user of that name when told to pretend, unless the
      // password is asked for here; the password stage then refuses whatever is typed.
      if (settings.pretend_user_exists && !passwordStage) {
        context[PLAN_CONTEXT_PRETEND_USER] = uid;
        await run.events.record(
          run.db,
          run.ctx,
          'login_failed',
          { username: uid, failure: 'invalid_identifier' },
          { app: 'authentik.events.signals' },
        );
        return ok();
      }
      // The hash an inline password would have cost, so that timing does not tell.
      if (passwordStage) await passwordMatches(undefined, String(response?.password ?? ''), []);
      await signInFailed(run, { username: uid }, undefined, { failure: 'invalid_identifier' });
      return invalid(FAILED);
    }
    if (passwordStage) {
      const password = typeof response?.password === 'string' ? response.password : '';
      if (!(await passwordMatches(user, password, passwordStage.backends))) {
        await signInFailed(run, { username: user.username, password }, user);
        return invalid(FAILED);
      }
      context[PLAN_CONTEXT_AUTHENTICATION_BACKEND] = BACKEND_INBUILT;
    }
    context[PLAN_CONTEXT_PENDING_USER] = user.id;
    delete context[PLAN_CONTEXT_PRETEND_USER];
    if (!settings.show_matched_user) context[PLAN_CONTEXT_PENDING_USER_IDENTIFIER] = uid;
    return ok();
  },
};
