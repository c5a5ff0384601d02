/**
 * The flow executor (authentik/flows/views/executor.py FlowExecutorView): loads or builds the
 * plan kept in the session, runs stages in order and answers with the next challenge.
 *
 * Where authentik answers a completed stage with an HTTP 302 to itself (and runs silent stages
 * during the redirected GET), Tessera continues in the same request and returns the next
 * challenge directly (authentik/flows/views/executor.py `stage_ok`); the challenges are the same.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { SQL } from 'drizzle-orm';
import { NotifiedCache, type ChangeFeed } from '../../db/change-feed.js';
import type { Db } from '../../db/client.js';
import type { RequestContext } from '../../api/context.js';
import { noMetrics, type Metrics } from '../../lib/metrics.js';
import type { FailureLimiter } from '../../api/rate-limit.js';
import { ApiError, Messages } from '../../api/errors.js';
import type { EventBatch, EventService } from '../../events/event.service.js';
import { advanceSession, SessionConflict, type HttpSession } from '../../core/sessions/session.store.js';
import { DEFAULT_AVATAR } from '../../core/users/avatar.js';
import type { ChallengeBody, FlowInfo } from './challenge.schema.js';
import {
  CANCEL_URL,
  NEXT_ARG_NAME,
  PLAN_CONTEXT_PENDING_USER,
  PLAN_CONTEXT_REDIRECT,
  SESSION_KEY_GET,
  SESSION_KEY_PLAN,
} from './context-keys.js';
import { createExecutorRepository } from './executor.repository.js';
import { planFlow, type ExecutorFlow, type FlowPlan } from './planner.js';
import type { StageOutcome, StageRegistry, StageRun, WrittenUser } from './stage-registry.js';

export interface ExecuteInput {
  slug: string;
  /** The wrapped original query string (`?query=`); missing means empty, as in authentik. */
  query: string | undefined;
  method: 'GET' | 'POST';
  body: unknown;
  session: HttpSession;
  ctx: RequestContext;
  /** Audit events that commit with the session at the end of the request (see StageRun.audit). */
  audit: EventBatch;
}

/** Django's QueryDict of the wrapped query, keeping the last value of a repeated key. */
export function parseQuery(query: string): Record<string, string> {
  const result = Object.create(null) as Record<string, string>;
  // NUL characters cannot be stored (jsonb) and mean nothing in a query: they are dropped.
  for (const [key, value] of new URLSearchParams(query.replace(/%00|\0/gi, ''))) result[key] = value;
  return result;
}

/**
 * A redirect target that stays on this site: a path starting with one slash (not `//` or `/\`,
 * which browsers treat as another host) without control characters or whitespace.
 * @see django/utils/http.py url_has_allowed_host_and_scheme
 */
export function safeRelativeUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  if (!/^\/(?![/\\])/.test(url)) return undefined;
  if (/[\s\x00-\x1f\x7f\\]/.test(url)) return undefined;
  return url;
}

/**
 * The flow title with Python %-style placeholders `%(app)s` and `%(user)s`; any other
 * placeholder makes Python's formatting fail, and authentik then shows the raw title.
 * @see authentik/flows/stage.py StageView.format_title
 */
export function formatTitle(title: string, values: { app: string; user: string }): string {
  let out = '';
  for (let i = 0; i < title.length; i += 1) {
    const char = title[i];
    if (char !== '%') {
      out += char;
      continue;
    }
    if (title[i + 1] === '%') {
      out += '%';
      i += 1;
      continue;
    }
    const match = /^%\((app|user)\)s/.exec(title.slice(i));
    if (!match) return title;
    out += values[match[1] as 'app' | 'user'];
    i += match[0].length - 1;
  }
  return out;
}

/**
 * The slugs of the default flows authentik's default blueprints create
 * (blueprints/default/flow-default-authentication-flow.yaml, flow-default-invalidation-flow.yaml),
 * which ToDefaultFlow prefers among the flows of their designation.
 */
export const DEFAULT_AUTHENTICATION_FLOW = 'default-authentication-flow';
export const DEFAULT_INVALIDATION_FLOW = 'default-invalidation-flow';
const DEFAULT_FLOWS = {
  authentication: DEFAULT_AUTHENTICATION_FLOW,
  invalidation: DEFAULT_INVALIDATION_FLOW,
} as const;

/** Shown to a request whose session another request moved on first (FlowExecutor.raceLost). */
export const RACE_LOST = 'This flow was continued in another request. Reload the page to go on.';

export class FlowExecutor {
  /** Every stage handler's settings, read with the flow; built on first use, once the stage features have registered. */
  private settingsSql?: SQL;
  /**
   * Flows with their bindings and stage settings by slug: authentik's flow plan cache
   * (authentik/flows/planner.py, cache_key), cleared on every change to flows, bindings or
   * stages through the database's change notifications and bypassed while they are not
   * received (src/db/change-feed.ts). Unknown slugs are not kept.
   */
  private readonly flows: NotifiedCache<ExecutorFlow>;

  constructor(
    private readonly db: Db,
    private readonly registry: StageRegistry,
    private readonly events: EventService,
    private readonly log: FastifyBaseLogger,
    changes: ChangeFeed,
    private readonly limiter?: FailureLimiter,
    private readonly metrics: Metrics = noMetrics,
  ) {
    this.flows = new NotifiedCache(changes, 'flows', 1000);
  }

  async findFlow(slug: string): Promise<ExecutorFlow | undefined> {
    // No slug holds a NUL (the slug validator forbids it), and the database cannot compare one.
    if (slug.includes('\0')) return undefined;
    const cached = this.flows.get(slug);
    if (cached) return cached;
    const mark = this.flows.mark();
    this.settingsSql ??= this.registry.planSettingsSql();
    const flow = await createExecutorRepository(this.db).flowBySlug(slug, this.settingsSql);
    if (flow) {
      // Shared by every request that plans this flow: nothing may change it.
      for (const binding of flow.bindings) Object.freeze(binding);
      Object.freeze(flow.bindings);
      this.flows.set(mark, slug, Object.freeze(flow));
    }
    return flow;
  }

  async execute(input: ExecuteInput): Promise<ChallengeBody> {
    const flow = await this.findFlow(input.slug);
    if (!flow) throw ApiError.notFound(Messages.noMatch('Flow'));
    const { session } = input;
    // authentik stores the parsed query on every request: stages see the current one.
    const get = parseQuery(input.query ?? '');
    // Audit events of the executor show the wrapped query unwrapped into `args`, as authentik's
    // event middleware does; secret-looking keys (`itoken`, `token`) are then masked.
    const ctx: RequestContext = { ...input.ctx, query: get };
    session.setTransient(SESSION_KEY_GET, get);

    let plan = session.get<FlowPlan>(SESSION_KEY_PLAN);
    const restored = await this.restorePlan(flow, get, session);
    if (restored && 'refused' in restored) {
      // A dead link changes nothing: the session keeps whatever plan it has.
      return this.accessDenied(flow, plan?.flow_pk === flow.pk ? plan : undefined, restored.refused);
    }
    if (restored) {
      // The saved plan takes the session's place. A plan of this flow is not abandoned: it is
      // most likely the very plan the link saved (same browser), and abandoning it would
      // release what the restored copy still holds (an invitation's lease).
      if (plan && plan.flow_pk !== flow.pk) await this.abandon(plan, session);
      plan = restored.plan;
      session.set(SESSION_KEY_PLAN, plan);
    } else if (plan && (plan.flow_pk !== flow.pk || this.replacesPlan(plan, get))) {
      // A plan for another flow is replaced; so is one a stage says this request replaces.
      await this.abandon(plan, session);
      plan = undefined;
    }
    if (!plan) {
      const planned = await this.planFlow(flow, ctx.actor);
      if ('notApplicable' in planned) return this.notApplicable(flow, get, planned.notApplicable);
      for (const handler of this.registry.all()) handler.planned?.(planned, get);
      plan = planned;
      session.set(SESSION_KEY_PLAN, plan);
    }
    const answer = input.method === 'POST' ? this.answer(input.body) : null;
    try {
      return await this.advance(flow, plan, get, session, ctx, answer, input.audit);
    } catch (error) {
      if (error instanceof ApiError || error instanceof SessionConflict) throw error;
      this.log.error({ err: error, flow: flow.slug }, 'flow stage failed');
      return {
        flow_info: await this.flowInfo(flow, session.get<FlowPlan>(SESSION_KEY_PLAN)),
        component: 'ak-stage-flow-error',
        request_id: ctx.requestId,
      };
    }
  }

  /** A batch for ExecuteInput.audit. */
  auditBatch(): EventBatch {
    return this.events.batch();
  }

  /**
   * The slug of the default flow of a designation (authentik's ToDefaultFlow), if any: the one
   * authentik's default blueprint creates (src/blueprints/default/) before any other.
   */
  async defaultFlow(designation: keyof typeof DEFAULT_FLOWS): Promise<string | undefined> {
    return createExecutorRepository(this.db).defaultFlowSlug(designation, DEFAULT_FLOWS[designation]);
  }

  /** `/flows/-/cancel/`: drops the plan and releases what it held. */
  async cancel(session: HttpSession): Promise<void> {
    const plan = session.get<FlowPlan>(SESSION_KEY_PLAN);
    if (plan) await this.abandon(plan, session);
    session.delete(SESSION_KEY_PLAN);
    session.delete(SESSION_KEY_GET);
  }

  private answer(body: unknown): Record<string, unknown> {
    return body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  }

  /** The first stage handler's answer to a link that resumes a saved plan (StageHandler.restorePlan). */
  private async restorePlan(
    flow: ExecutorFlow,
    get: Record<string, string>,
    session: HttpSession,
  ): Promise<{ plan: FlowPlan } | { refused: string } | undefined> {
    for (const handler of this.registry.all()) {
      const restored = await handler.restorePlan?.(this.db, flow, get, session);
      if (restored) return restored;
    }
    return undefined;
  }

  private replacesPlan(plan: FlowPlan, get: Record<string, string>): boolean {
    return this.registry.all().some((handler) => handler.replacesPlan?.(plan, get) === true);
  }

  private async abandon(plan: FlowPlan, session: HttpSession): Promise<void> {
    for (const handler of this.registry.all()) await handler.abandon?.(this.db, plan, session);
    session.delete(SESSION_KEY_PLAN);
  }

  private async advance(
    flow: ExecutorFlow,
    startPlan: FlowPlan,
    get: Record<string, string>,
    session: HttpSession,
    ctx: RequestContext,
    firstAnswer: Record<string, unknown> | null,
    audit: EventBatch,
  ): Promise<ChallengeBody> {
    let plan = startPlan;
    let answer = firstAnswer;
    // Each pass completes a stage or returns; the bound only guards against a restart loop.
    for (let pass = 0; pass < 1000; pass += 1) {
      const binding = plan.bindings[0];
      if (!binding) return this.done(plan, get, session);
      const handler = this.registry.get(binding.type);
      if (!handler) {
        await this.abandon(plan, session);
        return this.accessDenied(flow, plan, 'Unknown error');
      }
      if (binding.settings === undefined && handler.planSettingsSql) {
        // A plan stored before plans kept stage settings reads them now, and keeps them.
        binding.settings = await createExecutorRepository(this.db).stageSettings(
          binding.stage,
          handler.planSettingsSql,
        );
      }
      const run: StageRun = {
        flow,
        plan,
        binding,
        session,
        ctx,
        get,
        db: this.db,
        events: this.events,
        audit,
        limiter: this.limiter,
        metrics: this.metrics,
        userWritten: (tx, user) => this.userWritten(tx, run, user),
        advance: (tx, events) =>
          advanceSession(
            tx,
            session,
            { ...session.data, [SESSION_KEY_PLAN]: { ...run.plan, bindings: run.plan.bindings.slice(1) } },
            events,
          ),
      };
      let outcome: StageOutcome;
      if (handler.challenge && answer === null) {
        const arrived = await handler.arrive?.(run);
        if (arrived === undefined) return this.withFlowInfo(flow, plan, await handler.challenge(run));
        if (arrived.result === 'invalid') {
          const { component, ...rest } = await handler.challenge(run);
          return this.withFlowInfo(flow, plan, { component, response_errors: arrived.errors, ...rest });
        }
        outcome = arrived;
      } else {
        outcome = await handler.submit(run, answer);
      }
      answer = null;
      if (outcome.result === 'ok') {
        plan.bindings.shift();
        continue;
      }
      if (outcome.result === 'denied') {
        // authentik's stage_invalid(): the plan is cancelled (invalid_response_action applies to
        // challenge answers only, so a failing silent stage cannot loop).
        await this.abandon(plan, session);
        return this.accessDenied(flow, plan, outcome.message);
      }
      if (
        binding.invalid_response_action === 'restart' ||
        binding.invalid_response_action === 'restart_with_context'
      ) {
        const keep = binding.invalid_response_action === 'restart_with_context';
        if (!keep) await this.abandon(plan, session);
        const planned = await this.planFlow(flow, ctx.actor, keep ? plan.context : {});
        if ('notApplicable' in planned) return this.notApplicable(flow, get, planned.notApplicable);
        plan = planned;
        session.set(SESSION_KEY_PLAN, plan);
        continue;
      }
      const challenge = await handler.challenge!(run);
      const { component, ...rest } = challenge;
      return this.withFlowInfo(flow, plan, { component, response_errors: outcome.errors, ...rest });
    }
    throw new Error('flow did not settle');
  }

  private async userWritten(tx: Db, run: StageRun, user: WrittenUser): Promise<string | null> {
    for (const handler of this.registry.all()) {
      const refusal = await handler.userWritten?.(tx, run, user);
      if (refusal) return refusal;
    }
    if (user.created) this.metrics.enrollment();
    return (await this.registry.policy(run.flow.slug)?.userWritten?.(tx, run, user)) ?? null;
  }

  /** planFlow with the flow's policy (FlowPolicy), if one is bound to it. */
  private async planFlow(
    flow: ExecutorFlow,
    actor: RequestContext['actor'],
    context?: Record<string, unknown>,
  ): Promise<ReturnType<typeof planFlow>> {
    const policy = this.registry.policy(flow.slug);
    const verdict = policy ? await policy.plan(this.db) : undefined;
    if (verdict && 'refused' in verdict) return { notApplicable: verdict.refused };
    const planned = planFlow(flow, actor, { ...verdict?.context, ...context });
    return planned;
  }

  /**
   * The answer to a request that lost a race against another request of its own session (two
   * answers sent at once): nothing it did was kept, and it shows what the stored plan shows
   * now, the current challenge, or a refusal the flow page renders when the plan has ended or
   * moved on to work a page cannot show.
   */
  async raceLost(slug: string, stored: HttpSession | undefined, ctx: RequestContext): Promise<ChallengeBody> {
    const flow = await this.findFlow(slug);
    if (!flow) throw ApiError.notFound(Messages.noMatch('Flow'));
    const plan = stored?.get<FlowPlan>(SESSION_KEY_PLAN);
    const binding = plan?.flow_pk === flow.pk ? plan.bindings[0] : undefined;
    const handler = binding ? this.registry.get(binding.type) : undefined;
    if (stored && plan && binding && handler?.challenge && binding.settings !== undefined) {
      const run: StageRun = {
        flow,
        plan,
        binding,
        session: stored,
        ctx,
        get: stored.get<Record<string, string>>(SESSION_KEY_GET) ?? {},
        db: this.db,
        events: this.events,
        audit: this.events.batch(),
        metrics: this.metrics,
        userWritten: () => Promise.reject(new SessionConflict()),
        advance: () => Promise.reject(new SessionConflict()),
      };
      return this.withFlowInfo(flow, plan, await handler.challenge(run));
    }
    return this.accessDenied(flow, plan, RACE_LOST);
  }

  /** authentik's `_flow_done`: the plan is removed and the client sent on. */
  private done(plan: FlowPlan, get: Record<string, string>, session: HttpSession): ChallengeBody {
    session.delete(SESSION_KEY_PLAN);
    session.delete(SESSION_KEY_GET);
    const redirect = plan.context[PLAN_CONTEXT_REDIRECT];
    const to =
      (typeof redirect === 'string' ? safeRelativeUrl(redirect) : undefined) ??
      safeRelativeUrl(get[NEXT_ARG_NAME]) ??
      '/';
    return { component: 'xak-flow-redirect', to, final_redirect: true };
  }

  /** authentik's `handle_invalid_flow` for a flow that does not apply (denied_action). */
  private async notApplicable(
    flow: ExecutorFlow,
    get: Record<string, string>,
    message: string,
  ): Promise<ChallengeBody> {
    const next = safeRelativeUrl(get[NEXT_ARG_NAME]);
    if ((flow.denied_action === 'continue' || flow.denied_action === 'message_continue') && next) {
      return { component: 'xak-flow-redirect', to: next, final_redirect: false };
    }
    if (flow.denied_action === 'continue') {
      return { component: 'xak-flow-redirect', to: '/', final_redirect: false };
    }
    return this.accessDenied(flow, undefined, message);
  }

  private async pendingUsername(plan: FlowPlan | undefined): Promise<string | undefined> {
    const pending = plan?.context[PLAN_CONTEXT_PENDING_USER];
    if (typeof pending !== 'number') return undefined;
    return createExecutorRepository(this.db).username(pending);
  }

  async flowInfo(flow: ExecutorFlow, plan: FlowPlan | undefined): Promise<FlowInfo> {
    const user = (await this.pendingUsername(plan)) ?? 'AnonymousUser';
    return {
      title: plan ? formatTitle(flow.title, { app: '', user }) : flow.title,
      background: flow.background_url,
      background_themed_urls: null,
      cancel_url: CANCEL_URL,
      layout: flow.layout as FlowInfo['layout'],
    };
  }

  private async withFlowInfo(flow: ExecutorFlow, plan: FlowPlan, challenge: ChallengeBody) {
    return { flow_info: await this.flowInfo(flow, plan), ...challenge };
  }

  /** authentik's AccessDeniedChallenge (HTTP 200), as stage_invalid() renders it. */
  async accessDenied(
    flow: ExecutorFlow,
    plan: FlowPlan | undefined,
    message: string,
  ): Promise<ChallengeBody> {
    return {
      flow_info: await this.flowInfo(flow, plan),
      component: 'ak-stage-access-denied',
      pending_user: (await this.pendingUsername(plan)) ?? '',
      pending_user_avatar: DEFAULT_AVATAR,
      error_message: message,
    };
  }
}
