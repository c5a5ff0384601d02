import { sql, type SQL } from 'drizzle-orm';
import { query, type Db } from '../../db/client.js';
import { countRows, fetchPage, icontains, orderTerm, uuidArray, type ListSql } from '../../db/list-query.js';
import { flowSetSql } from '../../flows/flow-set.sql.js';
import { likeContains } from '../../api/search.js';
import type { OrderTerm } from '../../api/ordering.js';

export interface InvitationStageRow {
  pk: string;
  name: string;
  /** JSON text (stages.flow_set). */
  flow_set: string;
  continue_flow_without_invitation: boolean;
}

export const INVITATION_STAGE_ORDER_FIELDS = [
  'pk',
  'name',
  'flow_set',
  'continue_flow_without_invitation',
] as const;
export type InvitationStageOrderField = (typeof INVITATION_STAGE_ORDER_FIELDS)[number];

export interface InvitationStageFilter {
  name?: string;
  continueFlowWithoutInvitation?: boolean;
  stageUuid?: string;
  noFlows?: boolean;
  searchTerms: string[];
  /** Only these stages are visible (object-level permissions); undefined means all. */
  visiblePks?: string[];
  ordering: OrderTerm<InvitationStageOrderField>[];
}

const ORDER_COLUMNS: Record<InvitationStageOrderField, SQL | undefined> = {
  pk: sql`s.stage_uuid`,
  name: sql`s.name`,
  // authentik answers 500 for this one (the ORM cannot resolve `flow_set`); Tessera orders by
  // the name of the first bound flow instead (docs/compatibility.md).
  flow_set: sql`(SELECT min(f.name) FROM flow_stage_bindings fb JOIN flows f ON f.flow_uuid = fb.target WHERE fb.stage = s.stage_uuid)`,
  continue_flow_without_invitation: sql`i.continue_flow_without_invitation`,
};

function listSql(filter: InvitationStageFilter): ListSql {
  const where: SQL[] = [];
  if (filter.name !== undefined) where.push(sql`s.name = ${filter.name}`);
  if (filter.continueFlowWithoutInvitation !== undefined) {
    where.push(sql`i.continue_flow_without_invitation = ${filter.continueFlowWithoutInvitation}`);
  }
  if (filter.stageUuid !== undefined) where.push(sql`s.stage_uuid = ${filter.stageUuid}`);
  // authentik's `flow__isnull` joins the bindings, so a stage bound to several flows is listed
  // once per binding; the stored flow_set (empty exactly when no binding exists, migration
  // 0006) lists it once and spares the filtered count a probe of the bindings per stage.
  if (filter.noFlows === true) where.push(sql`s.flow_set = '[]'`);
  if (filter.noFlows === false) where.push(sql`s.flow_set <> '[]'`);
  for (const term of filter.searchTerms) where.push(icontains(sql`s.name`, likeContains(term)));
  if (filter.visiblePks) where.push(sql`s.stage_uuid = ANY(${uuidArray(filter.visiblePks)})`);
  return {
    select: sql`s.stage_uuid AS pk, s.name, ${flowSetSql('s')} AS flow_set,
                i.continue_flow_without_invitation`,
    from: sql`stages s JOIN invitation_stages i ON i.stage_uuid = s.stage_uuid`,
    where,
    // One row per invitation_stages row (its primary key references stages).
    countedTable: 'invitation_stages',
    orderBy: filter.ordering.map((term) =>
      orderTerm(ORDER_COLUMNS[term.field] ?? sql`s.name`, term.descending),
    ),
  };
}

export function createInvitationStageRepository(db: Db) {
  return {
    listPage(filter: InvitationStageFilter, limit: number, offset: number) {
      return fetchPage<InvitationStageRow>(db, listSql(filter), limit, offset);
    },

    count(filter: InvitationStageFilter) {
      return countRows(db, listSql(filter));
    },

    async findByPk(pk: string): Promise<InvitationStageRow | undefined> {
      const rows = await query<InvitationStageRow>(
        db,
        sql`SELECT s.stage_uuid AS pk, s.name, ${flowSetSql('s')} AS flow_set,
                   i.continue_flow_without_invitation
            FROM stages s JOIN invitation_stages i ON i.stage_uuid = s.stage_uuid
            WHERE s.stage_uuid = ${pk}`,
      );
      return rows[0];
    },

    async insert(values: { name: string; continueFlowWithoutInvitation: boolean }): Promise<string> {
      const rows = await query<{ stage_uuid: string }>(
        db,
        sql`WITH base AS (INSERT INTO stages (name, type) VALUES (${values.name}, 'invitation') RETURNING stage_uuid)
            INSERT INTO invitation_stages (stage_uuid, continue_flow_without_invitation)
            SELECT stage_uuid, ${values.continueFlowWithoutInvitation} FROM base RETURNING stage_uuid`,
      );
      return rows[0].stage_uuid;
    },

    async update(
      pk: string,
      values: { name?: string; continueFlowWithoutInvitation?: boolean },
    ): Promise<void> {
      if (values.name !== undefined)
        await db.execute(sql`UPDATE stages SET name = ${values.name} WHERE stage_uuid = ${pk}`);
      if (values.continueFlowWithoutInvitation !== undefined) {
        await db.execute(
          sql`UPDATE invitation_stages SET continue_flow_without_invitation = ${values.continueFlowWithoutInvitation}
              WHERE stage_uuid = ${pk}`,
        );
      }
    },
  };
}
