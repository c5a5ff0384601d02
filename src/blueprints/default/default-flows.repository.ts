import { sql } from 'drizzle-orm';
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

/** A default stage: its shared row, its subtype row's settings and, for a prompt stage, its fields. */
export interface DefaultStage {
  name: string;
  type: string;
  /** The subtype table, and the columns set on the new row (the rest take their defaults). */
  table: string;
  settings?: Record<string, string | readonly unknown[]>;
  prompts?: PromptValues[];
}

const ident = (name: string) => sql.raw(`"${name.replace(/"/g, '')}"`);

/**
 * Statements that create a missing object and leave an existing one alone, as a blueprint entry
 * with `state: created` does: an administrator's later changes survive a restart, and a restart
 * on an unchanged database writes nothing.
 */
export function createDefaultFlowsRepository(db: Db) {
  /** The prompt of this name, created when missing. */
  async function ensurePrompt(v: PromptValues): Promise<string> {
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
  }

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
     * The stage of this name, created with its subtype row and its prompt fields when missing;
     * an existing stage is returned as it is.
     */
    async ensureStage(stage: DefaultStage): Promise<string> {
      const settings = Object.entries(stage.settings ?? {});
      const list = sql.join([sql`stage_uuid`, ...settings.map(([column]) => ident(column))], sql`, `);
      const values = sql.join(
        [
          sql`stage_uuid`,
          // Lists go into jsonb columns; INSERT … SELECT needs the cast to type the parameter.
          ...settings.map(([, value]) =>
            typeof value === 'string' ? sql`${value}` : sql`${JSON.stringify(value)}::jsonb`,
          ),
        ],
        sql`, `,
      );
      const rows = await query<{ stage_uuid: string }>(
        db,
        sql`WITH existing AS (SELECT stage_uuid FROM stages WHERE name = ${stage.name}),
            created AS (
              INSERT INTO stages (name, type) SELECT ${stage.name}, ${stage.type} WHERE NOT EXISTS (SELECT 1 FROM existing)
              RETURNING stage_uuid),
            subtype AS (INSERT INTO ${ident(stage.table)} (${list}) SELECT ${values} FROM created)
            SELECT stage_uuid FROM created UNION ALL SELECT stage_uuid FROM existing`,
      );
      const stagePk = rows[0].stage_uuid;
      for (const prompt of stage.prompts ?? []) {
        await db.execute(
          sql`INSERT INTO prompt_stage_fields (stage_uuid, prompt_uuid)
              VALUES (${stagePk}, ${await ensurePrompt(prompt)}) ON CONFLICT DO NOTHING`,
        );
      }
      return stagePk;
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
