import { sql, type SQL } from 'drizzle-orm';
import { query, type Db } from '../../db/client.js';
import { countRows, fetchPage, icontains, orderTerm, uuidArray, type ListSql } from '../../db/list-query.js';
import { likeContains } from '../../api/search.js';
import type { OrderTerm } from '../../api/ordering.js';
import { flowSetSql } from '../flow-set.sql.js';
import type { FlowStageBindingInput } from './binding.schema.js';

export const BINDING_ORDER_FIELDS = [
  'pk',
  'policybindingmodel_ptr_id',
  'target',
  'stage',
  'evaluate_on_plan',
  're_evaluate_policies',
  'order',
  'policy_engine_mode',
  'invalid_response_action',
] as const;
export type BindingOrderField = (typeof BINDING_ORDER_FIELDS)[number];

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

export interface BindingFilter {
  evaluateOnPlan?: boolean;
  fsbUuid?: string;
  invalidResponseAction?: string;
  order?: number;
  pbmUuid?: string;
  /** Policy ids asked for; Tessera has no policies, so the service rejects any (never reaches SQL). */
  policies?: string[];
  policyEngineMode?: string;
  reEvaluatePolicies?: boolean;
  stage?: string;
  target?: string;
  searchTerms: string[];
  visiblePks?: string[];
  ordering: OrderTerm<BindingOrderField>[];
}

const COLUMNS: Record<BindingOrderField, SQL> = {
  pk: sql`b.fsb_uuid`,
  policybindingmodel_ptr_id: sql`b.pbm_uuid`,
  target: sql`b.target`,
  stage: sql`b.stage`,
  evaluate_on_plan: sql`b.evaluate_on_plan`,
  re_evaluate_policies: sql`b.re_evaluate_policies`,
  order: sql`b."order"`,
  policy_engine_mode: sql`b.policy_engine_mode`,
  invalid_response_action: sql`b.invalid_response_action`,
};

const SELECT = sql`b.fsb_uuid AS pk, b.pbm_uuid AS policybindingmodel_ptr_id, b.target, b.stage,
  s.type AS stage_type, s.name AS stage_name, ${flowSetSql('s')} AS stage_flow_set,
  b.evaluate_on_plan, b.re_evaluate_policies, b."order", b.policy_engine_mode, b.invalid_response_action`;
const FROM = sql`flow_stage_bindings b JOIN stages s ON s.stage_uuid = b.stage`;

function listSql(filter: BindingFilter): ListSql {
  const where: SQL[] = [];
  const eq = (column: SQL, value: unknown) => {
    if (value !== undefined) where.push(sql`${column} = ${value}`);
  };
  eq(sql`b.evaluate_on_plan`, filter.evaluateOnPlan);
  eq(sql`b.fsb_uuid`, filter.fsbUuid);
  eq(sql`b.invalid_response_action`, filter.invalidResponseAction);
  // Compared as numeric: a number-filter value outside the integer range matches nothing.
  if (filter.order !== undefined) where.push(sql`b."order" = ${String(filter.order)}::numeric`);
  eq(sql`b.pbm_uuid`, filter.pbmUuid);
  eq(sql`b.policy_engine_mode`, filter.policyEngineMode);
  eq(sql`b.re_evaluate_policies`, filter.reEvaluatePolicies);
  eq(sql`b.stage`, filter.stage);
  eq(sql`b.target`, filter.target);
  for (const term of filter.searchTerms) where.push(icontains(sql`s.name`, likeContains(term)));
  if (filter.visiblePks) where.push(sql`b.fsb_uuid = ANY(${uuidArray(filter.visiblePks)})`);
  return {
    select: SELECT,
    from: FROM,
    where,
    orderBy: filter.ordering.map((t) => orderTerm(COLUMNS[t.field], t.descending)),
  };
}

export function createBindingRepository(db: Db) {
  return {
    listPage: (filter: BindingFilter, limit: number, offset: number) =>
      fetchPage<BindingRow>(db, listSql(filter), limit, offset),
    count: (filter: BindingFilter) => countRows(db, listSql(filter)),

    async findByPk(pk: string): Promise<BindingRow | undefined> {
      const rows = await query<BindingRow>(db, sql`SELECT ${SELECT} FROM ${FROM} WHERE b.fsb_uuid = ${pk}`);
      return rows[0];
    },

    async exists(table: 'flows' | 'stages', pk: string): Promise<boolean> {
      const column = table === 'flows' ? sql`flow_uuid` : sql`stage_uuid`;
      const rows = await query<{ found: boolean }>(
        db,
        sql`SELECT EXISTS (SELECT 1 FROM ${sql.identifier(table)} WHERE ${column} = ${pk}) AS found`,
      );
      return rows[0].found;
    },

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
