import { sql, type SQL } from 'drizzle-orm';
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
  /** The flow's bindings in execution order, for planning. */
  bindings: BindingRow[];
}

export interface BindingRow {
  binding: string;
  stage: string;
  type: string;
  name: string;
  invalid_response_action: string;
  settings: unknown;
}

export function createExecutorRepository(db: Db) {
  return {
    /**
     * The flow with its bindings in execution order (authentik: `order`, ties as the database
     * gives), in one statement: planning needs both, and a round trip costs more than the few
     * binding rows a request that already has a plan reads for nothing.
     */
    async flowBySlug(slug: string, settingsSql: SQL = sql`NULL::json`): Promise<ExecutorFlowRow | undefined> {
      const rows = await query<ExecutorFlowRow>(
        db,
        sql`SELECT f.flow_uuid AS pk, f.slug, f.title, f.designation, ${backgroundUrlSql('f')} AS background_url,
                   f.layout, f.authentication, f.denied_action,
                   (SELECT coalesce(json_agg(json_build_object(
                       'binding', b.fsb_uuid, 'stage', b.stage, 'type', s.type, 'name', s.name,
                       'invalid_response_action', b.invalid_response_action,
                       'settings', ${settingsSql}
                     ) ORDER BY b."order", b.fsb_uuid), '[]'::json)
                    FROM flow_stage_bindings b JOIN stages s ON s.stage_uuid = b.stage
                    WHERE b.target = f.flow_uuid) AS bindings
            FROM flows f WHERE f.slug = ${slug}`,
      );
      return rows[0];
    },

    /**
     * The flow `/flows/-/default/<designation>/` goes to (authentik's ToDefaultFlow): the
     * brand's default (`preferred`, authentik's default brand names its default flows), else the
     * first flow of that designation by slug.
     */
    async defaultFlowSlug(designation: string, preferred: string): Promise<string | undefined> {
      const rows = await query<{ slug: string }>(
        db,
        sql`SELECT slug FROM flows WHERE designation = ${designation}
            ORDER BY slug = ${preferred} DESC, slug LIMIT 1`,
      );
      return rows[0]?.slug;
    },

    async username(userId: number): Promise<string | undefined> {
      const rows = await query<{ username: string }>(
        db,
        sql`SELECT username FROM users WHERE id = ${userId}`,
      );
      return rows[0]?.username;
    },

    /**
     * A stage's settings as a handler's planSettingsSql selects them (null when its row is
     * gone), for a plan stored before plans kept them.
     */
    async stageSettings(stagePk: string, settingsSql: SQL): Promise<unknown> {
      const rows = await query<{ settings: unknown }>(
        db,
        sql`SELECT ${settingsSql} AS settings FROM stages s WHERE s.stage_uuid = ${stagePk}`,
      );
      return rows[0]?.settings ?? null;
    },
  };
}
