/**
 * The email stage at runtime (authentik/stages/email/stage.py EmailStageView): when the stage
 * comes up it mails the pending user (in an enrollment before the user is written: the address
 * of the prompt data) a link back to the flow carrying a one-time key, and shows "check your
 * email". Following the link, in this browser or another, restores the plan saved with the key
 * (authentik's FlowToken), and the stage passes, noting the address as verified
 * (PLAN_CONTEXT_EMAIL_VERIFIED) and activating the pending user when the stage says so. An
 * answer to the challenge sends the message again.
 *
 * Beyond authentik: the key is stored only as a SHA-256; following one link retires every link
 * the plan sent; a dead link is refused with a message instead of being ignored; the stage
 * sends at most `recovery_max_attempts` messages to one address within
 * `recovery_cache_timeout` (docs/compatibility.md).
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { EmailConfig } from '../../config.js';
import type { Db } from '../../db/client.js';
import { detachedJson, isPlainRecord } from '../../api/safe-objects.js';
import { EMAIL_RE } from '../../api/validation.js';
import { PLAN_CONTEXT_PENDING_USER, PLAN_CONTEXT_PROMPT } from '../../flows/executor/context-keys.js';
import type { ExecutorFlow, FlowPlan } from '../../flows/executor/planner.js';
import {
  denied,
  ok,
  type StageHandler,
  type StageOutcome,
  type StageRun,
} from '../../flows/executor/stage-registry.js';
import { parseTimedelta } from '../../lib/timedelta.js';
import { Mailer } from './mailer.js';
import { renderStageEmail } from './email-templates.js';
import {
  PLAN_CONTEXT_EMAIL_OVERRIDE,
  PLAN_CONTEXT_EMAIL_PLAN_ID,
  PLAN_CONTEXT_EMAIL_SENT,
  PLAN_CONTEXT_EMAIL_VERIFIED,
  PLAN_CONTEXT_IS_RESTORED,
  QS_KEY_TOKEN,
  SESSION_KEY_FOLLOWED_LINK,
} from './email-context-keys.js';
import { EMAIL_SETTINGS_SQL, createEmailRepository, type EmailSettings } from './email.repository.js';

/** What PLAN_CONTEXT_IS_RESTORED holds. */
interface Restored {
  stage: string;
  email: string;
}

export const LINK_INVALID =
  'This link is invalid, was already used or has expired. Please request a new one.';
export const SEND_FAILED = 'The email could not be sent. Please try again later.';
export const TOO_MANY = 'Too many emails were sent to this address. Please try again later.';
/** authentik's EmailChallengeResponse.validate error. */
const EMAIL_SENT_ERROR = { string: 'email-sent', code: 'email-sent' };

/** Durations are capped at ten years: a larger one is a mistake, and the database could not add it. */
const MAX_SECONDS = 10 * 365 * 86400;
const seconds = (text: string, fallback: number) =>
  Math.min(Math.max(parseTimedelta(text) ?? fallback, 0), MAX_SECONDS);

const sha256 = (key: string) => createHash('sha256').update(key).digest('hex');

const invalid = (string: string, code: string): StageOutcome => ({
  result: 'invalid',
  errors: { non_field_errors: [{ string, code }] },
});

function isRestored(value: unknown): value is Restored {
  return isPlainRecord(value) && typeof value.stage === 'string' && typeof value.email === 'string';
}

function isPlan(value: unknown, flow: ExecutorFlow): value is FlowPlan {
  return (
    isPlainRecord(value) &&
    value.flow_pk === flow.pk &&
    Array.isArray(value.bindings) &&
    isPlainRecord(value.context)
  );
}

export interface EmailStageOptions {
  /** The global settings (AUTHENTIK_EMAIL__*), for stages with `use_global_settings`. */
  email: EmailConfig;
  /** TESSERA_EXTERNAL_URL; when empty, the origin a trusted proxy names. */
  externalUrl: string;
}

export function createEmailStageHandler(options: EmailStageOptions): StageHandler {
  /** Where the message goes: the override, the pending user's address, the prompt data's. */
  async function recipient(run: StageRun): Promise<{ address: string; name: string } | undefined> {
    const context = run.plan.context;
    const pending = context[PLAN_CONTEXT_PENDING_USER];
    const user = typeof pending === 'number' ? await createEmailRepository(run.db).user(pending) : undefined;
    const prompt = isPlainRecord(context[PLAN_CONTEXT_PROMPT]) ? context[PLAN_CONTEXT_PROMPT] : {};
    const text = (value: unknown) => (typeof value === 'string' ? value.trim() : '');
    const address = text(context[PLAN_CONTEXT_EMAIL_OVERRIDE]) || text(user?.email) || text(prompt.email);
    if (!address) return undefined;
    return { address, name: text(user?.name) || text(prompt.name) };
  }

  /** The mailer with the stage's own SMTP settings, or the global ones. */
  async function mailerFor(db: Db, stage: string): Promise<Mailer | undefined> {
    const smtp = await createEmailRepository(db).smtpSettings(stage);
    if (!smtp) return undefined;
    if (smtp.use_global_settings) return new Mailer(options.email);
    return new Mailer({
      host: smtp.host,
      port: smtp.port,
      username: smtp.username,
      password: smtp.password,
      useTls: smtp.use_tls,
      useSsl: smtp.use_ssl,
      from: smtp.from_address,
      timeoutSeconds: smtp.timeout > 0 ? smtp.timeout : 10,
    });
  }

  /** The link back to this flow: the page's own query without an old key, plus the new one. */
  function link(run: StageRun, base: string, key: string): string {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(run.get))
      if (name !== QS_KEY_TOKEN) params.append(name, value);
    params.append(QS_KEY_TOKEN, key);
    return `${base}/if/flow/${encodeURIComponent(run.flow.slug)}/?${params.toString()}`;
  }

  /** authentik's send_email(): a new link, saved with the plan, mailed; undefined when it went out. */
  async function send(run: StageRun, settings: EmailSettings): Promise<StageOutcome | undefined> {
    const target = await recipient(run);
    if (!target) return denied('No pending user.');
    // One address, and nothing a mail header could read as a list of them.
    if (!EMAIL_RE.test(target.address)) return denied('The email address is not valid.');
    const repository = createEmailRepository(run.db);
    const stage = run.binding.stage;
    if (settings.recovery_max_attempts > 0) {
      const window = seconds(settings.recovery_cache_timeout, 300);
      const sent = await repository.recentSends(stage, target.address, window);
      if (sent >= settings.recovery_max_attempts) return invalid(TOO_MANY, 'throttled');
    }
    const base = options.externalUrl || run.ctx.origin;
    const mailer = base ? await mailerFor(run.db, stage) : undefined;
    if (!base || !mailer) {
      run.audit.record(
        run.ctx,
        'configuration_error',
        {
          message: base
            ? 'The email stage is gone.'
            : 'Cannot build the email link: set TESSERA_EXTERNAL_URL to the public URL of this server.',
          stage: run.binding.name,
        },
        { app: 'authentik.stages.email.stage' },
      );
      return invalid(SEND_FAILED, 'email-failed');
    }

    const context = run.plan.context;
    if (typeof context[PLAN_CONTEXT_EMAIL_PLAN_ID] !== 'string')
      context[PLAN_CONTEXT_EMAIL_PLAN_ID] = randomUUID();
    const key = randomBytes(32).toString('base64url');
    const keyHash = sha256(key);
    // The plan as it stands, this stage first: what the link resumes, wherever it is opened.
    const saved = { ...run.plan, context: { ...context, [PLAN_CONTEXT_EMAIL_SENT]: true } };
    const token = await repository.insertToken({
      keyHash,
      planId: context[PLAN_CONTEXT_EMAIL_PLAN_ID] as string,
      flow: run.flow.pk,
      stage,
      email: target.address,
      plan: saved,
      seconds: seconds(settings.token_expiry, 1800),
    });
    const message = renderStageEmail(settings.template, settings.subject, {
      url: link(run, base, key),
      name: target.name,
      expires: new Date(token.expires),
    });
    const session = await mailer.open();
    let result;
    try {
      result = await session.send({ to: [target.address], cc: [], bcc: [], ...message });
    } finally {
      session.close();
    }
    if (result.accepted.length === 0) {
      await repository.deleteToken(keyHash);
      run.metrics.emailFailed();
      run.audit.record(
        run.ctx,
        'configuration_error',
        {
          message: `Email to ${target.address} could not be sent`,
          error: result.failed.get(target.address) ?? result.unreachable ?? 'Unknown error',
          server: mailer.server,
          stage: run.binding.name,
        },
        { app: 'authentik.stages.email.tasks' },
      );
      return invalid(SEND_FAILED, 'email-failed');
    }
    run.metrics.emailSent();
    // authentik/stages/email/tasks.py send_mail's event; the key never reaches the audit log.
    run.audit.record(
      run.ctx,
      'email_sent',
      {
        message: `Email to ${target.address} sent`,
        subject: message.subject,
        body: message.html.replaceAll(key, '********'),
        from_email: mailer.fromAddress,
        to_email: [target.address],
      },
      { app: 'authentik.stages.email.tasks' },
    );
    return undefined;
  }

  return {
    type: 'email',
    planSettingsSql: EMAIL_SETTINGS_SQL,

    async challenge() {
      return { component: 'ak-stage-email' };
    },

    async arrive(run) {
      const settings = run.binding.settings as EmailSettings | null;
      if (!settings) return denied();
      const context = run.plan.context;
      const restored = context[PLAN_CONTEXT_IS_RESTORED];
      if (isRestored(restored) && restored.stage === run.binding.stage) {
        // The link was followed: the address it went to is verified.
        context[PLAN_CONTEXT_EMAIL_VERIFIED] = restored.email;
        const pending = context[PLAN_CONTEXT_PENDING_USER];
        if (settings.activate_user_on_success && typeof pending === 'number') {
          await createEmailRepository(run.db).activate(pending);
        }
        return ok();
      }
      if (context[PLAN_CONTEXT_EMAIL_SENT] !== true) {
        const failure = await send(run, settings);
        if (failure) return failure;
        context[PLAN_CONTEXT_EMAIL_SENT] = true;
      }
      return undefined;
    },

    // EmailChallengeResponse is never valid: an answer means "send it again".
    async submit(run) {
      const settings = run.binding.settings as EmailSettings | null;
      if (!settings) return denied();
      const failure = await send(run, settings);
      if (failure) return failure;
      run.plan.context[PLAN_CONTEXT_EMAIL_SENT] = true;
      return { result: 'invalid', errors: { non_field_errors: [EMAIL_SENT_ERROR] } };
    },

    async restorePlan(db, flow, get, session) {
      const key = get[QS_KEY_TOKEN];
      if (!key) return undefined;
      const keyHash = sha256(key);
      // The page sends its query with every request: a link this session followed is not read
      // again, whatever became of the plan it restored (moved on, restarted, finished).
      if (session.get(SESSION_KEY_FOLLOWED_LINK) === keyHash) return undefined;
      const token = await createEmailRepository(db).redeem(keyHash, flow.pk);
      // A saved plan steers the flow: its objects inherit from nothing, as a session's do.
      const plan = token ? detachedJson(token.plan) : undefined;
      if (!token || !isPlan(plan, flow)) return { refused: LINK_INVALID };
      plan.context[PLAN_CONTEXT_IS_RESTORED] = { stage: token.stage, email: token.email };
      session.set(SESSION_KEY_FOLLOWED_LINK, keyHash);
      return { plan };
    },
  };
}
