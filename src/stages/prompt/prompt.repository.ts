import { sql, type SQL } from 'drizzle-orm';
import { query, type Db } from '../../db/client.js';
import { countRows, fetchPage, icontains, orderTerm, uuidArray, type ListSql } from '../../db/list-query.js';
import { likeContains } from '../../api/search.js';
import type { OrderTerm } from '../../api/ordering.js';
import { flowSetJsonSql } from '../../flows/flow-set.sql.js';
import { PROMPT_STAGE_TYPE } from './prompt-stage.service.js';
import type { PromptType } from './prompt.schema.js';
import type { PromptField } from './prompt-fields.js';

export interface PromptRow {
  pk: string;
  name: string;
  field_key: string;
  label: string;
  type: PromptType;
  required: boolean;
  placeholder: string;
  initial_value: string;
  order: number;
  prompt_stages_obj: unknown[];
  sub_text: string;
  placeholder_expression: boolean;
  initial_value_expression: boolean;
}

export const PROMPT_ORDER_FIELDS = [
  'pk',
  'name',
  'field_key',
  'label',
  'type',
  'required',
  'placeholder',
  'initial_value',
  'order',
  'sub_text',
  'placeholder_expression',
  'initial_value_expression',
] as const;
export type PromptOrderField = (typeof PROMPT_ORDER_FIELDS)[number];

export interface PromptFilter {
  fieldKey?: string;
  label?: string;
  name?: string;
  placeholder?: string;
  type?: string;
  searchTerms: string[];
  visiblePks?: string[];
  ordering: OrderTerm<PromptOrderField>[];
}

const META = PROMPT_STAGE_TYPE;

/** `prompt_stages_obj`: the full PromptStage of every stage using the prompt. */
const STAGES_SQL = sql`(SELECT coalesce(json_agg(json_build_object(
    'pk', s.stage_uuid, 'name', s.name, 'component', ${META.component}::text,
    'verbose_name', ${META.verbose_name}::text, 'verbose_name_plural', ${META.verbose_name_plural}::text,
    'meta_model_name', ${META.meta_model_name}::text, 'flow_set', ${flowSetJsonSql('s')},
    'fields', (SELECT coalesce(json_agg(f2.prompt_uuid ORDER BY f2.prompt_uuid), '[]'::json)
               FROM prompt_stage_fields f2 WHERE f2.stage_uuid = s.stage_uuid),
    'validation_policies', '[]'::json) ORDER BY s.name), '[]'::json)
  FROM prompt_stage_fields psf JOIN stages s ON s.stage_uuid = psf.stage_uuid
  WHERE psf.prompt_uuid = p.prompt_uuid)`;

const SELECT = sql`p.prompt_uuid AS pk, p.name, p.field_key, p.label, p.type, p.required, p.placeholder,
  p.initial_value, p."order", ${STAGES_SQL} AS prompt_stages_obj, p.sub_text, p.placeholder_expression,
  p.initial_value_expression`;

const COLUMNS: Record<PromptOrderField, SQL> = {
  pk: sql`p.prompt_uuid`,
  name: sql`p.name`,
  field_key: sql`p.field_key`,
  label: sql`p.label`,
  type: sql`p.type`,
  required: sql`p.required`,
  placeholder: sql`p.placeholder`,
  initial_value: sql`p.initial_value`,
  order: sql`p."order"`,
  sub_text: sql`p.sub_text`,
  placeholder_expression: sql`p.placeholder_expression`,
  initial_value_expression: sql`p.initial_value_expression`,
};

function listSql(filter: PromptFilter): ListSql {
  const where: SQL[] = [];
  if (filter.fieldKey !== undefined) where.push(sql`p.field_key = ${filter.fieldKey}`);
  if (filter.label !== undefined) where.push(sql`p.label = ${filter.label}`);
  if (filter.name !== undefined) where.push(sql`p.name = ${filter.name}`);
  if (filter.placeholder !== undefined) where.push(sql`p.placeholder = ${filter.placeholder}`);
  if (filter.type !== undefined) where.push(sql`p.type = ${filter.type}`);
  // search_fields = field_key, name, label, type, placeholder: each term in any of them.
  for (const term of filter.searchTerms) {
    const pattern = likeContains(term);
    where.push(
      sql`(${sql.join(
        [sql`p.field_key`, sql`p.name`, sql`p.label`, sql`p.type`, sql`p.placeholder`].map((c) =>
          icontains(c, pattern),
        ),
        sql` OR `,
      )})`,
    );
  }
  if (filter.visiblePks) where.push(sql`p.prompt_uuid = ANY(${uuidArray(filter.visiblePks)})`);
  return {
    select: SELECT,
    from: sql`prompts p`,
    where,
    orderBy: filter.ordering.map((t) => orderTerm(COLUMNS[t.field], t.descending)),
  };
}

export type PromptValues = Omit<PromptRow, 'pk' | 'prompt_stages_obj'>;

export function createPromptRepository(db: Db) {
  return {
    listPage: (filter: PromptFilter, limit: number, offset: number) =>
      fetchPage<PromptRow>(db, listSql(filter), limit, offset),
    count: (filter: PromptFilter) => countRows(db, listSql(filter)),

    async findByPk(pk: string): Promise<PromptRow | undefined> {
      const rows = await query<PromptRow>(
        db,
        sql`SELECT ${SELECT} FROM prompts p WHERE p.prompt_uuid = ${pk}`,
      );
      return rows[0];
    },

    async nameTaken(name: string, exceptPk?: string): Promise<boolean> {
      const rows = await query<{ taken: boolean }>(
        db,
        sql`SELECT EXISTS (SELECT 1 FROM prompts WHERE name = ${name}
              ${exceptPk ? sql`AND prompt_uuid <> ${exceptPk}` : sql``}) AS taken`,
      );
      return rows[0].taken;
    },

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
