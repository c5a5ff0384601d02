/**
 * The two statements every paginated list is made of: the page with the filtered total
 * attached (a window count, so the common case is one round trip), and the total alone.
 */
import { sql, type SQL } from 'drizzle-orm';
import { query, type Db } from './client.js';

export interface ListSql {
  /** Column list of the page rows. */
  select: SQL;
  /** FROM clause with its joins. */
  from: SQL;
  where: SQL[];
  orderBy: SQL[];
}

function whereClause(where: SQL[]): SQL {
  return where.length > 0 ? sql`WHERE ${sql.join(where, sql` AND `)}` : sql``;
}

export async function fetchPage<T>(
  db: Db,
  list: ListSql,
  limit: number,
  offset: number,
): Promise<{ rows: T[]; total: number | undefined }> {
  const order = list.orderBy.length > 0 ? sql`ORDER BY ${sql.join(list.orderBy, sql`, `)}` : sql``;
  const rows = await query<T & { __total: string | number }>(
    db,
    sql`SELECT ${list.select}, count(*) OVER () AS __total FROM ${list.from} ${whereClause(list.where)}
        ${order} LIMIT ${limit} OFFSET ${offset}`,
  );
  const total = rows.length > 0 ? Number(rows[0].__total) : undefined;
  for (const row of rows) delete (row as Partial<typeof row>).__total;
  return { rows, total };
}

export async function countRows(db: Db, list: ListSql): Promise<number> {
  const rows = await query<{ count: string | number }>(
    db,
    sql`SELECT count(*) AS count FROM ${list.from} ${whereClause(list.where)}`,
  );
  return Number(rows[0].count);
}

/** `column ASC|DESC` for one ordering term. */
export function orderTerm(column: SQL, descending: boolean): SQL {
  return descending ? sql`${column} DESC` : sql`${column} ASC`;
}

/** Django's icontains on PostgreSQL: UPPER(col) LIKE UPPER(pattern), which a trigram index serves. */
export function icontains(column: SQL, pattern: string): SQL {
  return sql`upper(${column}) LIKE upper(${pattern})`;
}

/** A uuid[] parameter (drizzle spreads JS arrays into value lists, so pass an array literal). */
export function uuidArray(values: string[]): SQL {
  return sql`${`{${values.join(',')}}`}::uuid[]`;
}
