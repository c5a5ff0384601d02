/** The SQL of webhook endpoints (table `webhook_endpoints`) and their list declaration. */
import { sql } from 'drizzle-orm';
import { query, type Db } from '../db/client.js';
import { valueTaken } from '../db/unique-column.js';
import { defineList, filter, sameNamedColumns } from '../api/list-spec.js';

export interface WebhookEndpointRow {
  pk: string;
  name: string;
  url: string;
  events: string[];
  enabled: boolean;
  created: string;
}

export interface WebhookEndpointValues {
  name?: string;
  url?: string;
  events?: string[];
  secret?: string;
  enabled?: boolean;
}

/** A text[] parameter (drizzle would spread a JS array into a list of parameters). */
const textArray = (values: string[]) =>
  sql`ARRAY(SELECT jsonb_array_elements_text(${JSON.stringify(values)}::jsonb))`;

const SELECT = sql`w.endpoint_uuid AS pk, w.name, w.url, w.events, w.enabled, drf_datetime(w.created) AS created`;
const FROM = sql`webhook_endpoints w`;

export const webhookEndpointList = defineList({
  select: SELECT,
  from: FROM,
  pk: sql`w.endpoint_uuid`,
  filters: {
    enabled: filter.drfBoolean(sql`w.enabled`),
    name: filter.text(sql`w.name`),
  },
  search: [sql`w.name`, sql`w.url`],
  ordering: {
    pk: sql`w.endpoint_uuid`,
    ...sameNamedColumns('w', 'name url enabled created'),
  },
  defaultOrdering: ['name'],
});

export function createWebhookRepository(db: Db) {
  return {
    nameTaken: (name: string, exceptPk?: string) =>
      valueTaken(db, { table: 'webhook_endpoints', column: 'name', pk: 'endpoint_uuid' }, name, exceptPk),

    async insert(
      values: Required<Omit<WebhookEndpointValues, 'enabled'>> & { enabled: boolean },
    ): Promise<string> {
      const rows = await query<{ pk: string }>(
        db,
        sql`INSERT INTO webhook_endpoints (name, url, events, secret, enabled)
            VALUES (${values.name}, ${values.url}, ${textArray(values.events)}, ${values.secret}, ${values.enabled})
            RETURNING endpoint_uuid AS pk`,
      );
      return rows[0].pk;
    },

    /** Sets the fields given; the others keep their values. */
    async update(pk: string, values: WebhookEndpointValues): Promise<void> {
      await query(
        db,
        sql`UPDATE webhook_endpoints SET
              name = coalesce(${values.name ?? null}, name),
              url = coalesce(${values.url ?? null}, url),
              events = ${values.events ? textArray(values.events) : sql`events`},
              secret = coalesce(${values.secret ?? null}, secret),
              enabled = coalesce(${values.enabled ?? null}::boolean, enabled)
            WHERE endpoint_uuid = ${pk}`,
      );
    },

    async delete(pk: string): Promise<boolean> {
      const rows = await query<{ pk: string }>(
        db,
        sql`DELETE FROM webhook_endpoints WHERE endpoint_uuid = ${pk} RETURNING endpoint_uuid AS pk`,
      );
      return rows.length > 0;
    },

    /** What a delivery needs: where to, the signing secret, and whether it is still enabled. */
    async forDelivery(pk: string): Promise<{ url: string; secret: string; enabled: boolean } | undefined> {
      const rows = await query<{ url: string; secret: string; enabled: boolean }>(
        db,
        sql`SELECT url, secret, enabled FROM webhook_endpoints WHERE endpoint_uuid = ${pk}`,
      );
      return rows[0];
    },
  };
}
