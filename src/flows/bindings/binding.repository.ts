import { sql } from 'drizzle-orm';
import { query, type Db } from '../../db/client.js';
import { defineList, filter, noChoices, sameNamedColumns } from '../../api/list-spec.js';
import { flowSetSql } from '../flow-set.sql.js';
import { POLICY_ENGINE_MODES } from '../flow.schema.js';
import { INVALID_RESPONSE_ACTIONS, type FlowStageBindingInput } from './binding.schema.js';

export interface BindingRow {
  pk: string;
  policybindingmodel_ptr_id: string;
  target: string;
  stage: string;
  stage_type: string;
  stage_name: string;
  /** JSON text (stages.flow_set). */
  stage_flow_set: string;
  evaluate_on_plan: boolean;
  re_evaluate_policies: boolean;
  order: number;
  policy_engine_mode: string;
  invalid_response_action: string;
}

const SELECT = sql`b.fsb_uuid AS pk, b.pbm_uuid AS policybindingmodel_ptr_id, b.target, b.stage,
  s.type AS stage_type, s.name AS stage_name, ${flowSetSql('s')} AS stage_flow_set,
  b.evaluate_on_plan, b.re_evaluate_policies, b."order", b.policy_engine_mode, b.invalid_response_action`;
const FROM = sql`flow_stage_bindings b JOIN stages s ON s.stage_uuid = b.stage`;

/** Whether the flow or stage a binding names exists. */
async function exists(db: Db, table: 'flows' | 'stages', pk: string): Promise<boolean> {
  const column = table === 'flows' ? sql`flow_uuid` : sql`stage_uuid`;
  const rows = await query<{ found: boolean }>(
    db,
    sql`SELECT EXISTS (SELECT 1 FROM ${sql.identifier(table)} WHERE ${column} = ${pk}) AS found`,
  );
  return rows[0].found;
}

/**
 * FlowStageBindingViewSet's filterset: `filterset_fields = "__all__"` makes the foreign keys
 * ModelChoiceFilters (an unknown id is a 400) and `policies` a ModelMultipleChoiceFilter;
 * Tessera stores no policies, so any well-formed policy id is an unknown choice.
 * @see authentik/flows/api/bindings.py, django_filters/filterset.py FILTER_FOR_DBFIELD_DEFAULTS
 */
export const bindingList = defineList({
  select: SELECT,
  from: FROM,
  pk: sql`b.fsb_uuid`,
  filters: {
    evaluate_on_plan: filter.drfBoolean(sql`b.evaluate_on_plan`),
    fsb_uuid: filter.uuid(sql`b.fsb_uuid`),
    invalid_response_action: filter.choice(sql`b.invalid_response_action`, INVALID_RESPONSE_ACTIONS),
    order: filter.integer(sql`b."order"`),
    pbm_uuid: filter.uuid(sql`b.pbm_uuid`),
    policies: noChoices('raw'),
    policy_engine_mode: filter.choice(sql`b.policy_engine_mode`, POLICY_ENGINE_MODES),
    re_evaluate_policies: filter.drfBoolean(sql`b.re_evaluate_policies`),
    stage: filter.modelChoice(sql`b.stage`, (db, id) => exists(db, 'stages', id)),
    target: filter.modelChoice(sql`b.target`, (db, id) => exists(db, 'flows', id)),
  },
  checkOrder: ['target', 'stage', 'policies'],
  search: [sql`s.name`],
  ordering: {
    pk: sql`b.fsb_uuid`,
    policybindingmodel_ptr_id: sql`b.pbm_uuid`,
    ...sameNamedColumns(
      'b',
      'target stage evaluate_on_plan re_evaluate_policies order policy_engine_mode invalid_response_action',
    ),
  },
  defaultOrdering: ['order', 'pk'],
});

export function createBindingRepository(db: Db) {
  return {
    exists: (table: 'flows' | 'stages', pk: string) => exists(db, table, pk),

    async duplicate(target: string, stage: string, order: number, exceptPk?: string): Promise<boolean> {
      const rows = await query<{ found: boolean }>(
        db,
        sql`SELECT EXISTS (SELECT 1 FROM flow_stage_bindings WHERE target = ${target} AND stage = ${stage}
              AND "order" = ${order} ${exceptPk ? sql`AND fsb_uuid <> ${exceptPk}` : sql``}) AS found`,
      );
      return rows[0].found;
    },

    async insert(input: FlowStageBindingInput): Promise<string> {
      const rows = await query<{ fsb_uuid: string }>(
        db,
        sql`INSERT INTO flow_stage_bindings (target, stage, evaluate_on_plan, re_evaluate_policies, "order",
                                             policy_engine_mode, invalid_response_action)
            VALUES (${input.target}, ${input.stage}, ${input.evaluate_on_plan ?? false},
                    ${input.re_evaluate_policies ?? true}, ${input.order}, ${input.policy_engine_mode ?? 'any'},
                    ${input.invalid_response_action ?? 'retry'})
            RETURNING fsb_uuid`,
      );
      return rows[0].fsb_uuid;
    },

    async update(pk: string, input: Partial<FlowStageBindingInput>): Promise<void> {
      const keys = [
        'target',
        'stage',
        'evaluate_on_plan',
        're_evaluate_policies',
        'order',
        'policy_engine_mode',
        'invalid_response_action',
      ] as const;
      const sets = keys
        .filter((key) => input[key] !== undefined)
        .map((key) => sql`${sql.identifier(key)} = ${input[key]}`);
      if (sets.length > 0) {
        await db.execute(
          sql`UPDATE flow_stage_bindings SET ${sql.join(sets, sql`, `)} WHERE fsb_uuid = ${pk}`,
        );
      }
    },

    /** Deletes the row; false when it was already gone (a concurrent delete won). */
    async delete(pk: string): Promise<boolean> {
      const rows = await query(
        db,
        sql`DELETE FROM flow_stage_bindings WHERE fsb_uuid = ${pk} RETURNING fsb_uuid`,
      );
      return rows.length > 0;
    },
  };
}
