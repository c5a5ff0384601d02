/**
 * The three probes and the one write that users, groups and tokens run on their related rows:
 * whether a unique value is taken, which of some keys exist (a related field's or a model
 * choice's check), and replacing one side of a many-to-many table.
 */
import { sql, type SQL } from 'drizzle-orm';
import { query, type Db } from '../../db/client.js';
import { uuidArray } from '../../db/list-query.js';

/** A text[] parameter (drizzle spreads JS arrays into value lists). */
export function textArray(values: string[]): SQL {
  return sql`${JSON.stringify(values)}::jsonb`;
}

/** Integer ids as an int[] parameter. */
export const intArray = (ids: number[]) => sql`${`{${ids.join(',')}}`}::int[]`;

/** How a key column compares with a list of keys. */
const MATCH = {
  uuid: (values: string[]) => sql`= ANY(${uuidArray(values)})`,
  int: (values: number[]) => sql`= ANY(${intArray(values)})`,
  text: (values: string[]) => sql`IN (SELECT jsonb_array_elements_text(${textArray(values)}))`,
};

/** Which of `values` the column holds, in one query. */
export async function existingValues<K extends keyof typeof MATCH>(
  db: Db,
  table: string,
  column: string,
  kind: K,
  values: Parameters<(typeof MATCH)[K]>[0],
): Promise<Set<Parameters<(typeof MATCH)[K]>[0][number]>> {
  if (values.length === 0) return new Set();
  const match = (MATCH[kind] as (v: typeof values) => SQL)(values);
  const rows = await query<{ value: string | number }>(
    db,
    sql`SELECT ${sql.raw(column)} AS value FROM ${sql.raw(table)} WHERE ${sql.raw(column)} ${match}`,
  );
  return new Set(rows.map((row) => row.value)) as Set<never>;
}

/** Replaces the links of one row in a many-to-many table with `targets` (an array parameter). */
export async function replaceLinks(
  db: Db,
  link: { table: string; owner: string; target: string },
  ownerPk: string | number,
  targets: SQL | undefined,
): Promise<void> {
  const table = sql.raw(link.table);
  await db.execute(sql`DELETE FROM ${table} WHERE ${sql.raw(link.owner)} = ${ownerPk}`);
  if (targets) {
    await db.execute(sql`INSERT INTO ${table} (${sql.raw(link.owner)}, ${sql.raw(link.target)})
      SELECT ${ownerPk}, unnest(${targets}) ON CONFLICT DO NOTHING`);
  }
}
