/**
 * The query behind DRF's UniqueValidator: a serializer answers "… with this … already exists."
 * for a unique column before the database's constraint would refuse the write.
 */
import { sql } from 'drizzle-orm';
import { query, type Db } from './client.js';

export interface UniqueColumn {
  table: string;
  column: string;
  /** The primary key column, to leave out the row being updated, and its type (uuid unless said). */
  pk: string;
  pkType?: 'uuid' | 'int';
}

/**
 * Whether a row other than `exceptPk` already holds `value` in the unique column. One statement
 * text serves creates and updates alike (`IS DISTINCT FROM NULL` leaves no row out).
 */
export async function valueTaken(
  db: Db,
  unique: UniqueColumn,
  value: string,
  exceptPk?: string | number,
): Promise<boolean> {
  const rows = await query(
    db,
    sql`SELECT 1 FROM ${sql.identifier(unique.table)} WHERE ${sql.identifier(unique.column)} = ${value}
        AND ${sql.identifier(unique.pk)} IS DISTINCT FROM ${exceptPk ?? null}::${sql.raw(unique.pkType ?? 'uuid')}
        LIMIT 1`,
  );
  return rows.length > 0;
}
