/**
 * The query behind DRF's UniqueValidator: a serializer answers "… with this … already exists."
 * for a unique column before the database's constraint would refuse the write.
 */
import { sql } from 'drizzle-orm';
import { query, type Db } from './client.js';

export interface UniqueColumn {
  table: string;
  column: string;
  /** The primary key column, to leave out the row being updated. */
  pk: string;
}

/** Whether a row other than `exceptPk` already holds `value` in the unique column. */
export async function valueTaken(
  db: Db,
  unique: UniqueColumn,
  value: string,
  exceptPk?: string | number,
): Promise<boolean> {
  const other = exceptPk === undefined ? sql`` : sql`AND ${sql.identifier(unique.pk)} <> ${exceptPk}`;
  const rows = await query<{ taken: boolean }>(
    db,
    sql`SELECT EXISTS (SELECT 1 FROM ${sql.identifier(unique.table)}
          WHERE ${sql.identifier(unique.column)} = ${value} ${other}) AS taken`,
  );
  return rows[0].taken;
}
