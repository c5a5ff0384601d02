import { sql, type SQL } from 'drizzle-orm';
import { query, type Db } from '../../db/client.js';
import { countRows, fetchPage, icontains, orderTerm, uuidArray, type ListSql } from '../../db/list-query.js';
import { likeContains } from '../../api/search.js';
import type { OrderTerm } from '../../api/ordering.js';
import { flowObjectSql } from '../../flows/flow.repository.js';
import type { FlowBody } from '../../flows/flow.schema.js';
import { partialUserSql } from '../../core/users/partial-user.repository.js';
import type { PartialUserRow } from '../../core/users/partial-user.schema.js';

export interface InvitationRow {
  pk: string;
  name: string;
  expires: string | null;
  fixed_data: Record<string, unknown>;
  created_by: PartialUserRow;
  single_use: boolean;
  flow: string | null;
  flow_obj: FlowBody | null;
  max_uses: number | null;
  uses: number;
  status: InvitationStatus;
  revoked_at: string | null;
  revoked_by: PartialUserRow | null;
  groups: string[];
  groups_obj: { pk: string; name: string; is_superuser: boolean; attributes: Record<string, unknown> }[];
  roles: string[];
  roles_obj: { pk: string; name: string }[];
  email: string | null;
  email_domains: string[] | null;
  /** Not on the wire: the flow's slug (for links) and whether the invitation can no longer be used. */
  flow_slug: string | null;
  expired: boolean;
}

/**
 * DRF derives the ordering fields from the serializer's readable fields; `created_by` and
 * `flow_obj` order by their foreign keys.
 */
export const INVITATION_ORDER_FIELDS = [
  'pk',
  'name',
  'expires',
  'fixed_data',
  'created_by',
  'single_use',
  'flow',
  'flow_obj',
  'max_uses',
  'uses',
  'status',
  'revoked_at',
  'revoked_by',
] as const;
export type InvitationOrderField = (typeof INVITATION_ORDER_FIELDS)[number];

/**
 * Tessera's `status` (docs/compatibility.md), first match wins: `revoked` once revoked,
 * `expired` past an expiring invitation's expiry, `used_up` with every allowed use taken (its
 * one use for a single-use invitation kept after use, all `max_uses` otherwise), `active`
 * otherwise.
 */
export const INVITATION_STATUSES = ['active', 'used_up', 'expired', 'revoked'] as const;
export type InvitationStatus = (typeof INVITATION_STATUSES)[number];

const REVOKED_SQL = sql`(i.revoked_at IS NOT NULL)`;
const EXPIRED_SQL = sql`(i.expiring AND i.expires IS NOT NULL AND i.expires <= now())`;
const USED_UP_SQL = sql`(i.uses >= CASE WHEN i.single_use THEN 1 ELSE i.max_uses END)`;
/** `USED_UP_SQL` is null when nothing limits the uses: `IS TRUE`/`IS NOT TRUE` read it as false. */
const STATUS_SQL: Record<InvitationStatus, SQL> = {
  revoked: REVOKED_SQL,
  expired: sql`(NOT ${REVOKED_SQL} AND ${EXPIRED_SQL})`,
  used_up: sql`(NOT ${REVOKED_SQL} AND NOT ${EXPIRED_SQL} AND ${USED_UP_SQL} IS TRUE)`,
  active: sql`(NOT ${REVOKED_SQL} AND NOT ${EXPIRED_SQL} AND ${USED_UP_SQL} IS NOT TRUE)`,
};
/** The status as text, for the wire and for `ordering=status` (which sorts the words). */
const STATUS_VALUE_SQL = sql`(CASE WHEN ${REVOKED_SQL} THEN 'revoked' WHEN ${EXPIRED_SQL} THEN 'expired'
  WHEN ${USED_UP_SQL} IS TRUE THEN 'used_up' ELSE 'active' END)`;

export interface InvitationFilter {
  name?: string;
  status?: InvitationStatus;
  createdByUsername?: string;
  /** An exact expiry instant (ISO text PostgreSQL accepts). */
  expires?: string;
  flowSlug?: string;
  searchTerms: string[];
  /** Only these invitations are visible (object-level permissions); undefined means all. */
  visiblePks?: string[];
  ordering: OrderTerm<InvitationOrderField>[];
}

const ORDER_COLUMNS: Record<InvitationOrderField, SQL> = {
  pk: sql`i.invite_uuid`,
  name: sql`i.name`,
  expires: sql`i.expires`,
  fixed_data: sql`i.fixed_data`,
  created_by: sql`i.created_by`,
  single_use: sql`i.single_use`,
  flow: sql`i.flow`,
  flow_obj: sql`i.flow`,
  max_uses: sql`i.max_uses`,
  uses: sql`i.uses`,
  status: STATUS_VALUE_SQL,
  revoked_at: sql`i.revoked_at`,
  revoked_by: sql`i.revoked_by`,
};

/**
 * Django's `icontains` on a DateTimeField casts it to text in the connection's time zone, which
 * authentik pins to UTC: `2026-09-30 12:00:00+00`. Spelled out so the session time zone of
 * the database cannot change what matches.
 */
const EXPIRES_AS_TEXT = sql`((i.expires AT TIME ZONE 'UTC')::text || '+00')`;

const SELECT = sql`i.invite_uuid AS pk, i.name, drf_datetime(i.expires) AS expires, i.fixed_data,
  ${partialUserSql('u')} AS created_by, i.single_use, i.flow, ${flowObjectSql(sql`i.flow`)} AS flow_obj,
  i.max_uses, i.uses, ${STATUS_VALUE_SQL} AS status, drf_datetime(i.revoked_at) AS revoked_at,
  (SELECT ${partialUserSql('r')} FROM users r WHERE r.id = i.revoked_by) AS revoked_by,
  coalesce((SELECT json_agg(g.group_uuid ORDER BY g.name) FROM invitation_groups ig
    JOIN groups g ON g.group_uuid = ig.group_uuid WHERE ig.invitation_uuid = i.invite_uuid), '[]') AS groups,
  coalesce((SELECT json_agg(json_build_object('pk', g.group_uuid, 'name', g.name,
    'is_superuser', g.is_superuser, 'attributes', g.attributes) ORDER BY g.name) FROM invitation_groups ig
    JOIN groups g ON g.group_uuid = ig.group_uuid WHERE ig.invitation_uuid = i.invite_uuid), '[]') AS groups_obj,
  coalesce((SELECT json_agg(r.uuid ORDER BY r.name) FROM invitation_roles ir
    JOIN roles r ON r.uuid = ir.role_uuid WHERE ir.invitation_uuid = i.invite_uuid), '[]') AS roles,
  coalesce((SELECT json_agg(json_build_object('pk', r.uuid, 'name', r.name) ORDER BY r.name)
    FROM invitation_roles ir JOIN roles r ON r.uuid = ir.role_uuid
    WHERE ir.invitation_uuid = i.invite_uuid), '[]') AS roles_obj,
  i.email, i.email_domains, f.slug AS flow_slug,
  ${EXPIRED_SQL} AS expired`;

const FROM = sql`invitations i JOIN users u ON u.id = i.created_by LEFT JOIN flows f ON f.flow_uuid = i.flow`;

/** Characters `EXPIRES_AS_TEXT` is made of: a term with any other cannot match it. */
const EXPIRES_TEXT_CHARACTERS = /^[0-9 :.+-]*$/;

/**
 * One search term over authentik's search_fields (name, created_by__username, expires,
 * flow__slug), OR-ed as DRF's SearchFilter does. Written so PostgreSQL can answer it from
 * indexes (a BitmapOr of the trigram index on upper(name) and the created_by and flow
 * indexes, fed by the few users and flows that match) instead of joining and testing every
 * invitation: same rows, but a search over 1M invitations no longer reads all of them. The
 * expires disjunct cannot be indexed (its text form is not immutable), so it is only added
 * when the term could occur in a datetime's text at all.
 */
function searchTermSql(term: string): SQL {
  const pattern = likeContains(term);
  const terms = [
    icontains(sql`i.name`, pattern),
    sql`i.created_by = ANY (ARRAY(SELECT su.id FROM users su WHERE ${icontains(sql`su.username`, pattern)}))`,
    sql`i.flow = ANY (ARRAY(SELECT sf.flow_uuid FROM flows sf WHERE ${icontains(sql`sf.slug`, pattern)}))`,
  ];
  if (EXPIRES_TEXT_CHARACTERS.test(term)) terms.push(icontains(EXPIRES_AS_TEXT, pattern));
  return sql`(${sql.join(terms, sql` OR `)})`;
}

function listSql(filter: InvitationFilter): ListSql {
  const where: SQL[] = [];
  if (filter.name !== undefined) where.push(sql`i.name = ${filter.name}`);
  if (filter.createdByUsername !== undefined) where.push(sql`u.username = ${filter.createdByUsername}`);
  if (filter.expires !== undefined) where.push(sql`i.expires = ${filter.expires}::timestamptz`);
  if (filter.flowSlug !== undefined) where.push(sql`f.slug = ${filter.flowSlug}`);
  if (filter.status !== undefined) where.push(STATUS_SQL[filter.status]);
  if (filter.visiblePks) where.push(sql`i.invite_uuid = ANY(${uuidArray(filter.visiblePks)})`);
  // A search selects its invitations first, behind OFFSET 0: PostgreSQL cannot estimate how
  // many invitations the matching users and flows hold, and would otherwise walk the ordering
  // index testing every row instead of using the BitmapOr (see searchTermSql).
  const searching = filter.searchTerms.length > 0;
  const matches = sql`(SELECT * FROM invitations i WHERE ${sql.join(filter.searchTerms.map(searchTermSql), sql` AND `)} OFFSET 0) i`;
  const from = searching
    ? sql`${matches} JOIN users u ON u.id = i.created_by LEFT JOIN flows f ON f.flow_uuid = i.flow`
    : FROM;
  // The joins neither drop rows (created_by is NOT NULL with a foreign key) nor multiply them
  // (flow is a LEFT JOIN on a key): a search counts its matches alone, unless a filter reads u or f.
  const joinsFiltered = filter.createdByUsername !== undefined || filter.flowSlug !== undefined;
  return {
    select: SELECT,
    from,
    where,
    // One row per invitation: created_by is NOT NULL with a foreign key, flow a LEFT JOIN.
    // Not while searching: the search is in `from`, so an empty `where` is not "all rows".
    countedTable: searching ? undefined : 'invitations',
    countFrom: searching && !joinsFiltered ? matches : undefined,
    orderBy: filter.ordering.map((term) => orderTerm(ORDER_COLUMNS[term.field], term.descending)),
  };
}

export interface TimelineEventRow {
  action: string;
  created: string;
  user: { pk?: number | null; username?: string };
  context: Record<string, unknown>;
  client_ip: string | null;
}

export interface TimelineUseRow {
  used: string;
  user_id: number | null;
  username: string;
  client_ip: string | null;
}

export interface InvitationValues {
  name: string;
  /** ISO datetime; null means "now + the default token duration" (authentik's save hook). */
  expires: string | null;
  fixedData: Record<string, unknown>;
  singleUse: boolean;
  flow: string | null;
  maxUses: number | null;
  /** The binding: at most one of them is set (the service checks). */
  email: string | null;
  emailDomains: string[] | null;
}

/** A text[] value, or NULL (the list goes as one JSON parameter). */
function textArray(values: string[] | null | undefined): SQL {
  return values === null || values === undefined
    ? sql`NULL::text[]`
    : sql`ARRAY(SELECT jsonb_array_elements_text(${JSON.stringify(values)}::jsonb))`;
}

function expiresValue(expires: string | null, defaultDurationSeconds: number): SQL {
  return expires === null
    ? sql`now() + make_interval(secs => ${defaultDurationSeconds})`
    : sql`${expires}::timestamptz`;
}

export function createInvitationRepository(db: Db) {
  return {
    listPage(filter: InvitationFilter, limit: number, offset: number) {
      return fetchPage<InvitationRow>(db, listSql(filter), limit, offset);
    },

    count(filter: InvitationFilter) {
      return countRows(db, listSql(filter));
    },

    async findByPk(pk: string): Promise<InvitationRow | undefined> {
      const rows = await query<InvitationRow>(
        db,
        sql`SELECT ${SELECT} FROM ${FROM} WHERE i.invite_uuid = ${pk}`,
      );
      return rows[0];
    },

    /** The slug of the flow with this pk. */
    async flowSlug(pk: string): Promise<string | undefined> {
      const rows = await query<{ slug: string }>(db, sql`SELECT slug FROM flows WHERE flow_uuid = ${pk}`);
      return rows[0]?.slug;
    },

    async flowExists(pk: string): Promise<boolean> {
      const rows = await query<{ found: boolean }>(
        db,
        sql`SELECT EXISTS (SELECT 1 FROM flows WHERE flow_uuid = ${pk}) AS found`,
      );
      return rows[0].found;
    },

    async insert(
      values: InvitationValues,
      createdBy: number,
      defaultDurationSeconds: number,
    ): Promise<string> {
      const rows = await query<{ invite_uuid: string }>(
        db,
        sql`INSERT INTO invitations (name, expires, fixed_data, single_use, flow, max_uses, created_by,
                                     email, email_domains)
            VALUES (${values.name}, ${expiresValue(values.expires, defaultDurationSeconds)},
                    ${JSON.stringify(values.fixedData)}::jsonb, ${values.singleUse}, ${values.flow},
                    ${values.maxUses}, ${createdBy}, ${values.email}, ${textArray(values.emailDomains)})
            RETURNING invite_uuid`,
      );
      return rows[0].invite_uuid;
    },

    /**
     * Many invitations that differ only in their names and fixed_data, as one multi-row INSERT
     * (the rows go as one JSON parameter, so the statement text is the same for any count, and
     * the row-count trigger, a statement trigger, runs once). A row without its own fixed_data
     * gets `values.fixedData`. Returns each new row's pk, name and expiry in the rows' order.
     */
    async insertMany(
      rows: { name: string; fixedData?: Record<string, unknown>; email?: string | null }[],
      values: Omit<InvitationValues, 'name' | 'email'>,
      createdBy: number,
      defaultDurationSeconds: number,
    ): Promise<{ pk: string; name: string; expires: string | null }[]> {
      const json = JSON.stringify(
        rows.map((row) => ({ n: row.name, d: row.fixedData, e: row.email ?? null })),
      );
      return query<{ pk: string; name: string; expires: string | null }>(
        db,
        sql`WITH inserted AS (
              INSERT INTO invitations (name, expires, fixed_data, single_use, flow, max_uses, created_by,
                                       email, email_domains)
              SELECT r.value ->> 'n', ${expiresValue(values.expires, defaultDurationSeconds)},
                     COALESCE(r.value -> 'd', ${JSON.stringify(values.fixedData)}::jsonb), ${values.singleUse},
                     ${values.flow}, ${values.maxUses}, ${createdBy},
                     r.value ->> 'e', ${textArray(values.emailDomains)}
              FROM jsonb_array_elements(${json}::jsonb) WITH ORDINALITY AS r(value, i)
              ORDER BY r.i
              RETURNING invite_uuid, name, expires
            )
            SELECT invite_uuid AS pk, name, drf_datetime(expires) AS expires FROM inserted`,
      );
    },

    /**
     * The audit events about one invitation, oldest first: its `model_*` events (the index on
     * the model pk finds them), the flow's `invitation_used` and refusals, and the invitation
     * emails sent (by the send_email path, or an `invitation_uuid` in the context). Events carry
     * the token masked (`mask`), so only those written since the invitation was created are
     * read: another invitation whose token shares the 8 visible digits is not mistaken for it.
     */
    async timelineEvents(mask: string, since: string): Promise<TimelineEventRow[]> {
      const path = `%/invitations/${mask}/%`;
      return query<TimelineEventRow>(
        db,
        sql`SELECT e.action, drf_datetime(e.created) AS created, e."user", e.context, e.client_ip
            FROM events e
            WHERE e.created >= ${since}::timestamptz - interval '1 second'
              AND ((e.context -> 'model' ->> 'pk' = ${mask}
                    AND e.context -> 'model' ->> 'app' = 'authentik_stages_invitation'
                    AND e.context -> 'model' ->> 'model_name' = 'invitation')
                OR (e.action IN ('invitation_used', 'suspicious_request', 'email_sent')
                    AND e.context ->> 'invitation_uuid' = ${mask})
                OR (e.action = 'email_sent' AND e.context -> 'http_request' ->> 'path' LIKE ${path}))
            ORDER BY e.created, e.event_uuid`,
      );
    },

    /** The invitation's usage records, oldest first. */
    async uses(pk: string): Promise<TimelineUseRow[]> {
      return query<TimelineUseRow>(
        db,
        sql`SELECT drf_datetime(used) AS used, user_id, username, client_ip FROM invitation_uses
            WHERE invitation_uuid = ${pk} ORDER BY used, id`,
      );
    },

    /** When the invitation was created, and whether and when it expired. */
    async lifetime(pk: string): Promise<{ created: string; expired_at: string | null } | undefined> {
      const rows = await query<{ created: string; expired_at: string | null }>(
        db,
        sql`SELECT drf_datetime(created) AS created,
                   CASE WHEN expiring AND expires <= now() THEN drf_datetime(expires) END AS expired_at
            FROM invitations WHERE invite_uuid = ${pk}`,
      );
      return rows[0];
    },

    /** The pk of the flow with this slug. */
    async flowPkBySlug(slug: string): Promise<string | undefined> {
      const rows = await query<{ pk: string }>(
        db,
        sql`SELECT flow_uuid AS pk FROM flows WHERE slug = ${slug}`,
      );
      return rows[0]?.pk;
    },

    /** Deletes these invitations (or every expired one), returning the rows removed. */
    async deleteMany(target: { pks: string[] } | 'expired'): Promise<{ pk: string; name: string }[]> {
      const where =
        target === 'expired'
          ? sql`expiring AND expires <= now()`
          : sql`invite_uuid = ANY(${uuidArray(target.pks)})`;
      return query<{ pk: string; name: string }>(
        db,
        sql`DELETE FROM invitations WHERE ${where} RETURNING invite_uuid AS pk, name`,
      );
    },

    /** Sets the given fields; `expires: null` resets the expiry to now + the default duration. */
    async update(
      pk: string,
      values: Partial<InvitationValues>,
      defaultDurationSeconds: number,
    ): Promise<void> {
      const sets: SQL[] = [];
      if (values.name !== undefined) sets.push(sql`name = ${values.name}`);
      if (values.expires !== undefined)
        sets.push(sql`expires = ${expiresValue(values.expires, defaultDurationSeconds)}`);
      if (values.fixedData !== undefined)
        sets.push(sql`fixed_data = ${JSON.stringify(values.fixedData)}::jsonb`);
      if (values.singleUse !== undefined) sets.push(sql`single_use = ${values.singleUse}`);
      if (values.flow !== undefined) sets.push(sql`flow = ${values.flow}`);
      if (values.maxUses !== undefined) sets.push(sql`max_uses = ${values.maxUses}`);
      if (values.email !== undefined) sets.push(sql`email = ${values.email}`);
      if (values.emailDomains !== undefined)
        sets.push(sql`email_domains = ${textArray(values.emailDomains)}`);
      if (sets.length === 0) return;
      await db.execute(sql`UPDATE invitations SET ${sql.join(sets, sql`, `)} WHERE invite_uuid = ${pk}`);
    },

    /** The pks among these that name an existing group and role (PrimaryKeyRelatedField). */
    async existingGroups(pks: string[]): Promise<Set<string>> {
      if (pks.length === 0) return new Set();
      const rows = await query<{ pk: string }>(
        db,
        sql`SELECT group_uuid AS pk FROM groups WHERE group_uuid = ANY(${uuidArray(pks)})`,
      );
      return new Set(rows.map((row) => row.pk));
    },

    async existingRoles(pks: string[]): Promise<Set<string>> {
      if (pks.length === 0) return new Set();
      const rows = await query<{ pk: string }>(
        db,
        sql`SELECT uuid AS pk FROM roles WHERE uuid = ANY(${uuidArray(pks)})`,
      );
      return new Set(rows.map((row) => row.pk));
    },

    /**
     * Locks the invitation's row for the rest of the transaction and reads it: concurrent
     * writes of one invitation then check its grants one after the other, each on what the
     * other committed. Undefined when it is gone.
     */
    async findForUpdate(pk: string): Promise<InvitationRow | undefined> {
      await db.execute(sql`SELECT 1 FROM invitations WHERE invite_uuid = ${pk} FOR UPDATE`);
      return this.findByPk(pk);
    },

    /** Replaces the groups the invitation carries. */
    async setGroups(pk: string, groups: string[]): Promise<void> {
      await db.execute(sql`DELETE FROM invitation_groups WHERE invitation_uuid = ${pk}`);
      if (groups.length > 0) {
        await db.execute(sql`INSERT INTO invitation_groups (invitation_uuid, group_uuid)
          SELECT ${pk}, unnest(${uuidArray(groups)}) ON CONFLICT DO NOTHING`);
      }
    },

    /** The same groups and roles on each of many new invitations: one statement per kind. */
    async addGrantsMany(pks: string[], groups: string[], roles: string[]): Promise<void> {
      if (pks.length === 0) return;
      if (groups.length > 0) {
        await db.execute(sql`INSERT INTO invitation_groups (invitation_uuid, group_uuid)
          SELECT i, g FROM unnest(${uuidArray(pks)}) AS i, unnest(${uuidArray(groups)}) AS g`);
      }
      if (roles.length > 0) {
        await db.execute(sql`INSERT INTO invitation_roles (invitation_uuid, role_uuid)
          SELECT i, r FROM unnest(${uuidArray(pks)}) AS i, unnest(${uuidArray(roles)}) AS r`);
      }
    },

    /** Replaces the roles the invitation carries. */
    async setRoles(pk: string, roles: string[]): Promise<void> {
      await db.execute(sql`DELETE FROM invitation_roles WHERE invitation_uuid = ${pk}`);
      if (roles.length > 0) {
        await db.execute(sql`INSERT INTO invitation_roles (invitation_uuid, role_uuid)
          SELECT ${pk}, unnest(${uuidArray(roles)}) ON CONFLICT DO NOTHING`);
      }
    },

    /** Deletes the row; false when it was already gone (a concurrent delete won). */
    async delete(pk: string): Promise<boolean> {
      const rows = await query(
        db,
        sql`DELETE FROM invitations WHERE invite_uuid = ${pk} RETURNING invite_uuid`,
      );
      return rows.length > 0;
    },

    /**
     * Revokes the invitation (keeping the row) and drops any lease on it. False when it is
     * gone or already revoked.
     */
    async revoke(pk: string, revokedBy: number): Promise<boolean> {
      const rows = await query(
        db,
        sql`UPDATE invitations SET revoked_at = now(), revoked_by = ${revokedBy},
              lease_holder = NULL, lease_expires = NULL
            WHERE invite_uuid = ${pk} AND revoked_at IS NULL RETURNING invite_uuid`,
      );
      return rows.length > 0;
    },

    /**
     * The clean-up: every invitation that ended (expired, used up or revoked) at least
     * `retentionDays` ago. With 0 it is authentik's "Remove expired objects": every expiring
     * row whose expiry is not in the future (and, beyond authentik, every used-up or revoked
     * one). Returns how many were removed.
     */
    async deleteEnded(retentionDays: number): Promise<number> {
      const cutoff = sql`now() - make_interval(days => ${retentionDays})`;
      const rows = await query<{ invite_uuid: string }>(
        db,
        sql`DELETE FROM invitations i
            WHERE (i.expiring AND i.expires <= ${cutoff})
               OR (i.revoked_at <= ${cutoff})
               OR (i.used_up_at <= ${cutoff} AND ${USED_UP_SQL} IS TRUE)
            RETURNING invite_uuid`,
      );
      return rows.length;
    },

    /**
     * Marks every invitation that has expired since the last run, while it was still usable
     * (not revoked, not used up), and returns what the audit events name them by: each expiry
     * is recorded once, however long retention keeps the row afterwards.
     */
    async markExpired(): Promise<{ pk: string; name: string }[]> {
      return query<{ pk: string; name: string }>(
        db,
        sql`UPDATE invitations i SET expiry_recorded_at = now()
            WHERE i.expiring AND i.expires <= now() AND i.expiry_recorded_at IS NULL
              AND i.revoked_at IS NULL AND ${USED_UP_SQL} IS NOT TRUE
            RETURNING invite_uuid AS pk, name`,
      );
    },
  };
}
