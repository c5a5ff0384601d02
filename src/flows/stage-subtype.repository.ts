/**
 * SQL for a concrete stage type whose settings are plain columns of its own table (keyed by
 * `stages.stage_uuid`, like Django's multi-table inheritance): user_write, user_login, prompt,
 * identification, password.
 */
import { Type, type TSchema } from '@sinclair/typebox';
import { sql, type SQL } from 'drizzle-orm';
import { query, type Db } from '../db/client.js';
import { uuidArray, type CountedTable } from '../db/list-query.js';
import { Messages } from '../api/errors.js';
import { defineList, filter, type FilterDef } from '../api/list-spec.js';
import { ref } from '../api/schemas.js';
import type { ObjectModel } from '../rbac/object-registry.js';
import { flowSetSql } from './flow-set.sql.js';

export interface SubtypeColumn {
  /** Wire name, which is also the column name. */
  name: string;
  /** `json` holds a list (authentik's ArrayField), stored as jsonb. */
  kind: 'text' | 'boolean' | 'uuid' | 'choice' | 'integer' | 'json';
  choices?: readonly string[];
  /**
   * The column's list filter (django-filter's class for it) and, when it is not the class's
   * default, the parameter's schema (an enum component).
   */
  filter?: { kind: 'text' | 'boolean' | 'drfBoolean' | 'uuid' | 'choice' | 'integer'; schema?: TSchema };
  /**
   * A secret the API takes but never shows (DRF's `write_only`, the email stage's SMTP
   * password): never selected, and not an ordering field (DRF's OrderingFilter offers only
   * readable fields), so no list can sort by it.
   */
  writeOnly?: boolean;
}

/**
 * A column holding one of an enum component's values, listed with django-filter's ChoiceFilter
 * over them and the enum as the parameter's schema.
 */
export function choiceColumn(name: string, choices: TSchema & { enum?: readonly string[] }): SubtypeColumn {
  return { name, kind: 'choice', choices: choices.enum, filter: { kind: 'choice', schema: ref(choices) } };
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
  /** Filters that are not a column's equality (the invitation stage's `no_flows`). */
  filters?: Record<string, FilterDef<never>>;
  /**
   * Whether the list filters on `stage_uuid` (default true). Most of authentik's stage
   * viewsets list it in `filterset_fields`; the identification and password stages do not.
   */
  stageUuidFilter?: boolean;
  /** See ListSql.countedTable: the subtype table when it has row-count triggers. */
  countedTable?: CountedTable;
}

/** `flow_set` is JSON text (stages.flow_set). */
export type SubtypeRow = { pk: string; name: string; flow_set: string } & Record<string, unknown>;

const ident = (name: string) => sql.raw(`"${name.replace(/"/g, '')}"`);

/** A column value as a statement parameter. */
const param = (column: SubtypeColumn, value: unknown): SQL =>
  column.kind === 'json' ? sql`${JSON.stringify(value)}::jsonb` : sql`${value}`;

/** `stages.flow_set` is `[]` exactly when no binding exists (migration 0006). */
export const NO_FLOWS_SQL = { none: sql`s.flow_set = '[]'`, some: sql`s.flow_set <> '[]'` };

const readable = (def: SubtypeDefinition) => def.columns.filter((c) => !c.writeOnly);

function subtypeSelect(def: SubtypeDefinition) {
  const columnSelect = readable(def).map((c) =>
    c.kind === 'uuid' ? sql`t.${ident(c.name)}::text AS ${ident(c.name)}` : sql`t.${ident(c.name)}`,
  );
  const relationSelect = def.relation
    ? [
        sql`(SELECT coalesce(json_agg(r.${ident(def.relation.column)} ORDER BY r.${ident(def.relation.column)}), '[]'::json)
             FROM ${ident(def.relation.table)} r WHERE r.stage_uuid = s.stage_uuid) AS ${ident(def.relation.name)}`,
      ]
    : [];
  return sql.join(
    [sql`s.stage_uuid AS pk, s.name, ${flowSetSql('s')} AS flow_set`, ...columnSelect, ...relationSelect],
    sql`, `,
  );
}

function columnFilter(column: SubtypeColumn): FilterDef<never> | undefined {
  const spec = column.filter;
  if (!spec) return undefined;
  const target = sql`t.${ident(column.name)}`;
  const def: FilterDef<unknown> =
    spec.kind === 'choice'
      ? filter.choice(target, column.choices ?? [])
      : spec.kind === 'text'
        ? filter.text(target)
        : filter[spec.kind](target);
  return (spec.schema ? { ...def, schema: spec.schema } : def) as FilterDef<never>;
}

/** The ids among `ids` that exist in the related table. */
async function existingRelated(db: Db, rel: SubtypeRelation, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await query<{ id: string }>(
    db,
    sql`SELECT ${ident(rel.targetColumn)}::text AS id FROM ${ident(rel.target)}
        WHERE ${ident(rel.targetColumn)} = ANY(${uuidArray(ids)})`,
  );
  return new Set(rows.map((r) => r.id));
}

/** ModelMultipleChoiceFilter over the relation: every id must name an existing object. */
function relationFilter(rel: SubtypeRelation): FilterDef<string[]> {
  return {
    schema: Type.Array(Type.String({ format: 'uuid' })),
    read: (r, key) => r.uuidList(key),
    where: (ids) =>
      sql`EXISTS (SELECT 1 FROM ${ident(rel.table)} r WHERE r.stage_uuid = s.stage_uuid
            AND r.${ident(rel.column)} = ANY(${uuidArray(ids)}))`,
    async check(db, ids) {
      const existing = await existingRelated(db, rel, ids);
      const missing = ids.find((id) => !existing.has(id));
      return missing ? Messages.invalidMultipleChoice(missing) : undefined;
    },
  };
}

/**
 * A stage type's list, declared from its definition: `name` and `stage_uuid`, the columns'
 * filters (alphabetical, as django-filter reads `filterset_fields`), the relation; search on
 * the name; ordering on the base fields and every column.
 */
export function subtypeList(def: SubtypeDefinition) {
  const columnFilters = def.columns
    .map((c) => [c.name, columnFilter(c)] as const)
    .filter((entry): entry is readonly [string, FilterDef<never>] => entry[1] !== undefined);
  const typeFilters = [...columnFilters, ...Object.entries(def.filters ?? {})].sort(([a], [b]) =>
    a < b ? -1 : 1,
  );
  return defineList({
    select: subtypeSelect(def),
    from: sql`stages s JOIN ${ident(def.table)} t ON t.stage_uuid = s.stage_uuid`,
    countedTable: def.countedTable,
    pk: sql`s.stage_uuid`,
    filters: {
      name: filter.text(sql`s.name`) as FilterDef<never>,
      ...(def.stageUuidFilter === false
        ? {}
        : { stage_uuid: filter.uuid(sql`s.stage_uuid`) as FilterDef<never> }),
      ...Object.fromEntries(typeFilters),
      ...(def.relation ? { [def.relation.name]: relationFilter(def.relation) as FilterDef<never> } : {}),
    },
    search: [sql`s.name`],
    ordering: {
      pk: sql`s.stage_uuid`,
      name: sql`s.name`,
      // authentik answers 500 for this one (the ORM cannot resolve `flow_set`); Tessera orders
      // by the name of the first bound flow instead (docs/compatibility.md).
      flow_set: sql`(SELECT min(f.name) FROM flow_stage_bindings fb JOIN flows f ON f.flow_uuid = fb.target WHERE fb.stage = s.stage_uuid)`,
      ...Object.fromEntries(readable(def).map((c) => [c.name, sql`t.${ident(c.name)}`])),
    },
    defaultOrdering: ['name'],
  });
}

export function createSubtypeRepository(db: Db, def: SubtypeDefinition) {
  const table = ident(def.table);
  const select = subtypeSelect(def);
  const from = sql`stages s JOIN ${table} t ON t.stage_uuid = s.stage_uuid`;

  return {
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
    existingRelated: (ids: string[]) =>
      def.relation ? existingRelated(db, def.relation, ids) : Promise.resolve(new Set<string>()),
  };
}

/**
 * How rbac finds an object of a stage type for an object-level grant: its table joined to the
 * shared `stages` row, named as authentik's str(stage) names it ("Stage <name>").
 */
export function stageObjectModel(table: string): ObjectModel {
  return {
    from: sql.raw(`${table} t JOIN stages o ON o.stage_uuid = t.stage_uuid`),
    pk: sql`o.stage_uuid`,
    pkKind: 'uuid',
    describe: sql`'Stage ' || o.name`,
  };
}
