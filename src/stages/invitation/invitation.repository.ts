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
] as const;
export type InvitationOrderField = (typeof INVITATION_ORDER_FIELDS)[number];

/**
 * Tessera's `status` filter (docs/compatibility.md): `expired` past an expiring invitation's
 * expiry, `used` (not expired) with every one of its `max_uses` taken, `active` neither.
 */
export const INVITATION_STATUSES = ['active', 'used', 'expired'] as const;
export type InvitationStatus = (typeof INVITATION_STATUSES)[number];

const EXPIRED_SQL = sql`(i.expiring AND i.expires IS NOT NULL AND i.expires <= now())`;
const USED_UP_SQL = sql`(i.max_uses IS NOT NULL AND i.uses >= i.max_uses)`;
const STATUS_SQL: Record<InvitationStatus, SQL> = {
  expired: EXPIRED_SQL,
  used: sql`(NOT ${EXPIRED_SQL} AND ${USED_UP_SQL})`,
  active: sql`(NOT ${EXPIRED_SQL} AND NOT ${USED_UP_SQL})`,
};

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
};

/**
 * Django's `icontains` on a DateTimeField casts it to text in the connection's time zone, which
 * authentik pins to UTC: `2026-09-30 12:00:00+00`. Spelled out so the session time zone of
 * the database cannot change what matches.
 */
const EXPIRES_AS_TEXT = sql`((i.expires AT TIME ZONE 'UTC')::text || '+00')`;

const SELECT = sql`i.invite_uuid AS pk, i.name, drf_datetime(i.expires) AS expires, i.fixed_data,
  ${partialUserSql('u')} AS created_by, i.single_use, i.flow, ${flowObjectSql(sql`i.flow`)} AS flow_obj,
  i.max_uses, i.uses, f.slug AS flow_slug,
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

export interface InvitationValues {
  name: string;
  /** ISO datetime; null means "now + the default token duration" (authentik's save hook). */
  expires: string | null;
  fixedData: Record<string, unknown>;
  singleUse: boolean;
  flow: string | null;
  maxUses: number | null;
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
        sql`INSERT INTO invitations (name, expires, fixed_data, single_use, flow, max_uses, created_by)
            VALUES (${values.name}, ${expiresValue(values.expires, defaultDurationSeconds)},
                    ${JSON.stringify(values.fixedData)}::jsonb, ${values.singleUse}, ${values.flow},
                    ${values.maxUses}, ${createdBy})
            RETURNING invite_uuid`,
      );
      return rows[0].invite_uuid;
    },

    /**
     * Many invitations that differ only in their names, as one multi-row INSERT (the names go
     * as one JSON parameter, so the statement text is the same for any count). Returns each
     * new row's pk, name and expiry in the names' order.
     */
    async insertMany(
      names: string[],
      values: Omit<InvitationValues, 'name'>,
      createdBy: number,
      defaultDurationSeconds: number,
    ): Promise<{ pk: string; name: string; expires: string | null }[]> {
      return query<{ pk: string; name: string; expires: string | null }>(
        db,
        sql`WITH inserted AS (
              INSERT INTO invitations (name, expires, fixed_data, single_use, flow, max_uses, created_by)
              SELECT n.name, ${expiresValue(values.expires, defaultDurationSeconds)},
                     ${JSON.stringify(values.fixedData)}::jsonb, ${values.singleUse}, ${values.flow},
                     ${values.maxUses}, ${createdBy}
              FROM jsonb_array_elements_text(${JSON.stringify(names)}::jsonb) WITH ORDINALITY AS n(name, i)
              ORDER BY n.i
              RETURNING invite_uuid, name, expires
            )
            SELECT invite_uuid AS pk, name, drf_datetime(expires) AS expires FROM inserted`,
      );
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
      if (sets.length === 0) return;
      await db.execute(sql`UPDATE invitations SET ${sql.join(sets, sql`, `)} WHERE invite_uuid = ${pk}`);
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
     * authentik's "Remove expired objects" for invitations: every expiring row whose expiry is
     * not in the future. Returns how many were removed.
     */
    /** Deletes every expired invitation; returns what the audit events name them by. */
    async deleteExpired(): Promise<{ pk: string; name: string }[]> {
      return query<{ pk: string; name: string }>(
        db,
        sql`DELETE FROM invitations WHERE expiring AND expires <= now() RETURNING invite_uuid AS pk, name`,
      );
    },
  };
}
