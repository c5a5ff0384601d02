/**
 * Invitations (authentik/stages/invitation/api.py InvitationViewSet): CRUD, used_by and
 * send_email, plus the periodic removal of expired invitations (authentik/core/tasks.py
 * clean_expired_models).
 *
 * Tessera differs from authentik on purpose in two places (docs/compatibility.md):
 * - the invitation's pk is its secret token, so it never reaches the audit log in clear: the
 *   `model_*` and `email_sent` events carry it masked (`maskInvitationToken`), including in the
 *   request path and arguments they record;
 * - send_email validates its body, refuses invitations that cannot be used, sends every cc and
 *   bcc address exactly one copy, and queues the messages in the outbox (delivered after the
 *   answer, with each address's outcome under `deliveries/`).
 */
import type { Install } from '../../core/bootstrap/install.js';
import { listScope, pageOf } from '../../api/list.js';
import type { Db } from '../../db/client.js';
import { requireActor, type Actor, type RequestContext } from '../../api/context.js';
import { ApiError, Messages, type FieldErrors } from '../../api/errors.js';
import { findPrototypeKey, isPlainRecord, isPrototypeKey } from '../../api/safe-objects.js';
import {
  TOKEN_LIFETIME_ATTRIBUTES,
  onlySuperuserMaySet,
  promptAttributePath,
} from '../../core/users/user-attributes.js';
import type { RawQuery } from '../../api/filters.js';
import { lookupVisible } from '../../api/lookup.js';
import { readOrdering } from '../../api/ordering.js';
import type { Page, PageSizeSettings } from '../../api/pagination.js';
import { EMAIL_RE, checkRelatedPks, parseDatetime } from '../../api/validation.js';
import type { UsedByItem } from '../../api/schemas.js';
import { EventService } from '../../events/event.service.js';
import type { PermissionService } from '../../rbac/permission.service.js';
import { PrivilegeMessages, PrivilegeService, type Refusal } from '../../rbac/privilege.service.js';
import { groupNumPk } from '../../db/group-identity.js';
import { presentPartialUser } from '../../core/users/partial-user.schema.js';
import { emailMatchesBinding } from './invitation-binding.js';
import type { Metrics } from '../../lib/metrics.js';
import { SLUG_PATTERN } from '../../api/validation.js';
import { modelContext } from '../../events/event.service.js';
import { renderInvitationEmail } from '../email/invitation-email.js';
import { enqueue, createOutboxRepository } from '../../outbox/outbox.repository.js';
import { parseUuid } from '../../api/filters.js';
import { isVisible } from '../../api/lookup.js';
import { paginate, readPage } from '../../api/pagination.js';
import type { InvitationDeliveryBody } from './invitation-deliveries.schema.js';
import type { DeliveryRow } from '../../outbox/outbox.repository.js';
import { emailMessage, recipientsOf, type EmailPayload, type EmailResult } from '../email/email-outbox.js';
import { maskInvitationToken, maskInvitationTokenIn } from '../../events/invitation-token.js';
import {
  INVITATION_ORDER_FIELDS,
  INVITATION_STATUSES,
  createInvitationRepository,
  type InvitationFilter,
  type InvitationRow,
  type InvitationValues,
  type TimelineEventRow,
} from './invitation.repository.js';
import {
  MAX_BULK,
  type InvitationBody,
  type InvitationBulkInput,
  type InvitationBulkItemBody,
  type InvitationBulkResultBody,
  type InvitationInput,
  type InvitationSendEmailInput,
  type InvitationTimelineEntryBody,
} from './invitation.schema.js';

const PERMISSION = {
  view: 'authentik_stages_invitation.view_invitation',
  add: 'authentik_stages_invitation.add_invitation',
  change: 'authentik_stages_invitation.change_invitation',
  delete: 'authentik_stages_invitation.delete_invitation',
} as const;

const APP = 'authentik_stages_invitation';
const MODEL_NAME = 'invitation';

/**
 * The template names send_email accepts. Tessera ships one invitation template; the schema's
 * documented default (`invitation`) and the name authentik really uses (`email/invitation.html`)
 * both select it.
 */
const TEMPLATES = ['invitation', 'email/invitation.html'];

export interface InvitationServiceOptions {
  install: Install;
  /** authentik's tenant "default token duration": the expiry of an invitation sent without one. */
  defaultTokenDurationSeconds: number;
  /** Base URL for links in emails; empty means the request's origin. */
  externalUrl: string;
  pageDefaults: PageSizeSettings;
  /** Counts invitations created and expired and emails sent (src/root/metrics.ts). */
  metrics: Metrics;
  /** How many days an expired, used-up or revoked invitation is kept (TESSERA_INVITATIONS_RETENTION*). */
  retentionDays: number;
}

/**
 * `tessera invitations create`/`bulk` and the bulk API: many invitations alike but for their
 * names and, per row, fixed_data.
 */
export interface InvitationBatchInput {
  /** The flow, by slug (the command line) or pk (the API). */
  flow: { slug: string } | { pk: string };
  count: number;
  /** Per row (length `count`), fixed_data that replaces the template's; undefined keeps it. */
  rowFixedData?: (Record<string, unknown> | undefined)[];
  /** Names are `<prefix>-<n>`; the prefix defaults to the flow's slug. */
  namePrefix?: string;
  /** ISO datetime; null means now + the default token duration, as the API does. */
  expires: string | null;
  singleUse: boolean;
  maxUses: number | null;
  fixedData: Record<string, unknown>;
  /** Grants every invitation carries (checked as for one invitation: nobody grants more than they hold). */
  groups?: string[];
  roles?: string[];
  /** Per row (length `count`), the address the invitation is bound to; null binds none. */
  rowEmails?: (string | null)[];
  /** Domains every invitation is bound to (excludes `rowEmails`). */
  emailDomains?: string[] | null;
  /** Queue one invitation email per row to its address (length `count`), in the creating transaction. */
  sendEmail?: { base: string; addresses: string[] };
}

/** The rows per INSERT statement of a batch: bounds one statement's size. */
const BATCH_ROWS = 1000;
/** The most invitations one batch creates. */
export const MAX_BATCH = 1_000_000;

/** The serializer: authentik's fields in order, then Tessera's extensions. */
export function presentInvitation(row: InvitationRow, installId: string): InvitationBody {
  return {
    pk: row.pk,
    name: row.name,
    expires: row.expires,
    fixed_data: row.fixed_data,
    created_by: presentPartialUser(row.created_by, installId),
    single_use: row.single_use,
    flow: row.flow,
    flow_obj: row.flow_obj,
    max_uses: row.max_uses,
    uses: row.uses,
    status: row.status,
    revoked_at: row.revoked_at,
    revoked_by: row.revoked_by ? presentPartialUser(row.revoked_by, installId) : null,
    groups: row.groups,
    groups_obj: row.groups_obj.map((group) => ({
      pk: group.pk,
      num_pk: groupNumPk(group.pk),
      name: group.name,
      is_superuser: group.is_superuser,
      attributes: group.attributes,
    })),
    roles: row.roles,
    roles_obj: row.roles_obj,
    email: row.email,
    email_domains: row.email_domains,
  };
}

/** The link an invitation email carries: `<base>/if/flow/<slug>/?itoken=<pk>`. */
export function invitationLink(base: string, flowSlug: string, pk: string): string {
  return `${base}/if/flow/${flowSlug}/?itoken=${pk}`;
}

/**
 * The 403 for a write to (or the mailing of) an invitation that carries groups or roles the
 * caller could not grant: changing its expiry, uses, flow or binding, or sending its link,
 * would hand out those privileges as surely as granting them.
 */
export const CARRIES_MORE_THAN_HELD =
  'You cannot change or send an invitation that grants privileges you do not hold.';

/** The grant and binding fields of a write, with what the invitation holds now. */
interface GrantState {
  groups: string[];
  roles: string[];
  email: string | null;
  emailDomains: string[] | null;
  fixedData: Record<string, unknown>;
}

/** Lower case, without repeats, in the order given. */
function normalizeDomains(domains: string[] | null | undefined): string[] | null | undefined {
  if (domains === null || domains === undefined) return domains;
  return [...new Set(domains.map((domain) => domain.toLowerCase()))];
}

/**
 * The request context as audit events should see it: every occurrence of the invitation's
 * token in the path (`.../invitations/<pk>/`) and in the query arguments masked.
 */
function auditContext(ctx: RequestContext, pk: string): RequestContext {
  const mask = (value: unknown): unknown => {
    if (typeof value === 'string') return maskInvitationTokenIn(value, pk);
    if (Array.isArray(value)) return value.map(mask);
    return value;
  };
  return {
    ...ctx,
    path: maskInvitationTokenIn(ctx.path, pk),
    query: Object.fromEntries(Object.entries(ctx.query).map(([key, value]) => [key, mask(value)])),
  };
}

/**
 * The name an audit event gives an invitation: authentik's model_to_dict prefers the model's
 * `name` field over str(), so it is the invitation's own name and never holds the token.
 * @see authentik/events/utils.py model_to_dict
 */
/** The parts of an `email_sent` event that name the request that queued the message. */
function requestAudit(ctx: RequestContext, pk: string, body: string) {
  const request = auditContext(ctx, pk);
  return {
    user: EventService.eventUser(request),
    http_request: EventService.httpRequest(request),
    client_ip: request.clientIp,
    body,
  };
}

function displayName(row: { name: string }): string {
  return row.name;
}

/**
 * Not a ModelViewSet (src/api/viewset.ts), unlike every other resource: the list's search is a
 * subquery in the FROM clause, so that PostgreSQL narrows through the trigram and foreign-key
 * indexes before it joins and counts, and a list declaration's filters are WHERE terms only.
 */
export class InvitationService {
  static readonly permissions = PERMISSION;

  private readonly privileges: PrivilegeService;

  constructor(
    private readonly db: Db,
    private readonly permissions: PermissionService,
    private readonly events: EventService,
    private readonly options: InvitationServiceOptions,
  ) {
    this.privileges = new PrivilegeService(permissions);
  }

  private present(row: InvitationRow): InvitationBody {
    return presentInvitation(row, this.options.install.id);
  }

  /**
   * The list, with DRF's filter backends in authentik's order: search, the permission filter
   * (403 when nothing is visible), the filterset (exact `name`, `created_by__username`,
   * `expires`, `flow__slug`), ordering (default `-expires`); then pagination. Expired
   * invitations are listed until the cleanup removes them, as authentik's list does.
   */
  async list(ctx: RequestContext, query: RawQuery): Promise<Page<InvitationBody>> {
    const { searchTerms, visiblePks, filters } = await listScope(
      this.permissions,
      ctx,
      query,
      PERMISSION.view,
    );
    const filter: InvitationFilter = {
      name: filters.text('name'),
      createdByUsername: filters.text('created_by__username'),
      expires: filters.datetime('expires', parseDatetime),
      flowSlug: filters.text('flow__slug'),
      status: filters.choice('status', INVITATION_STATUSES),
      searchTerms,
      visiblePks,
      ordering: readOrdering(query, INVITATION_ORDER_FIELDS, ['-expires']),
    };
    filters.finish();
    const repository = createInvitationRepository(this.db);
    const page = await pageOf(repository, filter, query, this.options.pageDefaults);
    return { ...page, results: page.results.map((row) => this.present(row)) };
  }

  private async find(actor: Actor, rawPk: string): Promise<InvitationRow> {
    const repository = createInvitationRepository(this.db);
    const { object } = await lookupVisible(this.permissions, actor, {
      viewPermission: PERMISSION.view,
      modelName: 'Invitation',
      rawPk,
      find: (pk) => repository.findByPk(pk),
    });
    return object;
  }

  async retrieve(ctx: RequestContext, rawPk: string): Promise<InvitationBody> {
    return this.present(await this.find(requireActor(ctx), rawPk));
  }

  /** `flow` must name an existing flow (any designation, as authentik accepts). */
  private async validateFlow(db: Db, flow: string | null | undefined): Promise<void> {
    if (flow === null || flow === undefined) return;
    if (!(await createInvitationRepository(db).flowExists(flow))) {
      throw ApiError.validation({ flow: [Messages.pkDoesNotExist(flow)] });
    }
  }

  /**
   * fixed_data becomes prompt data, and the user_write stage walks its `attributes.a.b` and
   * `attributes_a_b` keys as paths: a path through `__proto__`, `constructor` or `prototype`
   * would reach the prototype every object shares, so such a key is refused here, before it
   * is stored (the user_write stage refuses it again at enrollment).
   */
  private validateFixedData(actor: Actor, fixedData: Record<string, unknown> | undefined): void {
    if (fixedData === undefined) return;
    for (const key of Object.keys(fixedData)) {
      const attributePath = promptAttributePath(key);
      const path = attributePath ?? [key];
      const nested = findPrototypeKey(fixedData[key]);
      if (path.some(isPrototypeKey) || nested !== undefined) {
        const reached = nested ?? path.find(isPrototypeKey);
        throw ApiError.field(
          'fixed_data',
          `Key "${key}" names a prototype (${reached}), which cannot be set.`,
        );
      }
      // The enrolled user's attributes steer their tokens' lifetime: giving that is a privilege
      // only a superuser holds (the same rule as editing a user's attributes).
      const attributes =
        key === 'attributes' && isPlainRecord(fixedData[key])
          ? Object.keys(fixedData[key])
          : (attributePath?.slice(0, 1) ?? []);
      const lifetime = attributes.find((name) => TOKEN_LIFETIME_ATTRIBUTES.includes(name));
      if (lifetime !== undefined && !actor.user.is_superuser) {
        throw ApiError.field('fixed_data', onlySuperuserMaySet(lifetime));
      }
    }
  }

  /**
   * Tessera's grants and binding (docs/compatibility.md), checked on the invitation as it will
   * be after the write:
   * - `groups` and `roles` must name existing objects (PrimaryKeyRelatedField's message);
   * - nobody puts a privilege on an invitation they do not hold (PrivilegeService, the rule of
   *   group and role membership): a superuser group, directly or through a parent, needs a
   *   superuser, a role or a group's roles every permission they carry. The whole set the
   *   invitation carries after the write is checked, not only what this write adds: whoever
   *   changes an invitation's expiry, uses, flow or binding decides who receives its grants;
   * - `email` and `email_domains` exclude each other, an empty domain list binds to nothing,
   *   and a fixed_data `email` must satisfy the binding (it is what the enrollment writes).
   */
  private async validateGrants(
    db: Db,
    actor: Actor,
    input: Partial<InvitationInput>,
    current: InvitationRow | undefined,
  ): Promise<GrantState> {
    const repository = createInvitationRepository(db);
    const errors: FieldErrors = {};
    const state: GrantState = {
      groups: input.groups ?? current?.groups ?? [],
      roles: input.roles ?? current?.roles ?? [],
      email: input.email !== undefined ? input.email : (current?.email ?? null),
      emailDomains:
        input.email_domains !== undefined
          ? (normalizeDomains(input.email_domains) ?? null)
          : (current?.email_domains ?? null),
      fixedData: input.fixed_data ?? current?.fixed_data ?? {},
    };
    await checkRelatedPks(errors, 'groups', input.groups, (pks) => repository.existingGroups(pks));
    await checkRelatedPks(errors, 'roles', input.roles, (pks) => repository.existingRoles(pks));
    if (
      input.email_domains !== undefined &&
      input.email_domains !== null &&
      input.email_domains.length === 0
    ) {
      errors.email_domains = ['This list may not be empty.'];
    }
    if (Object.keys(errors).length > 0) throw ApiError.validation(errors);

    const groupRefusal = await this.privileges.groups(db, actor, state.groups);
    const roleRefusal = await this.privileges.roles(db, actor, state.roles);
    const touchesGrants = input.groups !== undefined || input.roles !== undefined;
    if (groupRefusal !== null || roleRefusal !== null) {
      if (!touchesGrants) throw ApiError.forbidden(CARRIES_MORE_THAN_HELD);
      const refuse = (field: string, refusal: Refusal) => {
        if (refusal !== null) errors[field] = [PrivilegeMessages[refusal]];
      };
      refuse('groups', groupRefusal);
      refuse('roles', roleRefusal);
      throw ApiError.validation(errors);
    }

    if (state.email !== null && state.emailDomains !== null) {
      throw ApiError.nonField('Set either email or email_domains, not both.');
    }
    const fixedEmail = state.fixedData.email;
    if (fixedEmail !== undefined && (state.email !== null || state.emailDomains !== null)) {
      if (typeof fixedEmail !== 'string' || !emailMatchesBinding(fixedEmail, state)) {
        throw ApiError.field(
          'fixed_data',
          'The email in fixed_data does not match the invitation’s email binding.',
        );
      }
    }
    return state;
  }

  /**
   * Create. `created_by` is the caller; an absent or null `expires` becomes now + the default
   * token duration (authentik's ExpiringModel save hook, since `expiring` cannot be sent).
   */
  async create(ctx: RequestContext, input: InvitationInput): Promise<InvitationBody> {
    const actor = requireActor(ctx);
    this.validateFixedData(actor, input.fixed_data);
    await this.privileges.prepare(actor);
    const created = await this.db.transaction(async (tx) => {
      await this.validateFlow(tx, input.flow);
      const grants = await this.validateGrants(tx, actor, input, undefined);
      const repository = createInvitationRepository(tx);
      const values: InvitationValues = {
        name: input.name,
        expires: input.expires ?? null,
        fixedData: input.fixed_data ?? {},
        singleUse: input.single_use ?? false,
        flow: input.flow ?? null,
        maxUses: input.max_uses ?? null,
        email: grants.email,
        emailDomains: grants.emailDomains,
      };
      const pk = await repository.insert(values, actor.user.id, this.options.defaultTokenDurationSeconds);
      if (grants.groups.length > 0) await repository.setGroups(pk, grants.groups);
      if (grants.roles.length > 0) await repository.setRoles(pk, grants.roles);
      const row = (await repository.findByPk(pk)) as InvitationRow;
      await this.events.model(tx, auditContext(ctx, pk), 'model_created', this.modelRef(row));
      return this.present(row);
    });
    this.options.metrics.invitationsCreated(1);
    return created;
  }

  /**
   * Creates `count` invitations for the operator's command line, all in one transaction (all
   * or none), by multi-row INSERTs of BATCH_ROWS rows, each with the `model_created` event the
   * API writes for one (without an HTTP request, as authentik's management commands write
   * theirs). The same rules as the API apply to the flow and fixed_data. `progress` is told
   * how many are done after each statement.
   */
  async createBatch(
    actor: Actor,
    input: InvitationBatchInput,
    progress: (done: number) => void = () => undefined,
    ctx: RequestContext | null = null,
  ): Promise<{ pk: string; name: string; expires: string | null; flowSlug: string }[]> {
    if (!Number.isInteger(input.count) || input.count < 1 || input.count > MAX_BATCH) {
      throw ApiError.nonField(`count must be a whole number from 1 to ${MAX_BATCH}`);
    }
    this.validateFixedData(actor, input.fixedData);
    for (const fixedData of input.rowFixedData ?? []) this.validateFixedData(actor, fixedData);
    this.checkRowEmails(input);
    await this.privileges.prepare(actor);
    // Events of a request name its user (from ctx); the command line's name the operator.
    const user = ctx
      ? undefined
      : { username: actor.user.username, pk: actor.user.id, email: actor.user.email };
    const created = await this.db.transaction(async (tx) => {
      const repository = createInvitationRepository(tx);
      let flow: string | undefined;
      let flowSlug: string | undefined;
      if ('slug' in input.flow) {
        flowSlug = input.flow.slug;
        flow = await repository.flowPkBySlug(flowSlug);
        if (flow === undefined) throw ApiError.field('flow', `No flow with slug "${flowSlug}".`);
      } else {
        flow = input.flow.pk;
        flowSlug = await repository.flowSlug(flow);
        if (flowSlug === undefined) throw ApiError.validation({ flow: [Messages.pkDoesNotExist(flow)] });
      }
      const prefix = input.namePrefix ?? flowSlug;
      if (!new RegExp(SLUG_PATTERN).test(prefix)) throw ApiError.field('name', Messages.invalidSlug);
      // The template's grants and domain binding, under the rules of a single invitation.
      const grants = await this.validateGrants(
        tx,
        actor,
        {
          groups: input.groups,
          roles: input.roles,
          email_domains: input.emailDomains ?? undefined,
          fixed_data: input.fixedData,
        },
        undefined,
      );
      if (grants.emailDomains !== null && input.rowEmails?.some((address) => address !== null)) {
        throw ApiError.nonField('Set either email or email_domains, not both.');
      }
      const values = {
        expires: input.expires,
        fixedData: input.fixedData,
        singleUse: input.singleUse,
        flow,
        maxUses: input.maxUses,
        emailDomains: grants.emailDomains,
      };
      const rows: { pk: string; name: string; expires: string | null; flowSlug: string }[] = [];
      for (let start = 0; start < input.count; start += BATCH_ROWS) {
        const names = Array.from({ length: Math.min(BATCH_ROWS, input.count - start) }, (_, index) => ({
          name: `${prefix}-${start + index + 1}`,
          fixedData: input.rowFixedData?.[start + index],
          email: input.rowEmails?.[start + index] ?? null,
        }));
        const inserted = await repository.insertMany(
          names,
          values,
          actor.user.id,
          this.options.defaultTokenDurationSeconds,
        );
        // One multi-row INSERT of events per statement of invitations, not one per invitation.
        const events = this.events.batch();
        for (const row of inserted) {
          events.record(ctx, 'model_created', modelContext(this.modelRef(row)), user ? { user } : {});
        }
        await events.write(tx);
        await repository.addGrantsMany(
          inserted.map((row) => row.pk),
          grants.groups,
          grants.roles,
        );
        const send = input.sendEmail;
        if (send) {
          const sender = ctx ?? { operator: user ?? {} };
          await enqueue(
            tx,
            inserted.map((row, index) => {
              const to = send.addresses[start + index];
              const invitation = { ...row, flowSlug: flowSlug as string };
              return emailMessage(
                row.pk,
                this.invitationMail(sender, send.base, invitation, { to, cc: [], bcc: [] }),
              );
            }),
          );
        }
        rows.push(...inserted.map((row) => ({ ...row, flowSlug: flowSlug as string })));
        progress(rows.length);
      }
      return rows;
    });
    this.options.metrics.invitationsCreated(created.length);
    return created;
  }

  /** Every invitation, newest expiry first (`tessera invitations list`), optionally of one flow. */
  async listAll(flowSlug?: string): Promise<InvitationBody[]> {
    const repository = createInvitationRepository(this.db);
    const filter: InvitationFilter = {
      flowSlug,
      searchTerms: [],
      ordering: [{ field: 'expires', descending: true }],
    };
    const { rows } = await repository.listPage(filter, MAX_BATCH, 0);
    return rows.map((row) => this.present(row));
  }

  /**
   * Deletes these invitations, or every expired one (`tessera invitations delete`), in one
   * transaction with a `model_deleted` event each. Unknown pks change nothing: the command
   * names them and deletes none.
   */
  async destroyMany(actor: Actor, target: { pks: string[] } | 'expired'): Promise<number> {
    const user = { username: actor.user.username, pk: actor.user.id, email: actor.user.email };
    return this.db.transaction(async (tx) => {
      const repository = createInvitationRepository(tx);
      const deleted = await repository.deleteMany(target);
      if (target !== 'expired') {
        const found = new Set(deleted.map((row) => row.pk));
        const missing = target.pks.filter((pk) => !found.has(pk));
        if (missing.length > 0) throw ApiError.notFound(`No invitation ${missing.join(', ')}.`);
      }
      const events = this.events.batch();
      for (const row of deleted) {
        events.record(null, 'model_deleted', modelContext(this.modelRef(row)), { user });
      }
      await events.write(tx);
      return deleted.length;
    });
  }

  /**
   * PUT and PATCH: only the fields sent change (DRF's update sets validated fields only);
   * `expires: null` resets the expiry to now + the default duration, as authentik's save hook
   * does on any save.
   */
  async update(ctx: RequestContext, rawPk: string, input: Partial<InvitationInput>): Promise<InvitationBody> {
    const actor = requireActor(ctx);
    const current = await this.find(actor, rawPk);
    await this.permissions.requireOnObject(actor, PERMISSION.change, current.pk);
    this.validateFixedData(actor, input.fixed_data);
    await this.privileges.prepare(actor);
    return this.db.transaction(async (tx) => {
      await this.validateFlow(tx, input.flow);
      const repository = createInvitationRepository(tx);
      // The grants are checked on the row as it is under the lock, not as `find` read it.
      const locked = await repository.findForUpdate(current.pk);
      if (!locked) throw ApiError.notFound(Messages.noMatch('Invitation'));
      const grants = await this.validateGrants(tx, actor, input, locked);
      await repository.update(
        current.pk,
        {
          name: input.name,
          expires: input.expires,
          fixedData: input.fixed_data,
          singleUse: input.single_use,
          flow: input.flow,
          maxUses: input.max_uses,
          email: input.email,
          emailDomains: input.email_domains === undefined ? undefined : grants.emailDomains,
        },
        this.options.defaultTokenDurationSeconds,
      );
      if (input.groups !== undefined) await repository.setGroups(current.pk, grants.groups);
      if (input.roles !== undefined) await repository.setRoles(current.pk, grants.roles);
      const row = (await repository.findByPk(current.pk)) as InvitationRow;
      await this.events.model(tx, auditContext(ctx, current.pk), 'model_updated', this.modelRef(row));
      return this.present(row);
    });
  }

  async destroy(ctx: RequestContext, rawPk: string): Promise<void> {
    const actor = requireActor(ctx);
    const current = await this.find(actor, rawPk);
    await this.permissions.requireOnObject(actor, PERMISSION.delete, current.pk);
    await this.db.transaction(async (tx) => {
      // The DELETE's own result decides: a concurrent delete that removed the row first wins,
      // and this one answers 404 with its event rolled back.
      if (!(await createInvitationRepository(tx).delete(current.pk))) {
        throw ApiError.notFound(Messages.noMatch('Invitation'));
      }
      await this.events.model(tx, auditContext(ctx, current.pk), 'model_deleted', this.modelRef(current));
    });
  }

  /** Nothing references an invitation, so authentik's answer is always empty. */
  async usedBy(ctx: RequestContext, rawPk: string): Promise<UsedByItem[]> {
    await this.find(requireActor(ctx), rawPk);
    return [];
  }

  /**
   * send_email: one message per `email_addresses` entry, as authentik sends them, with the
   * link `<external URL or request origin>/if/flow/<flow slug>/?itoken=<pk>`. The messages are
   * queued in the outbox in one transaction and the answer (204) does not wait for them: the
   * worker delivers them (src/stages/email/email-outbox.ts), as authentik's worker does, and
   * `GET .../invitations/<pk>/deliveries/` shows each message's outcome.
   *
   * Differences from authentik (listed in docs/compatibility.md):
   * - permission `change_invitation` (authentik's action inherits `add_invitation`): sending
   *   the link acts on an existing invitation rather than creating one;
   * - the body is validated (DRF shape): every address must be an email address, the To list
   *   must not be empty, the template must be the invitation template;
   * - an invitation without a flow, an expired one, and one with no uses left are refused
   *   with a 400, since the link could not work;
   * - cc and bcc addresses go on the first message only, so each receives one copy, not one
   *   per To address;
   * - the link's base is TESSERA_EXTERNAL_URL, or else the origin a trusted proxy forwarded
   *   (src/api/forwarded.ts); authentik uses the request's Host header, which lets any caller
   *   mail a working token to a host of their choosing. With neither, 400 naming the setting.
   * Each delivered message writes an `email_sent` event, with the token masked in the stored body.
   */
  async sendEmail(ctx: RequestContext, rawPk: string, input: InvitationSendEmailInput): Promise<void> {
    const actor = requireActor(ctx);
    const invitation = await this.find(actor, rawPk);
    await this.permissions.requireOnObject(actor, PERMISSION.change, invitation.pk);
    // Mailing the link hands out what the invitation carries: the same rule as changing it.
    if (
      (await this.privileges.groups(this.db, actor, invitation.groups)) !== null ||
      (await this.privileges.roles(this.db, actor, invitation.roles)) !== null
    ) {
      throw ApiError.forbidden(CARRIES_MORE_THAN_HELD);
    }

    const errors: FieldErrors = {};
    if (input.email_addresses.length === 0) errors.email_addresses = ['This list may not be empty.'];
    if (input.template !== undefined && !TEMPLATES.includes(input.template)) {
      errors.template = [Messages.invalidChoice(input.template)];
    }
    if (Object.keys(errors).length > 0) throw ApiError.validation(errors);
    if (invitation.flow_slug === null) throw ApiError.nonField('Invitation has no associated flow');
    if (invitation.status === 'revoked') throw ApiError.nonField('Invitation has been revoked');
    if (invitation.expired) throw ApiError.nonField('Invitation has expired');
    if (invitation.status === 'used_up') throw ApiError.nonField('Invitation has no uses left');

    const base = this.linkBase(ctx);
    const recipients = input.email_addresses.map((to, index) => ({
      to,
      // The first message carries every cc and bcc address: one copy each.
      cc: index === 0 ? unique(input.cc_addresses ?? []) : [],
      bcc: index === 0 ? unique(input.bcc_addresses ?? []) : [],
    }));
    const target = { pk: invitation.pk, name: invitation.name, expires: invitation.expires };
    const messages = recipients.map((recipient) =>
      emailMessage(
        invitation.pk,
        this.invitationMail(ctx, base, { ...target, flowSlug: invitation.flow_slug as string }, recipient),
      ),
    );
    await this.db.transaction((tx) => enqueue(tx, messages));
  }

  /** The origin links are built on: TESSERA_EXTERNAL_URL, or the origin a trusted proxy sent. */
  private linkBase(ctx: RequestContext): string {
    const base = this.options.externalUrl || ctx.origin;
    if (!base) {
      throw ApiError.nonField(
        'Cannot build the invitation link: set TESSERA_EXTERNAL_URL to the public URL of this ' +
          'server (the Host header is only used when a trusted proxy, ' +
          'AUTHENTIK_LISTEN__TRUSTED_PROXY_CIDRS, sends it as X-Forwarded-Host).',
      );
    }
    return base;
  }

  /**
   * One invitation email, as the outbox queues it: the rendered message with the invitation's
   * link, and the parts of its `email_sent` event (the request's user and address, the body with
   * the token masked) that the worker writes when it is delivered.
   */
  private invitationMail(
    sender: RequestContext | { operator: Record<string, unknown> },
    base: string,
    invitation: { pk: string; name: string; expires: string | null; flowSlug: string },
    recipient: { to: string; cc: string[]; bcc: string[] },
  ): EmailPayload {
    const email = renderInvitationEmail({
      url: invitationLink(base, invitation.flowSlug, invitation.pk),
      host: new URL(base).host,
      expires: invitation.expires ? new Date(invitation.expires) : null,
    });
    const body = maskInvitationTokenIn(email.html, invitation.pk);
    // A request's event names its user and request; the command line's names the operator.
    const audit =
      'operator' in sender
        ? { user: sender.operator, http_request: {}, client_ip: null, body }
        : requestAudit(sender, invitation.pk, body);
    return {
      ...recipient,
      subject: email.subject,
      html: email.html,
      text: email.text,
      invitation: { pk: maskInvitationToken(invitation.pk), name: displayName(invitation) },
      audit,
    };
  }

  /**
   * A batch's addresses (`rowEmails`): each must satisfy its own row's fixed_data email, which
   * is what the enrollment writes. Errors are by index, as DRF's ListField reports them.
   */
  private checkRowEmails(input: InvitationBatchInput): void {
    const errors: Record<string, string[]> = {};
    input.rowEmails?.forEach((address, index) => {
      const fixed = (input.rowFixedData?.[index] ?? input.fixedData).email;
      if (address === null || fixed === undefined) return;
      if (typeof fixed !== 'string' || fixed.toLowerCase() !== address.toLowerCase()) {
        errors[String(index)] = ['The email in fixed_data does not match this address.'];
      }
    });
    if (Object.keys(errors).length > 0) throw ApiError.validation({ emails: errors });
  }

  /**
   * The emails sent for an invitation (Tessera): one entry per message with each recipient's
   * outcome. They outlive the invitation: while it exists, view permission on it suffices;
   * afterwards only the global one does (as for its uses).
   */
  async deliveries(
    ctx: RequestContext,
    rawPk: string,
    query: RawQuery,
  ): Promise<Page<InvitationDeliveryBody>> {
    const actor = requireActor(ctx);
    const visibility = await this.permissions.visibility(actor, PERMISSION.view);
    const pk = parseUuid(rawPk);
    if (pk === undefined) throw ApiError.notFound();
    const outbox = createOutboxRepository(this.db);
    const exists = (await createInvitationRepository(this.db).findByPk(pk)) !== undefined;
    const allowed = exists
      ? isVisible(visibility, pk)
      : visibility.all && (await outbox.countForTarget('email', pk)) > 0;
    if (!allowed) throw ApiError.notFound(Messages.noMatch('Invitation'));
    const page = readPage(query, this.options.pageDefaults);
    const result = await paginate(
      page,
      (limit, offset) => outbox.listForTarget('email', pk, limit, offset),
      () => outbox.countForTarget('email', pk),
    );
    return { ...result, results: result.results.map(presentDelivery) };
  }

  /**
   * authentik's "Remove expired objects" for invitations, with Tessera's retention: deletes
   * every invitation that expired, was used up or was revoked at least `retentionDays` ago
   * (0 in authentik mode: at the first run after). authentik writes no event for it; Tessera
   * records each expiry once, when this task first sees it, as `custom_invitation_expired`
   * (the model reference of `model_deleted`) in the same transaction, which is what the
   * webhook `invitation.expired` is made of. Returns how many were removed.
   */
  async cleanExpired(): Promise<number> {
    const { expired, removed } = await this.db.transaction(async (tx) => {
      const repository = createInvitationRepository(tx);
      const expired = await repository.markExpired();
      const events = this.events.batch();
      for (const row of expired) {
        events.record(null, 'custom_invitation_expired', modelContext(this.modelRef(row)), {
          app: 'authentik.core.tasks',
          // A task's event has no user (authentik's Event.new outside a request).
          user: {},
        });
      }
      await events.write(tx);
      return { expired, removed: await repository.deleteEnded(this.options.retentionDays) };
    });
    // Counted when they expire (once each), however long retention keeps them.
    this.options.metrics.invitationsExpired(expired.length);
    return removed;
  }

  /**
   * Tessera's revoke action: the link stops working at once (the flow refuses it as it refuses
   * an unknown invitation, and an enrollment that accepted it earlier is refused when it
   * writes its user), and the row stays for its history until the retention clean-up.
   * Permission `change_invitation`, on the object or globally, as for an edit. A second revoke
   * is a 400 and writes nothing. The audit event is `model_updated` of the invitation with
   * `context.action` `revoke`.
   */
  async revoke(ctx: RequestContext, rawPk: string): Promise<InvitationBody> {
    const actor = requireActor(ctx);
    const current = await this.find(actor, rawPk);
    await this.permissions.requireOnObject(actor, PERMISSION.change, current.pk);
    return this.db.transaction(async (tx) => {
      const repository = createInvitationRepository(tx);
      if (!(await repository.revoke(current.pk, actor.user.id))) {
        // Revoked meanwhile, or deleted: the row decides which.
        const now = await repository.findByPk(current.pk);
        if (now === undefined) throw ApiError.notFound(Messages.noMatch('Invitation'));
        throw ApiError.nonField('Invitation is already revoked');
      }
      const row = (await repository.findByPk(current.pk)) as InvitationRow;
      await this.events.record(tx, auditContext(ctx, current.pk), 'model_updated', {
        ...modelContext(this.modelRef(row)),
        action: 'revoke',
      });
      return this.present(row);
    });
  }

  /**
   * Tessera's bulk action: invitations from one template, `count` of them or one per address
   * in `emails`, all in one transaction or none (createBatch), with a `model_created` event
   * each written by multi-row INSERTs. Permission `add_invitation` (the route's). The answer
   * gives each invitation's pk, name, address and link.
   */
  async bulk(ctx: RequestContext, input: InvitationBulkInput): Promise<InvitationBulkResultBody> {
    const actor = requireActor(ctx);
    const errors: FieldErrors = {};
    const emails = input.emails;
    if ((input.count === undefined) === (emails === undefined)) {
      errors.non_field_errors = ['Send exactly one of `count` and `emails`.'];
    }
    const addresses: string[] = [];
    const rowFixedData: (Record<string, unknown> | undefined)[] = [];
    if (emails !== undefined) {
      if (emails.length === 0) {
        errors.emails = ['This list may not be empty.'];
      } else if (emails.length > MAX_BULK) {
        errors.emails = [`Ensure this field has no more than ${MAX_BULK} elements.`];
      } else {
        const invalid: Record<string, unknown> = {};
        emails.forEach((entry: unknown, index) => {
          const parsed = parseBulkEmail(entry);
          if (typeof parsed === 'string' || parsed === undefined) {
            invalid[String(index)] = parsed ? [parsed] : [Messages.invalidEmail];
            return;
          }
          addresses.push(parsed.email);
          rowFixedData.push(parsed.fixedData && { ...(input.fixed_data ?? {}), ...parsed.fixedData });
        });
        if (Object.keys(invalid).length > 0) errors.emails = invalid;
      }
    }
    if (input.send_email === true && emails === undefined) {
      errors.send_email = ['Sending needs `emails`: the addresses to send each link to.'];
    }
    if (Object.keys(errors).length > 0) throw ApiError.validation(errors);
    const count = emails !== undefined ? addresses.length : (input.count as number);
    // Each link is made for its address: bound to it unless the caller says otherwise.
    const bind = emails !== undefined && input.bind_email !== false;
    // Checked before anything is created: a link that cannot be built is no half-done call.
    const sendEmail = input.send_email === true ? { base: this.linkBase(ctx) } : undefined;
    const created = await this.createBatch(
      actor,
      {
        flow: { pk: input.flow },
        count,
        rowFixedData: emails !== undefined ? rowFixedData : undefined,
        namePrefix: input.name_prefix,
        expires: input.expires ?? null,
        singleUse: input.single_use ?? false,
        maxUses: input.max_uses ?? null,
        fixedData: input.fixed_data ?? {},
        groups: input.groups,
        roles: input.roles,
        emailDomains: input.email_domains,
        rowEmails: bind ? addresses : undefined,
        sendEmail: sendEmail && { ...sendEmail, addresses },
      },
      undefined,
      ctx,
    );
    // Without TESSERA_EXTERNAL_URL or a trusted proxy's origin the link is a path: the Host
    // header is not trusted (see sendEmail).
    const base = this.options.externalUrl || ctx.origin || '';
    const results: InvitationBulkItemBody[] = created.map((row, index) => ({
      pk: row.pk,
      name: row.name,
      email: emails !== undefined ? addresses[index] : null,
      link: invitationLink(base, row.flowSlug, row.pk),
    }));
    return { count: results.length, results };
  }

  /**
   * Tessera's timeline of one invitation, oldest first, from the audit log: created, edited,
   * revoked (its `model_*` events), sent (`email_sent`), opened (`invitation_used`: a flow
   * accepted the link) and refused (`suspicious_request`); used from the usage records (who
   * enrolled); expired from the row itself, since nothing writes an event at expiry.
   * Permission: view_invitation.
   */
  async timeline(ctx: RequestContext, rawPk: string): Promise<InvitationTimelineEntryBody[]> {
    const invitation = await this.find(requireActor(ctx), rawPk);
    const repository = createInvitationRepository(this.db);
    const lifetime = await repository.lifetime(invitation.pk);
    if (lifetime === undefined) throw ApiError.notFound(Messages.noMatch('Invitation'));
    const [events, uses, mail] = await Promise.all([
      repository.timelineEvents(maskInvitationToken(invitation.pk), lifetime.created),
      repository.uses(invitation.pk),
      createOutboxRepository(this.db).listForTarget('email', invitation.pk, 100, 0),
    ]);
    const entries: InvitationTimelineEntryBody[] = events.flatMap((event) => timelineEntry(event));
    // A delivered message is its `email_sent` event; one still queued, retrying or failed is
    // only in the outbox, and shows there with why it has not arrived.
    for (const message of mail.rows) {
      if (message.status === 'delivered') continue;
      const payload = message.payload as unknown as EmailPayload;
      const user = payload.audit?.user ?? {};
      entries.push({
        kind: 'sent',
        at: message.updated,
        actor:
          typeof user.username === 'string' && user.username !== ''
            ? { pk: typeof user.pk === 'number' ? user.pk : null, username: user.username }
            : null,
        detail: { to: [payload.to], delivered: false, status: message.status, error: message.last_error },
      });
    }
    for (const use of uses) {
      entries.push({
        kind: 'used',
        at: use.used,
        // A use taken when the link was opened names nobody until its user is written.
        actor:
          use.username === '' && use.user_id === null ? null : { pk: use.user_id, username: use.username },
        detail: { user: use.user_id, username: use.username, client_ip: use.client_ip },
      });
    }
    if (lifetime.expired_at !== null) {
      entries.push({ kind: 'expired', at: lifetime.expired_at, actor: null, detail: {} });
    }
    // Stable: entries of the same instant keep their source order.
    return entries
      .map((entry, index) => ({ entry, index, time: Date.parse(entry.at) }))
      .sort((a, b) => a.time - b.time || a.index - b.index)
      .map(({ entry }) => entry);
  }

  private modelRef(row: { pk: string; name: string }) {
    return { app: APP, model_name: MODEL_NAME, pk: maskInvitationToken(row.pk), name: displayName(row) };
  }
}

/** One `emails` entry of a bulk call: the address and its fixed_data, or the error message. */
function parseBulkEmail(
  entry: unknown,
): { email: string; fixedData?: Record<string, unknown> } | string | undefined {
  const address = (value: unknown) =>
    typeof value === 'string' && EMAIL_RE.test(value.trim()) ? value.trim() : undefined;
  if (typeof entry === 'string') {
    const email = address(entry);
    return email && { email };
  }
  if (!isPlainRecord(entry)) return undefined;
  const email = address(entry.email);
  if (email === undefined) return undefined;
  const fixedData = entry.fixed_data;
  if (fixedData === undefined) return { email };
  if (!isPlainRecord(fixedData)) return 'fixed_data: ' + Messages.dictRequired;
  return { email, fixedData };
}

/** The actor an event names: its user, unless anonymous. */
function eventActor(event: TimelineEventRow): InvitationTimelineEntryBody['actor'] {
  const { pk, username } = event.user ?? {};
  if (typeof username !== 'string' || pk === null || pk === undefined) return null;
  return { pk, username };
}

function timelineEntry(event: TimelineEventRow): InvitationTimelineEntryBody[] {
  const context = event.context;
  const base = { at: event.created, actor: eventActor(event) };
  const model = isPlainRecord(context.model) ? context.model : {};
  switch (event.action) {
    case 'model_created':
      return [{ ...base, kind: 'created', detail: { name: model.name } }];
    case 'model_updated':
      return [
        { ...base, kind: context.action === 'revoke' ? 'revoked' : 'edited', detail: { name: model.name } },
      ];
    case 'invitation_used':
      return [{ ...base, kind: 'opened', detail: { client_ip: event.client_ip } }];
    case 'suspicious_request':
      return [
        { ...base, kind: 'refused', detail: { reason: context.reason ?? null, client_ip: event.client_ip } },
      ];
    case 'email_sent': {
      // Delivered unless the event records an error (the outbox writes one for a failure).
      const error = typeof context.error === 'string' ? context.error : null;
      return [
        { ...base, kind: 'sent', detail: { to: context.to_email ?? [], delivered: error === null, error } },
      ];
    }
    default:
      return [];
  }
}

function unique(addresses: string[]): string[] {
  return [...new Set(addresses)];
}

/** One message of the delivery log: its To address, its state and each recipient's outcome. */
export function presentDelivery(row: DeliveryRow): InvitationDeliveryBody {
  const payload = row.payload as unknown as EmailPayload;
  const outcomes = (row.result as EmailResult | null)?.recipients ?? {};
  const kind = (address: string) =>
    address === payload.to ? 'to' : payload.cc.includes(address) ? 'cc' : 'bcc';
  return {
    pk: row.id,
    to: payload.to,
    status: row.status,
    attempts: row.attempts,
    last_error: row.last_error,
    recipients: recipientsOf(payload).map((address) => ({
      address,
      kind: kind(address),
      status: outcomes[address]?.status ?? 'pending',
      error: outcomes[address]?.error ?? null,
    })),
    next_attempt_at: row.next_attempt_at,
    delivered_at: row.delivered_at,
    created: row.created,
    updated: row.updated,
  };
}
