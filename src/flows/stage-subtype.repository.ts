/**
 * SQL for a concrete stage type whose settings are plain columns of its own table (keyed by
 * `stages.stage_uuid`, like Django's multi-table inheritance): user_write, user_login, prompt,
 * identification, password.
 * The invitation stage predates this and keeps its own repository.
 */
import { sql, type SQL } from 'drizzle-orm';
import { query, type Db } from '../db/client.js';
import { countRows, fetchPage, icontains, orderTerm, uuidArray, type ListSql } from '../db/list-query.js';
import { likeContains } from '../api/search.js';
import type { OrderTerm } from '../api/ordering.js';
import { flowSetSql } from './flow-set.sql.js';

export interface SubtypeColumn {
  /** Wire name, which is also the column name. */
  name: string;
  /** `json` holds a list (authentik's ArrayField), stored as jsonb. */
  kind: 'text' | 'boolean' | 'uuid' | 'choice' | 'integer' | 'json';
  choices?: readonly string[];
}

/** A many-to-many list of uuids shown as an array field (PromptStage.fields). */
export interface SubtypeRelation {
  name: string;
  table: string;
  column: string;
  /** The related table and its key, to check that ids exist. */
  target: string;
  targetColumn: string;
}

export interface SubtypeDefinition {
  type: string;
  table: string;
  columns: SubtypeColumn[];
  relation?: SubtypeRelation;
}

export interface SubtypeFilter {
  name?: string;
  stageUuid?: string;
  columns: Record<string, unknown>;
  /** Stages holding any of these related ids. */
  related?: string[];
  searchTerms: string[];
  visiblePks?: string[];
  ordering: OrderTerm<string>[];
}

/** `flow_set` is JSON text (stages.flow_set). */
export type SubtypeRow = { pk: string; name: string; flow_set: string } & Record<string, unknown>;

const ident = (name: string) => sql.raw(`"${name.replace(/"/g, '')}"`);

/** A column value as a statement parameter. */
const param = (column: SubtypeColumn, value: unknown): SQL =>
  column.kind === 'json' ? sql`${JSON.stringify(value)}::jsonb` : sql`${value}`;

export function createSubtypeRepository(db: Db, def: SubtypeDefinition) {
  const table = ident(def.table);
  const columnSelect = def.columns.map((c) =>
    c.kind === 'uuid' ? sql`t.${ident(c.name)}::text AS ${ident(c.name)}` : sql`t.${ident(c.name)}`,
  );
  const relationSelect = def.relation
    ? [
        sql`(SELECT coalesce(json_agg(r.${ident(def.relation.column)} ORDER BY r.${ident(def.relation.column)}), '[]'::json)
             FROM ${ident(def.relation.table)} r WHERE r.stage_uuid = s.stage_uuid) AS ${ident(def.relation.name)}`,
      ]
    : [];
  const select = sql.join(
    [sql`s.stage_uuid AS pk, s.name, ${flowSetSql('s')} AS flow_set`, ...columnSelect, ...relationSelect],
    sql`, `,
  );
  const from = sql`stages s JOIN ${table} t ON t.stage_uuid = s.stage_uuid`;

  const orderColumns: Record<string, SQL> = {
    pk: sql`s.stage_uuid`,
    name: sql`s.name`,
    flow_set: sql`(SELECT min(f.name) FROM flow_stage_bindings fb JOIN flows f ON f.flow_uuid = fb.target WHERE fb.stage = s.stage_uuid)`,
    ...Object.fromEntries(def.columns.map((c) => [c.name, sql`t.${ident(c.name)}`])),
  };

  function listSql(filter: SubtypeFilter): ListSql {
    const where: SQL[] = [];
    if (filter.name !== undefined) where.push(sql`s.name = ${filter.name}`);
    if (filter.stageUuid !== undefined) where.push(sql`s.stage_uuid = ${filter.stageUuid}`);
    for (const [name, value] of Object.entries(filter.columns)) {
      if (value === undefined) continue;
      // An integer filter outside the column's range matches nothing rather than failing.
      const integer = def.columns.some((c) => c.name === name && c.kind === 'integer');
      where.push(
        integer ? sql`t.${ident(name)}::numeric = ${value}::numeric` : sql`t.${ident(name)} = ${value}`,
      );
    }
    if (filter.related && def.relation) {
      where.push(
        sql`EXISTS (SELECT 1 FROM ${ident(def.relation.table)} r WHERE r.stage_uuid = s.stage_uuid
              AND r.${ident(def.relation.column)} = ANY(${uuidArray(filter.related)}))`,
      );
    }
    for (const term of filter.searchTerms) where.push(icontains(sql`s.name`, likeContains(term)));
    if (filter.visiblePks) where.push(sql`s.stage_uuid = ANY(${uuidArray(filter.visiblePks)})`);
    return {
      select,
      from,
      where,
      orderBy: filter.ordering.map((t) => orderTerm(orderColumns[t.field] ?? sql`s.name`, t.descending)),
    };
  }

  return {
    orderFields: Object.keys(orderColumns),

    listPage: (filter: SubtypeFilter, limit: number, offset: number) =>
      fetchPage<SubtypeRow>(db, listSql(filter), limit, offset),

    count: (filter: SubtypeFilter) => countRows(db, listSql(filter)),

    async findByPk(pk: string): Promise<SubtypeRow | undefined> {
      const rows = await query<SubtypeRow>(db, sql`SELECT ${select} FROM ${from} WHERE s.stage_uuid = ${pk}`);
      return rows[0];
    },

    async insert(name: string, values: Record<string, unknown>): Promise<string> {
      const names = def.columns.filter((c) => values[c.name] !== undefined);
      const columns = sql.join([sql`stage_uuid`, ...names.map((c) => ident(c.name))], sql`, `);
      const params = sql.join([sql`stage_uuid`, ...names.map((c) => param(c, values[c.name]))], sql`, `);
      const rows = await query<{ stage_uuid: string }>(
        db,
        sql`WITH base AS (INSERT INTO stages (name, type) VALUES (${name}, ${def.type}) RETURNING stage_uuid)
            INSERT INTO ${table} (${columns}) SELECT ${params} FROM base RETURNING stage_uuid`,
      );
      return rows[0].stage_uuid;
    },

    async update(pk: string, name: string | undefined, values: Record<string, unknown>): Promise<void> {
      if (name !== undefined)
        await db.execute(sql`UPDATE stages SET name = ${name} WHERE stage_uuid = ${pk}`);
      const sets = def.columns
        .filter((c) => values[c.name] !== undefined)
        .map((c) => sql`${ident(c.name)} = ${param(c, values[c.name])}`);
      if (sets.length > 0) {
        await db.execute(sql`UPDATE ${table} SET ${sql.join(sets, sql`, `)} WHERE stage_uuid = ${pk}`);
      }
    },

    /** Replaces the related ids (DRF's ManyRelatedField.set()). */
    async setRelated(pk: string, ids: string[]): Promise<void> {
      if (!def.relation) return;
      const rel = def.relation;
      await db.execute(sql`DELETE FROM ${ident(rel.table)} WHERE stage_uuid = ${pk}`);
      if (ids.length > 0) {
        await db.execute(
          sql`INSERT INTO ${ident(rel.table)} (stage_uuid, ${ident(rel.column)})
              SELECT ${pk}, id FROM unnest(${uuidArray(ids)}) AS id ON CONFLICT DO NOTHING`,
        );
      }
    },

    /** The ids among `ids` that exist in the related table. */
    async existingRelated(ids: string[]): Promise<Set<string>> {
      if (!def.relation || ids.length === 0) return new Set();
      const rel = def.relation;
      const rows = await query<{ id: string }>(
        db,
        sql`SELECT ${ident(rel.targetColumn)}::text AS id FROM ${ident(rel.target)}
            WHERE ${ident(rel.targetColumn)} = ANY(${uuidArray(ids)})`,
      );
      return new Set(rows.map((r) => r.id));
    },
  };
}
