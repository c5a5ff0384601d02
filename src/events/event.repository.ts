import { sql } from 'drizzle-orm';
import { query, type Db } from '../db/client.js';

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
