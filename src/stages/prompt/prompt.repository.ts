import { sql, type SQL } from 'drizzle-orm';
import { query, type Db } from '../../db/client.js';
import { valueTaken } from '../../db/unique-column.js';
import { defineList, filter, sameNamedColumns } from '../../api/list-spec.js';
import { ref } from '../../api/schemas.js';
import { flowSetJsonSql } from '../../flows/flow-set.sql.js';
import { stageMeta } from '../../flows/stage-types.js';
import { PROMPT_TYPES, PromptTypeEnum } from './prompt.schema.js';
import type { PromptField } from './prompt-fields.js';

/** A prompt as the API shows it: the fields a challenge renders, and the rest. */
export interface PromptRow extends PromptField {
  pk: string;
  name: string;
  prompt_stages_obj: unknown[];
  placeholder_expression: boolean;
  initial_value_expression: boolean;
}

/**
 * `prompt_stages_obj`: the full PromptStage of every stage using the prompt, with the prompt
 * stage type's metadata. Built on first use: the stage's definition (prompt.feature.ts) loads
 * after this module, whose prompts its handler reads.
 */
function stagesSql(): SQL {
  const meta = stageMeta('prompt');
  return sql`(SELECT coalesce(json_agg(json_build_object(
    'pk', s.stage_uuid, 'name', s.name, 'component', ${meta.component}::text,
    'verbose_name', ${meta.verbose_name}::text, 'verbose_name_plural', ${meta.verbose_name_plural}::text,
    'meta_model_name', ${meta.meta_model_name}::text, 'flow_set', ${flowSetJsonSql('s')},
    'fields', (SELECT coalesce(json_agg(f2.prompt_uuid ORDER BY f2.prompt_uuid), '[]'::json)
               FROM prompt_stage_fields f2 WHERE f2.stage_uuid = s.stage_uuid),
    'validation_policies', '[]'::json) ORDER BY s.name), '[]'::json)
  FROM prompt_stage_fields psf JOIN stages s ON s.stage_uuid = psf.stage_uuid
  WHERE psf.prompt_uuid = p.prompt_uuid)`;
}

let select: SQL | undefined;

function promptSelect(): SQL {
  select ??= sql`p.prompt_uuid AS pk, p.name, p.field_key, p.label, p.type, p.required, p.placeholder,
  p.initial_value, p."order", ${stagesSql()} AS prompt_stages_obj, p.sub_text, p.placeholder_expression,
  p.initial_value_expression`;
  return select;
}

/** PromptViewSet's filterset, search fields and ordering. @see authentik/stages/prompt/api.py */
const declarePromptList = () =>
  defineList({
    select: promptSelect(),
    from: sql`prompts p`,
    pk: sql`p.prompt_uuid`,
    filters: {
      field_key: filter.text(sql`p.field_key`),
      label: filter.text(sql`p.label`),
      name: filter.text(sql`p.name`),
      placeholder: filter.text(sql`p.placeholder`),
      type: filter.choice(sql`p.type`, PROMPT_TYPES, ref(PromptTypeEnum)),
    },
    search: [sql`p.field_key`, sql`p.name`, sql`p.label`, sql`p.type`, sql`p.placeholder`],
    ordering: {
      pk: sql`p.prompt_uuid`,
      ...sameNamedColumns(
        'p',
        'name field_key label type required placeholder initial_value order sub_text placeholder_expression initial_value_expression',
      ),
    },
    defaultOrdering: ['field_key'],
  });

let list: ReturnType<typeof declarePromptList> | undefined;

/** The prompts' list declaration, made on first use (see stagesSql). */
export function promptList(): ReturnType<typeof declarePromptList> {
  list ??= declarePromptList();
  return list;
}

export type PromptValues = Omit<PromptRow, 'pk' | 'prompt_stages_obj'>;

export function createPromptRepository(db: Db) {
  return {
    nameTaken: (name: string, exceptPk?: string) =>
      valueTaken(db, { table: 'prompts', column: 'name', pk: 'prompt_uuid' }, name, exceptPk),

    async insert(v: PromptValues): Promise<string> {
      const rows = await query<{ prompt_uuid: string }>(
        db,
        sql`INSERT INTO prompts (name, field_key, label, type, required, placeholder, initial_value, "order",
                                 sub_text, placeholder_expression, initial_value_expression)
            VALUES (${v.name}, ${v.field_key}, ${v.label}, ${v.type}, ${v.required}, ${v.placeholder},
                    ${v.initial_value}, ${v.order}, ${v.sub_text}, ${v.placeholder_expression},
                    ${v.initial_value_expression})
            RETURNING prompt_uuid`,
      );
      return rows[0].prompt_uuid;
    },

    async update(pk: string, v: Partial<PromptValues>): Promise<void> {
      const sets = Object.entries(v)
        .filter(([, value]) => value !== undefined)
        .map(([key, value]) => sql`${sql.raw(`"${key}"`)} = ${value}`);
      if (sets.length === 0) return;
      await db.execute(sql`UPDATE prompts SET ${sql.join(sets, sql`, `)} WHERE prompt_uuid = ${pk}`);
    },

    async delete(pk: string): Promise<boolean> {
      const rows = await query(db, sql`DELETE FROM prompts WHERE prompt_uuid = ${pk} RETURNING prompt_uuid`);
      return rows.length > 0;
    },

    /** The prompt stages using the prompt (used_by). */
    async stages(pk: string): Promise<{ pk: string; name: string }[]> {
      return query(
        db,
        sql`SELECT s.stage_uuid AS pk, s.name FROM prompt_stage_fields f JOIN stages s ON s.stage_uuid = f.stage_uuid
            WHERE f.prompt_uuid = ${pk} ORDER BY s.name`,
      );
    },

    /** Whether a user other than `exceptId` holds the username. */
    usernameTaken: (username: string, exceptId?: number) =>
      valueTaken(db, { table: 'users', column: 'username', pk: 'id', pkType: 'int' }, username, exceptId),

    /** A stage's prompts in challenge order (authentik: `fields.all().order_by("order")`). */
    async forStage(stagePk: string): Promise<PromptField[]> {
      return query<PromptField>(
        db,
        sql`SELECT p.field_key, p.label, p.type, p.required, p.placeholder, p.initial_value, p."order", p.sub_text
            FROM prompts p JOIN prompt_stage_fields f ON f.prompt_uuid = p.prompt_uuid
            WHERE f.stage_uuid = ${stagePk} ORDER BY p."order", p.name`,
      );
    },
  };
}
