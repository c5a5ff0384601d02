/**
 * The importer's SQL: finding an object by an entry's identifiers or a `!Find` tag's
 * conditions, the start-up actor, and what the exporter walks. Table and column names come
 * only from the model handlers' fixed lookup tables, never from a blueprint.
 */
import { sql, type SQL } from 'drizzle-orm';
import { query, type Db } from '../db/client.js';
import { isPlainRecord } from '../api/safe-objects.js';
import { isSuperuserSql } from '../db/user-identity.sql.js';
import type { AuthUser } from '../api/context.js';
import { EntryError } from './blueprint-loader.js';

/** How a model's objects are found: its table, its primary key and the fields one may match. */
export interface ModelLookup {
  /** FROM clause (fixed SQL). */
  from: string;
  /** Primary key column expression. */
  pk: string;
  /** What the model's service addresses an object by (the slug for flows). */
  key: string;
  /** Field name (as the API names it) to column expression. */
  fields: Record<string, string>;
  /** Fields holding JSON, matched by containment as authentik does for dict identifiers. */
  jsonFields?: string[];
}

export interface FoundObject {
  pk: string;
  key: string;
}

function condition(lookup: ModelLookup, field: string, value: unknown): SQL {
  const column =
    field === 'pk' ? lookup.pk : Object.hasOwn(lookup.fields, field) ? lookup.fields[field] : undefined;
  if (column === undefined) {
    throw new EntryError(`Invalid identifier field: Cannot resolve keyword '${field}' into field`, field);
  }
  if (value === null || value === undefined) return sql`${sql.raw(column)} IS NULL`;
  if (isPlainRecord(value)) {
    if (!lookup.jsonFields?.includes(field)) {
      throw new EntryError(`Invalid identifier field: '${field}' cannot be matched by a mapping`, field);
    }
    return sql`${sql.raw(column)} @> ${JSON.stringify(value)}::jsonb`;
  }
  if (Array.isArray(value)) throw new EntryError(`Invalid identifier value for '${field}': a list`, field);
  // Compared as text: a value of the wrong type (a name where a UUID goes) then matches
  // nothing instead of failing the statement.
  return sql`${sql.raw(column)}::text = ${String(value)}`;
}

export function createBlueprintRepository(db: Db) {
  return {
    /**
     * authentik's `Q(pk=...) | Q(all other identifiers)`, first match by primary key order.
     * Throws when there is nothing to match on.
     */
    async findByIdentifiers(
      lookup: ModelLookup,
      identifiers: Record<string, unknown>,
    ): Promise<FoundObject | null> {
      const others = Object.keys(identifiers).filter((field) => field !== 'pk');
      const terms: SQL[] = [];
      if (Object.hasOwn(identifiers, 'pk')) terms.push(condition(lookup, 'pk', identifiers.pk));
      if (others.length > 0) {
        terms.push(
          sql`(${sql.join(
            others.map((field) => condition(lookup, field, identifiers[field])),
            sql` AND `,
          )})`,
        );
      }
      if (terms.length === 0) throw new EntryError('No or invalid identifiers');
      const rows = await query<FoundObject>(
        db,
        sql`SELECT ${sql.raw(lookup.pk)}::text AS pk, ${sql.raw(lookup.key)}::text AS key
            FROM ${sql.raw(lookup.from)} WHERE ${sql.join(terms, sql` OR `)}
            ORDER BY ${sql.raw(lookup.pk)} LIMIT 1`,
      );
      return rows[0] ?? null;
    },

    /** `!Find [model, [field, value], ...]`: every condition must hold. */
    async findWhere(lookup: ModelLookup, conditions: [string, unknown][]): Promise<FoundObject | null> {
      const terms = conditions.map(([field, value]) => condition(lookup, field, value));
      const rows = await query<FoundObject>(
        db,
        sql`SELECT ${sql.raw(lookup.pk)}::text AS pk, ${sql.raw(lookup.key)}::text AS key
            FROM ${sql.raw(lookup.from)}
            ${terms.length > 0 ? sql`WHERE ${sql.join(terms, sql` AND `)}` : sql``}
            ORDER BY ${sql.raw(lookup.pk)} LIMIT 1`,
      );
      return rows[0] ?? null;
    },

    /** A user as an actor, by username (the bootstrap admin applies start-up blueprints). */
    async authUser(username: string): Promise<AuthUser | null> {
      const rows = await query<AuthUser>(
        db,
        sql`SELECT u.id, u.uuid::text AS uuid, u.username, u.name, u.email, u.is_active,
                   ${isSuperuserSql(sql`u.id`)} AS is_superuser
            FROM users u WHERE u.username = ${username}`,
      );
      return rows[0] ?? null;
    },

    /** A flow's bindings, in their order, with their stage's type. */
    async flowBindings(flowPk: string): Promise<{ pk: string; stage: string; stage_type: string }[]> {
      return query(
        db,
        sql`SELECT b.fsb_uuid::text AS pk, b.stage::text AS stage, s.type AS stage_type
            FROM flow_stage_bindings b JOIN stages s ON s.stage_uuid = b.stage
            WHERE b.target = ${flowPk} ORDER BY b."order", b.fsb_uuid`,
      );
    },
  };
}
