/**
 * The database schema: the single declaration drizzle-kit generates migrations from.
 *
 * Table and column names follow authentik's models (authentik/core/models.py,
 * authentik/flows/models.py, authentik/stages/*\/models.py) so that a reader can map one to
 * the other, but the layout is our own: stage subtypes are one table per type keyed by the
 * shared `stages.stage_uuid`, which mirrors Django's multi-table inheritance.
 *
 * Timestamps are `timestamptz` read back as strings so that microseconds survive to the
 * wire (DRF renders `isoformat()` with microseconds).
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  serial,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const tstz = (name: string) => timestamp(name, { withTimezone: true, mode: 'string', precision: 6 });

// ---------------------------------------------------------------------------------------------
// core: users, groups, roles, permissions, tokens
// ---------------------------------------------------------------------------------------------

export const users = pgTable(
  'users',
  {
    id: serial('id').primaryKey(),
    uuid: uuid('uuid').notNull().defaultRandom().unique(),
    username: text('username').notNull(),
    name: text('name').notNull().default(''),
    email: text('email').notNull().default(''),
    /** Encoded memory-hard hash (`scrypt$N$r$p$salt$hash`), or null for an unusable password. */
    password: text('password'),
    passwordChangeDate: tstz('password_change_date').notNull().defaultNow(),
    isActive: boolean('is_active').notNull().default(true),
    lastLogin: tstz('last_login'),
    dateJoined: tstz('date_joined').notNull().defaultNow(),
    lastUpdated: tstz('last_updated').notNull().defaultNow(),
    attributes: jsonb('attributes').notNull().default({}),
    path: text('path').notNull().default('users'),
    type: text('type').notNull().default('internal'),
  },
  (t) => [
    uniqueIndex('users_username_key').on(t.username),
    // Searches over created_by__username (invitations) find their users through it.
    index('users_username_upper_trgm_idx').using('gin', sql`upper(${t.username}) gin_trgm_ops`),
  ],
);

export const groups = pgTable(
  'groups',
  {
    groupUuid: uuid('group_uuid').primaryKey().defaultRandom(),
    numPk: serial('num_pk').notNull().unique(),
    name: text('name').notNull(),
    isSuperuser: boolean('is_superuser').notNull().default(false),
    attributes: jsonb('attributes').notNull().default({}),
  },
  (t) => [uniqueIndex('groups_name_key').on(t.name)],
);

export const groupParents = pgTable(
  'group_parents',
  {
    groupUuid: uuid('group_uuid')
      .notNull()
      .references(() => groups.groupUuid, { onDelete: 'cascade' }),
    parentUuid: uuid('parent_uuid')
      .notNull()
      .references(() => groups.groupUuid, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.groupUuid, t.parentUuid] })],
);

export const userGroups = pgTable(
  'user_groups',
  {
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    groupUuid: uuid('group_uuid')
      .notNull()
      .references(() => groups.groupUuid, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.userId, t.groupUuid] }), index('user_groups_group_idx').on(t.groupUuid)],
);

export const roles = pgTable(
  'roles',
  {
    uuid: uuid('uuid').primaryKey().defaultRandom(),
    name: text('name').notNull(),
  },
  (t) => [uniqueIndex('roles_name_key').on(t.name)],
);

export const groupRoles = pgTable(
  'group_roles',
  {
    groupUuid: uuid('group_uuid')
      .notNull()
      .references(() => groups.groupUuid, { onDelete: 'cascade' }),
    roleUuid: uuid('role_uuid')
      .notNull()
      .references(() => roles.uuid, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.groupUuid, t.roleUuid] })],
);

export const userRoles = pgTable(
  'user_roles',
  {
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    roleUuid: uuid('role_uuid')
      .notNull()
      .references(() => roles.uuid, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.userId, t.roleUuid] })],
);

/** The permission catalogue (Django's auth_permission): one row per (app_label, codename). */
export const permissions = pgTable(
  'permissions',
  {
    id: serial('id').primaryKey(),
    appLabel: text('app_label').notNull(),
    model: text('model').notNull(),
    codename: text('codename').notNull(),
    name: text('name').notNull(),
  },
  (t) => [uniqueIndex('permissions_app_codename_key').on(t.appLabel, t.codename)],
);

/**
 * A granted permission. `objectPk` null means a global (model-level) grant. Exactly one of
 * `roleUuid` / `userId` is set: authentik 2026 grants through roles, and its
 * `assigned_by_users` API still grants to single users.
 */
export const permissionGrants = pgTable(
  'permission_grants',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    permissionId: integer('permission_id')
      .notNull()
      .references(() => permissions.id, { onDelete: 'cascade' }),
    roleUuid: uuid('role_uuid').references(() => roles.uuid, { onDelete: 'cascade' }),
    userId: integer('user_id').references(() => users.id, { onDelete: 'cascade' }),
    objectPk: text('object_pk'),
  },
  (t) => [
    uniqueIndex('permission_grants_role_key')
      .on(t.roleUuid, t.permissionId, sql`coalesce(${t.objectPk}, '')`)
      .where(sql`${t.roleUuid} is not null`),
    uniqueIndex('permission_grants_user_key')
      .on(t.userId, t.permissionId, sql`coalesce(${t.objectPk}, '')`)
      .where(sql`${t.userId} is not null`),
    index('permission_grants_object_idx').on(t.permissionId, t.objectPk),
  ],
);

export const tokens = pgTable(
  'tokens',
  {
    tokenUuid: uuid('token_uuid').primaryKey().defaultRandom(),
    identifier: text('identifier').notNull(),
    key: text('key').notNull(),
    intent: text('intent').notNull().default('verification'),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    description: text('description').notNull().default(''),
    expiring: boolean('expiring').notNull().default(true),
    expires: tstz('expires'),
    managed: text('managed'),
  },
  (t) => [
    uniqueIndex('tokens_identifier_key').on(t.identifier),
    uniqueIndex('tokens_managed_key').on(t.managed),
    index('tokens_key_idx').on(t.key),
    index('tokens_user_idx').on(t.userId),
  ],
);

// ---------------------------------------------------------------------------------------------
// flows, stages, bindings
// ---------------------------------------------------------------------------------------------

export const flows = pgTable(
  'flows',
  {
    flowUuid: uuid('flow_uuid').primaryKey().defaultRandom(),
    /** The PolicyBindingModel pointer authentik exposes as `policybindingmodel_ptr_id`. */
    pbmUuid: uuid('pbm_uuid').notNull().defaultRandom().unique(),
    name: text('name').notNull(),
    slug: text('slug').notNull(),
    title: text('title').notNull(),
    designation: text('designation').notNull(),
    background: text('background').notNull().default(''),
    policyEngineMode: text('policy_engine_mode').notNull().default('any'),
    compatibilityMode: boolean('compatibility_mode').notNull().default(false),
    layout: text('layout').notNull().default('stacked'),
    deniedAction: text('denied_action').notNull().default('message_continue'),
    authentication: text('authentication').notNull().default('none'),
  },
  (t) => [uniqueIndex('flows_slug_key').on(t.slug)],
);

/** Base table of every stage type; `name` is unique across all of them, as in authentik. */
export const stages = pgTable(
  'stages',
  {
    stageUuid: uuid('stage_uuid').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    /**
     * The concrete type, as its stage folder declares it (`defineStage({ type })` in
     * src/stages/<type>/<type>.feature.ts); its settings are in that type's own table.
     */
    type: text('type').notNull(),
    /**
     * The stage's `flow_set` as compact JSON text, kept current by triggers on bindings and
     * flows (migration 0006): every stage list reads it instead of building it per row.
     */
    flowSet: text('flow_set').notNull().default('[]'),
  },
  (t) => [
    uniqueIndex('stages_name_key').on(t.name),
    index('stages_type_name_idx').on(t.type, t.name),
    index('stages_name_upper_trgm_idx').using('gin', sql`upper(${t.name}) gin_trgm_ops`),
  ],
);

export const flowStageBindings = pgTable(
  'flow_stage_bindings',
  {
    fsbUuid: uuid('fsb_uuid').primaryKey().defaultRandom(),
    pbmUuid: uuid('pbm_uuid').notNull().defaultRandom().unique(),
    target: uuid('target')
      .notNull()
      .references(() => flows.flowUuid, { onDelete: 'cascade' }),
    stage: uuid('stage')
      .notNull()
      .references(() => stages.stageUuid, { onDelete: 'cascade' }),
    evaluateOnPlan: boolean('evaluate_on_plan').notNull().default(false),
    reEvaluatePolicies: boolean('re_evaluate_policies').notNull().default(true),
    order: integer('order').notNull(),
    policyEngineMode: text('policy_engine_mode').notNull().default('any'),
    invalidResponseAction: text('invalid_response_action').notNull().default('retry'),
  },
  (t) => [
    uniqueIndex('flow_stage_bindings_target_stage_order_key').on(t.target, t.stage, t.order),
    index('flow_stage_bindings_stage_idx').on(t.stage),
  ],
);

export const invitationStages = pgTable('invitation_stages', {
  stageUuid: uuid('stage_uuid')
    .primaryKey()
    .references(() => stages.stageUuid, { onDelete: 'cascade' }),
  continueFlowWithoutInvitation: boolean('continue_flow_without_invitation').notNull().default(false),
  /**
   * Tessera extension: when a single-use invitation is consumed. `open` is authentik's
   * behaviour (consumed when the stage runs); `enrollment` leases it to the first session and
   * consumes it when the user is written.
   */
  singleUseConsumption: text('single_use_consumption').notNull().default('open'),
  /** How long, in seconds, an `enrollment`-mode lease holds the invitation for one session. */
  leaseSeconds: integer('lease_seconds').notNull().default(900),
});

export const prompts = pgTable(
  'prompts',
  {
    promptUuid: uuid('prompt_uuid').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    fieldKey: text('field_key').notNull(),
    label: text('label').notNull(),
    type: text('type').notNull(),
    required: boolean('required').notNull().default(true),
    placeholder: text('placeholder').notNull().default(''),
    initialValue: text('initial_value').notNull().default(''),
    subText: text('sub_text').notNull().default(''),
    order: integer('order').notNull().default(0),
    placeholderExpression: boolean('placeholder_expression').notNull().default(false),
    initialValueExpression: boolean('initial_value_expression').notNull().default(false),
  },
  (t) => [uniqueIndex('prompts_name_key').on(t.name)],
);

export const promptStages = pgTable('prompt_stages', {
  stageUuid: uuid('stage_uuid')
    .primaryKey()
    .references(() => stages.stageUuid, { onDelete: 'cascade' }),
});

export const promptStageFields = pgTable(
  'prompt_stage_fields',
  {
    stageUuid: uuid('stage_uuid')
      .notNull()
      .references(() => stages.stageUuid, { onDelete: 'cascade' }),
    promptUuid: uuid('prompt_uuid')
      .notNull()
      .references(() => prompts.promptUuid, { onDelete: 'cascade' }),
  },
  (t) => [
    primaryKey({ columns: [t.stageUuid, t.promptUuid] }),
    index('prompt_stage_fields_prompt_idx').on(t.promptUuid),
  ],
);

/**
 * authentik's FlowToken (authentik/flows/models.py) as the email stage uses it: a link that
 * resumes a saved flow plan. Only a SHA-256 of the key is kept (the key itself is in the email
 * alone); every token of one plan shares `plan_id`, and redeeming one deletes them all.
 */
export const flowTokens = pgTable(
  'flow_tokens',
  {
    tokenUuid: uuid('token_uuid').primaryKey().defaultRandom(),
    keyHash: text('key_hash').notNull().unique(),
    planId: uuid('plan_id').notNull(),
    flow: uuid('flow')
      .notNull()
      .references(() => flows.flowUuid, { onDelete: 'cascade' }),
    stage: uuid('stage')
      .notNull()
      .references(() => stages.stageUuid, { onDelete: 'cascade' }),
    /** The address the link was mailed to. */
    email: text('email').notNull(),
    plan: jsonb('plan').notNull(),
    expires: tstz('expires').notNull(),
    created: tstz('created').notNull().defaultNow(),
  },
  (t) => [
    index('flow_tokens_plan_id_idx').on(t.planId),
    index('flow_tokens_expires_idx').on(t.expires),
    index('flow_tokens_stage_email_idx').on(t.stage, t.email, t.created),
  ],
);

// ---------------------------------------------------------------------------------------------
// invitations
// ---------------------------------------------------------------------------------------------

export const invitations = pgTable(
  'invitations',
  {
    inviteUuid: uuid('invite_uuid').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    expires: tstz('expires'),
    expiring: boolean('expiring').notNull().default(true),
    flow: uuid('flow').references(() => flows.flowUuid, { onDelete: 'set null' }),
    singleUse: boolean('single_use').notNull().default(false),
    createdBy: integer('created_by')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    fixedData: jsonb('fixed_data').notNull().default({}),
    created: tstz('created').notNull().defaultNow(),
    /** Tessera extension: null keeps authentik's single/unlimited behaviour. */
    maxUses: integer('max_uses'),
    /** Completed uses, counted atomically. */
    uses: integer('uses').notNull().default(0),
    /** Single-use lease (consumption mode `enrollment`): who holds it and until when. */
    leaseHolder: text('lease_holder'),
    leaseExpires: tstz('lease_expires'),
    /**
     * Tessera extension: when the last allowed use was taken (single use, or `max_uses`). With
     * retention the row is kept after that, for its history, until the clean-up removes it.
     */
    usedUpAt: tstz('used_up_at'),
    /** Tessera extension: revocation makes the link unusable but keeps the row. */
    revokedAt: tstz('revoked_at'),
    revokedBy: integer('revoked_by').references(() => users.id, { onDelete: 'set null' }),
    /** Tessera: when the clean-up recorded the invitation's expiry (its one expiry event). */
    expiryRecordedAt: tstz('expiry_recorded_at'),
    /**
     * Tessera extension: the invitation is bound to this address (compared case-insensitively)
     * or to these domains (lower case); the enrollment's email must match. At most one is set.
     */
    email: text('email'),
    emailDomains: text('email_domains').array(),
  },
  (t) => [
    index('invitations_used_up_at_idx').on(t.usedUpAt),
    index('invitations_revoked_at_idx').on(t.revokedAt),
    index('invitations_expires_idx').on(t.expires),
    index('invitations_expiring_expires_idx').on(t.expiring, t.expires),
    index('invitations_name_idx').on(t.name),
    index('invitations_flow_idx').on(t.flow),
    index('invitations_created_by_idx').on(t.createdBy),
    index('invitations_name_upper_trgm_idx').using('gin', sql`upper(${t.name}) gin_trgm_ops`),
  ],
);

/** Tessera extension: the groups an enrollment through the invitation joins. */
export const invitationGroups = pgTable(
  'invitation_groups',
  {
    invitationUuid: uuid('invitation_uuid')
      .notNull()
      .references(() => invitations.inviteUuid, { onDelete: 'cascade' }),
    groupUuid: uuid('group_uuid')
      .notNull()
      .references(() => groups.groupUuid, { onDelete: 'cascade' }),
  },
  (t) => [
    primaryKey({ columns: [t.invitationUuid, t.groupUuid] }),
    index('invitation_groups_group_idx').on(t.groupUuid),
  ],
);

/** Tessera extension: the roles an enrollment through the invitation is given. */
export const invitationRoles = pgTable(
  'invitation_roles',
  {
    invitationUuid: uuid('invitation_uuid')
      .notNull()
      .references(() => invitations.inviteUuid, { onDelete: 'cascade' }),
    roleUuid: uuid('role_uuid')
      .notNull()
      .references(() => roles.uuid, { onDelete: 'cascade' }),
  },
  (t) => [
    primaryKey({ columns: [t.invitationUuid, t.roleUuid] }),
    index('invitation_roles_role_idx').on(t.roleUuid),
  ],
);

/** Tessera extension: one row per enrollment through an invitation. */
export const invitationUses = pgTable(
  'invitation_uses',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** No foreign key: the record outlives a deleted (consumed) invitation. */
    invitationUuid: uuid('invitation_uuid').notNull(),
    userId: integer('user_id').references(() => users.id, { onDelete: 'set null' }),
    username: text('username').notNull().default(''),
    clientIp: text('client_ip'),
    used: tstz('used').notNull().defaultNow(),
  },
  (t) => [index('invitation_uses_invitation_idx').on(t.invitationUuid, t.used)],
);

// ---------------------------------------------------------------------------------------------
// events, sessions
// ---------------------------------------------------------------------------------------------

export const events = pgTable(
  'events',
  {
    eventUuid: uuid('event_uuid').primaryKey().defaultRandom(),
    user: jsonb('user').notNull().default({}),
    action: text('action').notNull(),
    app: text('app').notNull(),
    context: jsonb('context').notNull().default({}),
    clientIp: text('client_ip'),
    created: tstz('created').notNull().defaultNow(),
    expires: tstz('expires').notNull(),
    brand: jsonb('brand').notNull().default({}),
  },
  (t) => [
    index('events_created_idx').on(t.created),
    index('events_action_created_idx').on(t.action, t.created),
    index('events_username_idx').on(sql`(${t.user} ->> 'username')`),
    index('events_expires_idx').on(t.expires),
    // The audit-log API's filters: context_model_pk (an object's history), username (which
    // also matches `context.username`), client_ip.
    index('events_context_model_pk_idx').on(sql`(${t.context} -> 'model' ->> 'pk')`),
    index('events_context_username_idx').on(sql`(${t.context} ->> 'username')`),
    index('events_client_ip_idx').on(t.clientIp),
  ],
);

/**
 * Server-side sessions (authentik's `authentik_session` cookie): the flow plan and, after a
 * user_login stage, the signed-in user. Stored in the database so every instance shares them.
 */
export const sessions = pgTable(
  'sessions',
  {
    sessionKey: text('session_key').primaryKey(),
    data: jsonb('data').notNull().default({}),
    userId: integer('user_id').references(() => users.id, { onDelete: 'cascade' }),
    expires: tstz('expires').notNull(),
    lastIp: text('last_ip'),
    lastUserAgent: text('last_user_agent').notNull().default(''),
    /**
     * Bumped by every write of the row; a write names the version it read, so of concurrent
     * requests of one session only the first advances its flow plan (src/core/sessions).
     */
    version: integer('version').notNull().default(0),
  },
  (t) => [index('sessions_expires_idx').on(t.expires), index('sessions_user_idx').on(t.userId)],
);

/** Install-wide settings (authentik keeps these on the tenant): key to JSON value. */
export const systemSettings = pgTable('system_settings', {
  key: text('key').primaryKey(),
  value: jsonb('value').notNull(),
});

/**
 * Exact row counts of large tables without COUNT(*): a few counter slots per table, which
 * statement-level triggers add each INSERT's and DELETE's row count to
 * (drizzle/*_row_count_slots.sql). A writer takes a slot no other transaction holds (SKIP
 * LOCKED), so concurrent writers never wait on each other; a reader sums its table's slots in
 * one snapshot, which is exact. The slots are updated in place, never appended, and no
 * indexed column changes: PostgreSQL prunes the old versions as it reads the page, so the
 * table stays a page or two however many writes it has counted, without VACUUM (which PGlite
 * never runs). Read through `countedRowsSql()` in src/db/list-query.ts.
 */
export const rowCountSlots = pgTable(
  'row_count_slots',
  {
    tableName: text('table_name').notNull(),
    slot: integer('slot').notNull(),
    rows: bigint('rows', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.tableName, t.slot] })],
);

/**
 * Failed attempts per client address (src/api/rate-limit.ts): failed API authentications
 * (`scope` 'auth') and refused invitation lookups ('invitation'), counted in a window that
 * opens at the address's first failure and closes at `expires`. Kept in the database so that
 * every instance counts against the same limit; the periodic cleanup deletes closed windows.
 */
export const rateLimits = pgTable(
  'rate_limits',
  {
    scope: text('scope').notNull(),
    address: text('address').notNull(),
    windowStart: tstz('window_start').notNull(),
    count: integer('count').notNull(),
    expires: tstz('expires').notNull(),
  },
  (t) => [primaryKey({ columns: [t.scope, t.address] }), index('rate_limits_expires_idx').on(t.expires)],
);

/**
 * Webhook endpoints (Tessera, docs/webhooks.md): where the events in `events` (a list of
 * webhook event types) are POSTed, signed with `secret` (Standard Webhooks, `whsec_...`).
 * Which audit events become which webhook event is decided by `webhook_event_type()` and the
 * trigger on `events` (drizzle/*_outbox_webhooks.sql), in the transaction that writes them.
 */
export const webhookEndpoints = pgTable('webhook_endpoints', {
  endpointUuid: uuid('endpoint_uuid').primaryKey().defaultRandom(),
  name: text('name').notNull().unique(),
  url: text('url').notNull(),
  events: text('events').array().notNull(),
  secret: text('secret').notNull(),
  enabled: boolean('enabled').notNull().default(true),
  created: tstz('created').notNull().defaultNow(),
});

/**
 * The outbox (Tessera): messages to send outside the database, written in the transaction of
 * the change that causes them, so a message exists exactly when its change committed. Every
 * instance's worker claims due rows with FOR UPDATE SKIP LOCKED, moves `next_attempt_at` past
 * its lease while it sends, and records the outcome; a worker that dies mid-send leaves the
 * row due again when the lease runs out (src/outbox/).
 * - `kind` 'email' (payload: the message; `target`: the invitation) or 'webhook' (payload:
 *   `{type, timestamp, data}`; `target`: the endpoint);
 * - `status` queued → delivered, or retrying (after a failure, until `next_attempt_at`) →
 *   delivered or failed (a permanent refusal, or the last allowed attempt failed);
 * - `result`: per-recipient outcomes of an email.
 */
export const outbox = pgTable(
  'outbox',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Insertion order: the messages of one transaction share their timestamps. */
    seq: bigserial('seq', { mode: 'number' }).notNull(),
    kind: text('kind').notNull(),
    target: uuid('target'),
    payload: jsonb('payload').notNull(),
    status: text('status').notNull().default('queued'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: tstz('next_attempt_at').notNull().defaultNow(),
    lastError: text('last_error'),
    responseCode: integer('response_code'),
    result: jsonb('result'),
    deliveredAt: tstz('delivered_at'),
    created: tstz('created').notNull().defaultNow(),
    updated: tstz('updated').notNull().defaultNow(),
  },
  (t) => [
    // The claim: due rows, oldest due first; only pending rows are in the index.
    index('outbox_due_idx')
      .on(t.nextAttemptAt)
      .where(sql`${t.status} IN ('queued', 'retrying')`),
    // The delivery logs: an invitation's emails, an endpoint's webhooks.
    index('outbox_target_idx').on(t.kind, t.target, t.seq),
  ],
);
