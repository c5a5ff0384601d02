import { sql } from 'drizzle-orm';
import { query, type Db } from '../db/client.js';
import { valueTaken } from '../db/unique-column.js';

export interface StageUsageRow {
  kind: 'flow' | 'binding';
  pk: string;
  flow_name: string;
  flow_slug: string;
  flow_uuid: string;
  binding_order: number;
}

/** Queries shared by every stage type (the `stages` base table). */
export function createStageRepository(db: Db) {
  return {
    nameTaken: (name: string, exceptPk?: string) =>
      valueTaken(db, { table: 'stages', column: 'name', pk: 'stage_uuid' }, name, exceptPk),

    async typeOf(pk: string): Promise<string | undefined> {
      const rows = await query<{ type: string }>(db, sql`SELECT type FROM stages WHERE stage_uuid = ${pk}`);
      return rows[0]?.type;
    },

    /**
     * Deletes the stage (its type row and its bindings cascade) and returns its name; undefined
     * when it was already gone (a concurrent delete won).
     */
    async delete(pk: string): Promise<string | undefined> {
      const rows = await query<{ name: string }>(
        db,
        sql`DELETE FROM stages WHERE stage_uuid = ${pk} RETURNING name`,
      );
      return rows[0]?.name;
    },

    /** The flows a stage is bound to (one per binding) and the bindings themselves. */
    async usages(pk: string): Promise<StageUsageRow[]> {
      return query<StageUsageRow>(
        db,
        sql`SELECT 'flow' AS kind, f.flow_uuid AS pk, f.name AS flow_name, f.slug AS flow_slug,
                   f.flow_uuid, b."order" AS binding_order
            FROM flow_stage_bindings b JOIN flows f ON f.flow_uuid = b.target WHERE b.stage = ${pk}
            UNION ALL
            SELECT 'binding', b.fsb_uuid, f.name, f.slug, f.flow_uuid, b."order"
            FROM flow_stage_bindings b JOIN flows f ON f.flow_uuid = b.target WHERE b.stage = ${pk}
            ORDER BY kind DESC, binding_order, flow_slug`,
      );
    },
  };
}
