/**
 * The executor knows stages only through this interface: a registry keyed by stage type stands
 * in for authentik's `Stage.view` property (authentik/flows/models.py) and the StageView classes
 * (authentik/flows/stage.py). A stage either shows a challenge and judges the answer
 * (ChallengeStageView) or works silently on whatever request reaches it (StageView).
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import type { RequestContext } from '../../api/context.js';
import type { EventBatch, EventService } from '../../events/event.service.js';
import type { NewEvent } from '../../events/event.repository.js';
import type { HttpSession } from '../../core/sessions/session.store.js';
import type { FailureLimiter } from '../../api/rate-limit.js';
import type { Metrics } from '../../lib/metrics.js';
import type { ChallengeBody, ResponseErrors } from './challenge.schema.js';
import type { ExecutorFlow, FlowPlan, PlanBinding } from './planner.js';

export interface StageRun {
  flow: ExecutorFlow;
  plan: FlowPlan;
  binding: PlanBinding;
  session: HttpSession;
  /** The HTTP request, for audit events. */
  ctx: RequestContext;
  /** The parsed `query` of the current request (authentik's SESSION_KEY_GET). */
  get: Record<string, string>;
  db: Db;
  events: EventService;
  /**
   * Audit events that take effect with the session (an invitation taken into the plan, a
   * refusal, a login): written by the statement that saves the session at the end of the
   * request rather than each by a commit of its own.
   */
  audit: EventBatch;
  /** Counts failed lookups (invitations) per client address; absent when nothing is limited. */
  limiter?: FailureLimiter;
  /** Counts invitations used and refused (src/root/metrics.ts). */
  metrics: Metrics;
  /** Runs every handler's `userWritten` hook in the caller's transaction. */
  userWritten(tx: Db, user: WrittenUser): Promise<string | null>;
  /**
   * Stores the session with its plan past this stage, in the caller's transaction, for a stage
   * whose work must happen once per plan step (a user write), with the work's audit `events`:
   * of concurrent requests of one session the first commits, the others throw SessionConflict
   * and roll their work back.
   */
  advance(tx: Db, events: NewEvent[]): Promise<void>;
}

export interface WrittenUser {
  id: number;
  username: string;
  email: string;
  created: boolean;
}

/** authentik's stage_ok() / challenge_invalid() / stage_invalid(). */
export type StageOutcome =
  { result: 'ok' } | { result: 'invalid'; errors: ResponseErrors } | { result: 'denied'; message: string };

export const ok = (): StageOutcome => ({ result: 'ok' });
export const denied = (message = 'Unknown error'): StageOutcome => ({ result: 'denied', message });

export interface StageHandler {
  /** The stage type, as stored in `stages.type`. */
  type: string;
  /** The challenge to show; absent for silent stages. `flow_info` is added by the executor. */
  challenge?(run: StageRun): Promise<ChallengeBody>;
  /**
   * Judges the answer to the challenge (the POST body), or, for a silent stage, does its work;
   * `response` is null when no answer was sent.
   */
  submit(run: StageRun, response: Record<string, unknown> | null): Promise<StageOutcome>;
  /**
   * For a stage with a challenge: runs when the stage comes up without an answer (authentik's
   * ChallengeStageView.get), before the challenge is shown. It may finish the stage (`ok`,
   * `denied`) without showing anything, show the challenge with errors (`invalid`, which never
   * restarts the flow: it judged no answer), or return undefined to show the challenge. The
   * email stage sends its message here, and passes when its link restored the plan.
   */
  arrive?(run: StageRun): Promise<StageOutcome | undefined>;
  /**
   * A request whose query carries a link to a saved plan (authentik's `flow_token`,
   * FlowExecutorView._check_flow_token): the plan to go on with, which replaces the session's,
   * or a refusal (an unknown, used or expired link). Undefined when the query carries no such
   * link, or one this session already followed (the page sends its query with every request).
   */
  restorePlan?(
    db: Db,
    flow: ExecutorFlow,
    get: Record<string, string>,
    session: HttpSession,
  ): Promise<{ plan: FlowPlan } | { refused: string } | undefined>;
  /**
   * A user was written by this plan: the hook may add to the same transaction (count an
   * invitation use), or refuse with a message, which rolls the user back.
   */
  userWritten?(tx: Db, run: StageRun, user: WrittenUser): Promise<string | null>;
  /** The plan is abandoned (cancelled, restarted, replaced): release what it holds. */
  abandon?(db: Db, plan: FlowPlan, session: HttpSession): Promise<void>;
  /**
   * A plan was just made from a request with this parsed `query`: the stage may note in its
   * context what it needs to recognise a later request (`replacesPlan`).
   */
  planned?(plan: FlowPlan, get: Record<string, string>): void;
  /**
   * Whether this request, for the flow the session's plan is for, asks for a new plan (a link
   * with another invitation token): the executor then abandons the plan and makes another.
   */
  replacesPlan?(plan: FlowPlan, get: Record<string, string>): boolean;
  /**
   * The stage's settings as a JSON expression over the `stages` row aliased `s`, read with the
   * flow when the plan is made and kept in it (`PlanBinding.settings`), as authentik pickles
   * the stage objects into its FlowPlan: later requests of the flow do not read them again.
   */
  planSettingsSql?: SQL;
}

/**
 * Rules bound to one flow, standing in for the policies authentik's blueprints bind to it
 * (Tessera has no policy engine): whether the flow applies when it is planned, with the context
 * to start with, and a last word on the user the flow writes.
 */
export interface FlowPolicy {
  /** The slug of the flow the policy is bound to. */
  slug: string;
  /** A refusal message (the flow does not apply), or the context the plan starts with. */
  plan(db: Db): Promise<{ refused: string } | { context: Record<string, unknown> }>;
  userWritten?(tx: Db, run: StageRun, user: WrittenUser): Promise<string | null>;
}

export class StageRegistry {
  private readonly handlers = new Map<string, StageHandler>();
  private readonly policies = new Map<string, FlowPolicy>();

  /** Binds a policy to its flow (see FlowPolicy). */
  bindPolicy(policy: FlowPolicy): this {
    this.policies.set(policy.slug, policy);
    return this;
  }

  policy(slug: string): FlowPolicy | undefined {
    return this.policies.get(slug);
  }

  register(handler: StageHandler): this {
    this.handlers.set(handler.type, handler);
    return this;
  }

  get(type: string): StageHandler | undefined {
    return this.handlers.get(type);
  }

  all(): StageHandler[] {
    return [...this.handlers.values()];
  }

  /** Every handler's planSettingsSql, chosen by the stage's type (null for the others). */
  planSettingsSql(): SQL {
    const cases = this.all()
      .filter((handler) => handler.planSettingsSql)
      .map((handler) => sql`WHEN ${handler.type} THEN ${handler.planSettingsSql}`);
    return cases.length > 0 ? sql`CASE s.type ${sql.join(cases, sql` `)} END` : sql`NULL::json`;
  }
}
