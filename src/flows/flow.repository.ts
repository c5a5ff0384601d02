import { sql, type SQL } from 'drizzle-orm';
import { query, type Db } from '../db/client.js';
import { valueTaken } from '../db/unique-column.js';
import { defineList, filter, sameNamedColumns } from '../api/list-spec.js';
import { backgroundUrlSql } from './flow-set.sql.js';
import { DENIED_ACTIONS, FLOW_DESIGNATIONS, type FlowBody, type FlowInput } from './flow.schema.js';

/** The full Flow serializer's columns, in authentik's field order. */
const FLOW_SELECT = sql`f.flow_uuid AS pk, f.pbm_uuid AS policybindingmodel_ptr_id, f.name, f.slug, f.title,
  f.designation, ${backgroundUrlSql('f')} AS background, ${backgroundUrlSql('f')} AS background_url,
  NULL::json AS background_themed_urls,
  (SELECT coalesce(json_agg(b.stage ORDER BY b."order"), '[]'::json) FROM flow_stage_bindings b WHERE b.target = f.flow_uuid) AS stages,
  '[]'::json AS policies, 0 AS cache_count, f.policy_engine_mode, f.compatibility_mode,
  '/api/v3/flows/instances/' || f.slug || '/export/' AS export_url, f.layout, f.denied_action, f.authentication`;

/** The embedded Flow object other serializers carry (`flow_obj`), as one JSON value. */
export function flowObjectSql(flowUuid: SQL): SQL {
  return sql`(SELECT row_to_json(x) FROM (SELECT ${FLOW_SELECT} FROM flows f WHERE f.flow_uuid = ${flowUuid}) x)`;
}

/** FlowViewSet's filterset, search fields and ordering. @see authentik/flows/api/flows.py */
export const flowList = defineList({
  select: FLOW_SELECT,
  from: sql`flows f`,
  pk: sql`f.flow_uuid`,
  filters: {
    denied_action: filter.choice(sql`f.denied_action`, DENIED_ACTIONS),
    designation: filter.choice(sql`f.designation`, FLOW_DESIGNATIONS),
    flow_uuid: filter.uuid(sql`f.flow_uuid`),
    name: filter.text(sql`f.name`),
    slug: filter.text(sql`f.slug`),
  },
  search: [sql`f.name`, sql`f.slug`, sql`f.designation`, sql`f.title`, sql`f.denied_action`],
  ordering: {
    pk: sql`f.flow_uuid`,
    policybindingmodel_ptr_id: sql`f.pbm_uuid`,
    ...sameNamedColumns(
      'f',
      'name slug title designation background policy_engine_mode compatibility_mode layout denied_action authentication',
    ),
  },
  defaultOrdering: ['slug'],
});

export interface FlowUsageRow {
  kind: 'binding' | 'invitation' | 'stage';
  pk: string;
  label: string;
  order: number | null;
}

export function createFlowRepository(db: Db) {
  return {
    findBySlug: (slug: string) => flowList.find<FlowBody>(db, slug, sql`f.slug`),

    slugTaken: (slug: string, exceptPk?: string) =>
      valueTaken(db, { table: 'flows', column: 'slug', pk: 'flow_uuid' }, slug, exceptPk),

    async insert(input: FlowInput): Promise<string> {
      const rows = await query<{ flow_uuid: string }>(
        db,
        sql`INSERT INTO flows (name, slug, title, designation, background, policy_engine_mode, compatibility_mode,
                               layout, denied_action, authentication)
            VALUES (${input.name}, ${input.slug}, ${input.title}, ${input.designation}, ${input.background ?? ''},
                    ${input.policy_engine_mode ?? 'any'}, ${input.compatibility_mode ?? false},
                    ${input.layout ?? 'stacked'}, ${input.denied_action ?? 'message_continue'},
                    ${input.authentication ?? 'none'})
            RETURNING flow_uuid`,
      );
      return rows[0].flow_uuid;
    },

    async update(pk: string, input: Partial<FlowInput>): Promise<void> {
      const columns: Record<keyof FlowInput, string> = {
        name: 'name',
        slug: 'slug',
        title: 'title',
        designation: 'designation',
        background: 'background',
        policy_engine_mode: 'policy_engine_mode',
        compatibility_mode: 'compatibility_mode',
        layout: 'layout',
        denied_action: 'denied_action',
        authentication: 'authentication',
      };
      const sets = (Object.keys(columns) as (keyof FlowInput)[])
        .filter((key) => input[key] !== undefined)
        .map((key) => sql`${sql.identifier(columns[key])} = ${input[key]}`);
      if (sets.length === 0) return;
      await db.execute(sql`UPDATE flows SET ${sql.join(sets, sql`, `)} WHERE flow_uuid = ${pk}`);
    },

    /** Deletes the row; false when it was already gone (a concurrent delete won). */
    async delete(pk: string): Promise<boolean> {
      const rows = await query(db, sql`DELETE FROM flows WHERE flow_uuid = ${pk} RETURNING flow_uuid`);
      return rows.length > 0;
    },

    /** What references a flow: its bindings, invitations limited to it, its stages. */
    async usages(pk: string): Promise<FlowUsageRow[]> {
      return query<FlowUsageRow>(
        db,
        sql`SELECT 'binding' AS kind, b.fsb_uuid::text AS pk, b.target::text AS label, b."order" AS "order"
              FROM flow_stage_bindings b WHERE b.target = ${pk}
            UNION ALL
            SELECT 'invitation', i.invite_uuid::text, i.created_by::text, NULL FROM invitations i WHERE i.flow = ${pk}
            UNION ALL
            SELECT 'stage', s.stage_uuid::text, s.name, b."order"
              FROM flow_stage_bindings b JOIN stages s ON s.stage_uuid = b.stage WHERE b.target = ${pk}
            ORDER BY kind, "order" NULLS LAST, pk`,
      );
    },
  };
}
