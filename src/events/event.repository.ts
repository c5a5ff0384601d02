import { Type } from '@sinclair/typebox';
import { sql, type SQL } from 'drizzle-orm';
import { query, type Db } from '../db/client.js';
import { icontains } from '../db/list-query.js';
import { Messages } from '../api/errors.js';
import { defineList, filter, type FilterDef, sameNamedColumns } from '../api/list-spec.js';
import { ref } from '../api/schemas.js';
import { likeContains } from '../api/search.js';
import { parseDatetime } from '../api/validation.js';
import { EVENT_ACTION_VALUES } from './event-actions.js';
import { EventActions } from './event.schema.js';
import { maskInvitationToken } from './invitation-token.js';

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

const EVENT_SELECT = sql`e.event_uuid AS pk, e."user", e.action, e.app, e.context, e.client_ip,
  drf_datetime(e.created) AS created, drf_datetime(e.expires) AS expires, e.brand`;

function inList(column: SQL, values: string[]): SQL {
  return sql`${column} IN (${sql.join(
    values.map((value) => sql`${value}`),
    sql`, `,
  )})`;
}

/**
 * `context_model_pk`: authentik stores a UUID pk as 32 hex digits, so dashes a client sends
 * are removed, and a number matches the number too (EventsFilter.filter_context_model_pk).
 * Invitation events carry their pk masked (the pk is the invitation's secret), so a full
 * invitation UUID also matches its masked form: the object's history stays one filter away
 * without the token ever being stored.
 */
function contextModelPks(raw: string): string[] {
  const value = raw.replace(/-/g, '');
  const candidates = [value];
  if (/^[0-9a-f]{32}$/i.test(value)) candidates.push(maskInvitationToken(value));
  return candidates;
}

/** A CharFilter with its own lookup (not `=` on one column). */
function textFilter(where: (value: string) => SQL, description?: string): FilterDef<string> {
  return {
    schema: Type.String(description === undefined ? {} : { description }),
    read: (r, key) => r.text(key),
    where,
  };
}

/** IsoDateTimeFilter on `created` with a comparison. */
function createdFilter(operator: '>=' | '<', description: string): FilterDef<string> {
  return {
    schema: Type.String({ format: 'date-time', description }),
    read: (r, key) => r.datetime(key, parseDatetime),
    where: (value) => sql`e.created ${sql.raw(operator)} ${value}::timestamptz`,
  };
}

/**
 * EventViewSet's list (authentik/events/api/events.py EventsFilter). The filters are read in
 * the order the hand-written list read them, which is the order of their 400's fields.
 * Search is DRF's fallback over every serializer field stored in a column, ordering every
 * readable field (default `-created`).
 */
export const eventList = defineList({
  select: EVENT_SELECT,
  from: sql`events e`,
  // Unfiltered lists read the trigger-maintained total (src/db/list-query.ts countedTable).
  countedTable: 'events',
  pk: sql`e.event_uuid`,
  filters: {
    context_model_pk: textFilter(
      (value) => inList(sql`(e.context -> 'model' ->> 'pk')`, contextModelPks(value)),
      'Context Model Primary Key',
    ),
    action: textFilter((value) => icontains(sql`e.action`, likeContains(value))),
    /** A MultipleChoiceFilter: every value must be one of EventActions. */
    actions: filter.custom<string[]>({
      schema: Type.Array(ref(EventActions)),
      read: (r, key) => {
        const values = r.rawValues(key);
        if (values.length === 0) return undefined;
        const bad = values.find((value) => !(EVENT_ACTION_VALUES as readonly string[]).includes(value));
        if (bad === undefined) return values;
        r.fail(key, Messages.invalidMultipleChoice(bad));
        return undefined;
      },
      where: (values) => inList(sql`e.action`, values),
    }),
    client_ip: filter.text(sql`e.client_ip`),
    username: textFilter(
      (value) => sql`(e."user" ->> 'username' = ${value} OR e.context ->> 'username' = ${value})`,
      'Username',
    ),
    context_model_name: filter.text(
      sql`e.context -> 'model' ->> 'model_name'`,
      Type.String({ description: 'Context Model Name' }),
    ),
    context_model_app: filter.text(
      sql`e.context -> 'model' ->> 'app'`,
      Type.String({ description: 'Context Model App' }),
    ),
    context_authorized_app: filter.text(
      sql`e.context -> 'authorized_application' ->> 'pk'`,
      Type.String({ description: 'Context Authorized application' }),
    ),
    context_device: filter.text(
      sql`e.context -> 'device' ->> 'pk'`,
      Type.String({ description: 'Context Device Primary Key' }),
    ),
    brand_name: filter.text(sql`e.brand ->> 'name'`, Type.String({ description: 'Brand name' })),
    // Not in authentik's EventsFilter: the admin screen's date range (docs/compatibility.md).
    created__gte: createdFilter('>=', 'Tessera: created at or after this time'),
    created__lt: createdFilter('<', 'Tessera: created before this time'),
  },
  /** Django's `icontains` on a non-text column: `UPPER(col::text) LIKE UPPER(pattern)`. */
  search: [
    sql`e.event_uuid::text`,
    sql`e."user"::text`,
    sql`e.action`,
    sql`e.app`,
    sql`e.context::text`,
    sql`e.client_ip`,
  ],
  ordering: {
    pk: sql`e.event_uuid`,
    ...sameNamedColumns('e', 'user action app context client_ip created expires brand'),
  },
  defaultOrdering: ['-created'],
});

/** Rows removed per statement by the cleanup, so one run never holds a huge delete open. */
const CLEANUP_BATCH = 5000;

export function createEventRepository(db: Db) {
  return {
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
