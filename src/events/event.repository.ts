import { sql, type SQL } from 'drizzle-orm';
import { query, type Db } from '../db/client.js';
import { countRows, fetchPage, icontains, orderTerm, uuidArray, type ListSql } from '../db/list-query.js';
import { likeContains } from '../api/search.js';
import type { OrderTerm } from '../api/ordering.js';

export interface NewEvent {
  action: string;
  app: string;
  user: Record<string, unknown>;
  context: Record<string, unknown>;
  clientIp: string | null;
  retentionSeconds: number;
}

export async function insertEvent(db: Db, event: NewEvent): Promise<string> {
  const rows = await query<{ event_uuid: string }>(
    db,
    sql`INSERT INTO events (action, app, "user", context, client_ip, expires)
        VALUES (${event.action}, ${event.app}, ${JSON.stringify(event.user)}::jsonb,
                ${JSON.stringify(event.context)}::jsonb, ${event.clientIp},
                now() + make_interval(secs => ${event.retentionSeconds}))
        RETURNING event_uuid`,
  );
  return rows[0].event_uuid;
}

/**
 * Several events in one statement (one round trip), as one JSON parameter so the statement
 * text is the same whatever their number. Rows keep the given order.
 */
export async function insertEvents(db: Db, events: NewEvent[]): Promise<void> {
  if (events.length === 0) return;
  if (events.length === 1) {
    await insertEvent(db, events[0]);
    return;
  }
  await query(db, insertEventsSql(events));
}

/**
 * `INSERT INTO events` of these events, written only when `condition` holds: a fragment for
 * data-modifying CTEs whose other parts decide, in the same statement, whether the events
 * happened (see the invitation stage's single-use claim).
 */
export function insertEventsSql(events: readonly NewEvent[], condition?: SQL): SQL {
  const rows = events.map((event) => ({
    action: event.action,
    app: event.app,
    user: event.user,
    context: event.context,
    client_ip: event.clientIp,
    retention: event.retentionSeconds,
  }));
  return sql`INSERT INTO events (action, app, "user", context, client_ip, expires)
      SELECT e.action, e.app, e."user", e.context, e.client_ip, now() + make_interval(secs => e.retention)
      FROM ROWS FROM (jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        AS (action text, app text, "user" jsonb, context jsonb, client_ip text, retention double precision))
        WITH ORDINALITY AS e(action, app, "user", context, client_ip, retention, n)
      ${condition ? sql`WHERE ${condition}` : sql``}
      ORDER BY e.n`;
}

// ---------------------------------------------------------------------------------------------
// the audit log API (/api/v3/events/events/)
// ---------------------------------------------------------------------------------------------

export interface EventRow {
  pk: string;
  user: Record<string, unknown>;
  action: string;
  app: string;
  context: Record<string, unknown>;
  client_ip: string | null;
  created: string;
  expires: string;
  brand: Record<string, unknown>;
}

/** DRF's ordering fields: every readable serializer field. */
export const EVENT_ORDER_FIELDS = [
  'pk',
  'user',
  'action',
  'app',
  'context',
  'client_ip',
  'created',
  'expires',
  'brand',
] as const;
export type EventOrderField = (typeof EVENT_ORDER_FIELDS)[number];

export interface EventFilter {
  /** Case-insensitive substring of the action. */
  actionContains?: string;
  /** The action is one of these. */
  actions?: string[];
  clientIp?: string;
  /** `user.username` or `context.username` equals this. */
  username?: string;
  /** `context.model.pk` (as text) is one of these. */
  contextModelPks?: string[];
  contextModelName?: string;
  contextModelApp?: string;
  contextAuthorizedApp?: string;
  contextDevice?: string;
  brandName?: string;
  /** `created >= createdFrom` and `created < createdBefore` (ISO 8601). */
  createdFrom?: string;
  createdBefore?: string;
  searchTerms: string[];
  /** Only these events are visible (object-level permissions); undefined means all. */
  visiblePks?: string[];
  ordering: OrderTerm<EventOrderField>[];
}

const EVENT_ORDER_COLUMNS: Record<EventOrderField, SQL> = {
  pk: sql`e.event_uuid`,
  user: sql`e."user"`,
  action: sql`e.action`,
  app: sql`e.app`,
  context: sql`e.context`,
  client_ip: sql`e.client_ip`,
  created: sql`e.created`,
  expires: sql`e.expires`,
  brand: sql`e.brand`,
};

const EVENT_SELECT = sql`e.event_uuid AS pk, e."user", e.action, e.app, e.context, e.client_ip,
  drf_datetime(e.created) AS created, drf_datetime(e.expires) AS expires, e.brand`;

/** Django's `icontains` on a non-text column: `UPPER(col::text) LIKE UPPER(pattern)`. */
const EVENT_SEARCH_COLUMNS = [
  sql`e.event_uuid::text`,
  sql`e."user"::text`,
  sql`e.action`,
  sql`e.app`,
  sql`e.context::text`,
  sql`e.client_ip`,
];

function inList(column: SQL, values: string[]): SQL {
  return sql`${column} IN (${sql.join(
    values.map((value) => sql`${value}`),
    sql`, `,
  )})`;
}

function eventListSql(filter: EventFilter): ListSql {
  const where: SQL[] = [];
  if (filter.actionContains !== undefined) {
    where.push(icontains(sql`e.action`, likeContains(filter.actionContains)));
  }
  if (filter.actions !== undefined) where.push(inList(sql`e.action`, filter.actions));
  if (filter.clientIp !== undefined) where.push(sql`e.client_ip = ${filter.clientIp}`);
  if (filter.username !== undefined) {
    where.push(
      sql`(e."user" ->> 'username' = ${filter.username} OR e.context ->> 'username' = ${filter.username})`,
    );
  }
  if (filter.contextModelPks !== undefined) {
    where.push(inList(sql`(e.context -> 'model' ->> 'pk')`, filter.contextModelPks));
  }
  if (filter.contextModelName !== undefined) {
    where.push(sql`e.context -> 'model' ->> 'model_name' = ${filter.contextModelName}`);
  }
  if (filter.contextModelApp !== undefined) {
    where.push(sql`e.context -> 'model' ->> 'app' = ${filter.contextModelApp}`);
  }
  if (filter.contextAuthorizedApp !== undefined) {
    where.push(sql`e.context -> 'authorized_application' ->> 'pk' = ${filter.contextAuthorizedApp}`);
  }
  if (filter.contextDevice !== undefined) {
    where.push(sql`e.context -> 'device' ->> 'pk' = ${filter.contextDevice}`);
  }
  if (filter.brandName !== undefined) where.push(sql`e.brand ->> 'name' = ${filter.brandName}`);
  if (filter.createdFrom !== undefined) where.push(sql`e.created >= ${filter.createdFrom}::timestamptz`);
  if (filter.createdBefore !== undefined) where.push(sql`e.created < ${filter.createdBefore}::timestamptz`);
  for (const term of filter.searchTerms) {
    const pattern = likeContains(term);
    where.push(
      sql`(${sql.join(
        EVENT_SEARCH_COLUMNS.map((column) => icontains(column, pattern)),
        sql` OR `,
      )})`,
    );
  }
  if (filter.visiblePks) where.push(sql`e.event_uuid = ANY(${uuidArray(filter.visiblePks)})`);
  return {
    select: EVENT_SELECT,
    from: sql`events e`,
    // Unfiltered lists read the trigger-maintained total (src/db/list-query.ts countedTable).
    countedTable: 'events',
    where,
    orderBy: filter.ordering.map((term) => orderTerm(EVENT_ORDER_COLUMNS[term.field], term.descending)),
  };
}

/** Rows removed per statement by the cleanup, so one run never holds a huge delete open. */
const CLEANUP_BATCH = 5000;

export function createEventRepository(db: Db) {
  return {
    listPage(filter: EventFilter, limit: number, offset: number) {
      return fetchPage<EventRow>(db, eventListSql(filter), limit, offset);
    },

    count(filter: EventFilter) {
      return countRows(db, eventListSql(filter));
    },

    async findByPk(pk: string): Promise<EventRow | undefined> {
      const rows = await query<EventRow>(
        db,
        sql`SELECT ${EVENT_SELECT} FROM events e WHERE e.event_uuid = ${pk}`,
      );
      return rows[0];
    },

    /** Deletes every event whose retention has passed, in batches; returns how many. */
    async deleteExpired(): Promise<number> {
      let total = 0;
      for (;;) {
        const rows = await query<{ removed: string | number }>(
          db,
          sql`WITH doomed AS (SELECT event_uuid FROM events WHERE expires <= now() LIMIT ${CLEANUP_BATCH}),
                   removed AS (DELETE FROM events e USING doomed d WHERE e.event_uuid = d.event_uuid RETURNING 1)
              SELECT count(*) AS removed FROM removed`,
        );
        const removed = Number(rows[0].removed);
        total += removed;
        if (removed < CLEANUP_BATCH) return total;
      }
    },
  };
}
