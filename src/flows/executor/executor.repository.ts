import { sql } from 'drizzle-orm';
import { query, type Db } from '../../db/client.js';
import { backgroundUrlSql } from '../flow-set.sql.js';

export interface ExecutorFlowRow {
  pk: string;
  slug: string;
  title: string;
  designation: string;
  background_url: string;
  layout: string;
  authentication: string;
  denied_action: string;
}

export interface BindingRow {
  binding: string;
  stage: string;
  type: string;
  name: string;
  invalid_response_action: string;
}

export function createExecutorRepository(db: Db) {
  return {
    async flowBySlug(slug: string): Promise<ExecutorFlowRow | undefined> {
      const rows = await query<ExecutorFlowRow>(
        db,
        sql`SELECT f.flow_uuid AS pk, f.slug, f.title, f.designation, ${backgroundUrlSql('f')} AS background_url,
                   f.layout, f.authentication, f.denied_action
            FROM flows f WHERE f.slug = ${slug}`,
      );
      return rows[0];
    },

    /** The flow's bindings in execution order (authentik: `order`, ties as the database gives). */
    async bindings(flowPk: string): Promise<BindingRow[]> {
      return query<BindingRow>(
        db,
        sql`SELECT b.fsb_uuid AS binding, b.stage, s.type, s.name, b.invalid_response_action
            FROM flow_stage_bindings b JOIN stages s ON s.stage_uuid = b.stage
            WHERE b.target = ${flowPk}
            ORDER BY b."order", b.fsb_uuid`,
      );
    },

    async username(userId: number): Promise<string | undefined> {
      const rows = await query<{ username: string }>(
        db,
        sql`SELECT username FROM users WHERE id = ${userId}`,
      );
      return rows[0]?.username;
    },
  };
}
