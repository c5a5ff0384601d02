import { sql, type SQL } from 'drizzle-orm';
import { query, type Db } from '../../db/client.js';

export interface FlowValues {
  slug: string;
  name: string;
  title: string;
  designation: string;
  authentication: string;
  denied_action: string;
}

export interface PromptValues {
  name: string;
  field_key: string;
  label: string;
  type: string;
  required: boolean;
  placeholder: string;
  initial_value: string;
  order: number;
}

const ident = (name: string) => sql.raw(`"${name.replace(/"/g, '')}"`);

/**
 * Statements that create a missing object and leave an existing one alone, as a blueprint entry
 * with `state: created` does: an administrator's later changes survive a restart, and a restart
 * on an unchanged database writes nothing.
 */
export function createDefaultFlowsRepository(db: Db) {
  return {
    /** The new flow's pk, or undefined when a flow with the slug exists. */
    async createFlow(v: FlowValues): Promise<string | undefined> {
      const rows = await query<{ flow_uuid: string }>(
        db,
        sql`INSERT INTO flows (slug, name, title, designation, authentication, denied_action)
            VALUES (${v.slug}, ${v.name}, ${v.title}, ${v.designation}, ${v.authentication}, ${v.denied_action})
            ON CONFLICT (slug) DO NOTHING RETURNING flow_uuid`,
      );
      return rows[0]?.flow_uuid;
    },

    /**
     * The stage of this name, created with its subtype row (`columns` of `table`) when missing.
     */
    async ensureStage(
      name: string,
      type: string,
      table: string,
      columns: Record<string, SQL>,
    ): Promise<string> {
      const names = Object.keys(columns);
      const list = sql.join([sql`stage_uuid`, ...names.map(ident)], sql`, `);
      const values = sql.join([sql`stage_uuid`, ...names.map((n) => columns[n])], sql`, `);
      const rows = await query<{ stage_uuid: string }>(
        db,
        sql`WITH existing AS (SELECT stage_uuid FROM stages WHERE name = ${name}),
            created AS (
              INSERT INTO stages (name, type) SELECT ${name}, ${type} WHERE NOT EXISTS (SELECT 1 FROM existing)
              RETURNING stage_uuid),
            subtype AS (INSERT INTO ${ident(table)} (${list}) SELECT ${values} FROM created)
            SELECT stage_uuid FROM created UNION ALL SELECT stage_uuid FROM existing`,
      );
      return rows[0].stage_uuid;
    },

    /** The prompt of this name, created when missing. */
    async ensurePrompt(v: PromptValues): Promise<string> {
      const rows = await query<{ prompt_uuid: string }>(
        db,
        sql`WITH created AS (
              INSERT INTO prompts (name, field_key, label, type, required, placeholder, initial_value, "order")
              VALUES (${v.name}, ${v.field_key}, ${v.label}, ${v.type}, ${v.required}, ${v.placeholder},
                      ${v.initial_value}, ${v.order})
              ON CONFLICT (name) DO NOTHING RETURNING prompt_uuid)
            SELECT prompt_uuid FROM created UNION ALL SELECT prompt_uuid FROM prompts WHERE name = ${v.name} LIMIT 1`,
      );
      return rows[0].prompt_uuid;
    },

    async addPromptFields(stage: string, prompts: string[]): Promise<void> {
      for (const prompt of prompts) {
        await db.execute(
          sql`INSERT INTO prompt_stage_fields (stage_uuid, prompt_uuid) VALUES (${stage}, ${prompt}) ON CONFLICT DO NOTHING`,
        );
      }
    },

    async bind(flow: string, stage: string, order: number): Promise<void> {
      await db.execute(
        sql`INSERT INTO flow_stage_bindings (target, stage, "order") VALUES (${flow}, ${stage}, ${order})`,
      );
    },
  };
}

/** Whether the first person has set akadmin up (initial-setup flow), read at plan time. */
export function createInitialSetupRepository(db: Db) {
  return {
    /**
     * akadmin's id while it has no usable password (Django's has_usable_password: set, and not
     * marked unusable with a leading `!`) and the setup has not run; undefined otherwise.
     */
    async pendingAdmin(username: string, marker: string): Promise<number | undefined> {
      const rows = await query<{ id: number }>(
        db,
        sql`SELECT id FROM users WHERE username = ${username}
              AND (password IS NULL OR password = '' OR password LIKE '!%')
              AND NOT EXISTS (SELECT 1 FROM system_settings WHERE key = ${marker})`,
      );
      return rows[0]?.id;
    },

    /** Claims the one run of the setup; false when another run claimed it first. */
    async claim(marker: string): Promise<boolean> {
      const rows = await query(
        db,
        sql`INSERT INTO system_settings (key, value) VALUES (${marker}, to_jsonb(now()))
            ON CONFLICT (key) DO NOTHING RETURNING key`,
      );
      return rows.length > 0;
    },
  };
}
