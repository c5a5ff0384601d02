/**
 * The two statements every paginated list is made of: the page with the filtered total
 * attached (so the common case is one round trip), and the total alone.
 *
 * The total is a scalar subquery, not `count(*) OVER ()`: a window count makes PostgreSQL
 * build, sort and project every matching row before LIMIT applies, so page 1 cost as much as
 * the whole table; the subquery runs once (an InitPlan) and leaves the page free to walk an
 * index and stop after LIMIT rows.
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
  /**
   * A table whose exact row count the database maintains in `row_count_slots` (triggers,
   * migrations `row_count_triggers` and `row_count_slots`): set it when `from` yields exactly
   * one row per row of that table, and an unfiltered list reads its total there instead of
   * counting (O(1) at any size and after any number of writes; a filtered list still counts
   * its matches).
   */
  countedTable?: CountedTable;
  /**
   * The FROM clause the total is counted over, when it can be cheaper than `from`: only for
   * joins that neither filter nor multiply rows and that no `where` term refers to.
   */
  countFrom?: SQL;
}

/** Tables with row-count triggers (drizzle/*_row_count_triggers.sql, *_row_count_slots.sql). */
export type CountedTable = 'invitations' | 'events' | 'invitation_stages';

/**
 * The exact number of rows of a counted table, as a scalar SQL expression. The table's name is
 * written into the text (it is one of the names above, never input), so that the statement
 * has no parameter the planner would want to see (see pageBoundsSql).
 */
export function countedRowsSql(table: CountedTable): SQL {
  return sql`(SELECT coalesce(sum(rows), 0) FROM row_count_slots WHERE table_name = ${sql.raw(`'${table}'`)})`;
}

/**
 * LIMIT and OFFSET written into the statement's text rather than sent as parameters, and no
 * OFFSET at all on page 1.
 *
 * Lists run as named statements (src/db/client.ts), and PostgreSQL plans a named statement
 * afresh on every execution while a generic plan, made without the parameters' values, is
 * estimated to cost more than the plans made with them. Unknown LIMIT and OFFSET values make
 * it estimate a tenth of the table read, so a page never got its generic plan: every request
 * paid for planning. Measured on the seed list (1,000 stages, pgbench, 8 clients, 2 cores):
 * 6,490 executions/s when planned each time, 15,060 with the plan kept.
 *
 * With the bounds in the text, page 1 (nearly every list request) is planned once per
 * connection. Deeper pages keep the offset as a parameter, so that they share one statement
 * and are planned with the offset they ask for. The page size is at most the tenant maximum
 * (src/api/pagination.ts), so the texts stay few.
 */
function pageBoundsSql(limit: number, offset: number): SQL {
  if (!Number.isSafeInteger(limit) || limit < 0 || !Number.isSafeInteger(offset) || offset < 0) {
    throw new RangeError(`page bounds must be whole numbers, got LIMIT ${limit} OFFSET ${offset}`);
  }
  return offset === 0 ? sql.raw(`LIMIT ${limit}`) : sql`${sql.raw(`LIMIT ${limit}`)} OFFSET ${offset}`;
}

function totalSql(list: ListSql): SQL {
  if (list.where.length === 0 && list.countedTable) return countedRowsSql(list.countedTable);
  return sql`(SELECT count(*) FROM ${list.countFrom ?? list.from} ${whereClause(list.where)})`;
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
    sql`SELECT ${list.select}, ${totalSql(list)} AS __total FROM ${list.from} ${whereClause(list.where)}
        ${order} ${pageBoundsSql(limit, offset)}`,
  );
  const total = rows.length > 0 ? Number(rows[0].__total) : undefined;
  // Copied without the total rather than `delete`d: deleting a property turns an object into a
  // slow dictionary, which every later read of the row then pays for.
  return { rows: rows.map(({ __total: _total, ...row }) => row as T), total };
}

export async function countRows(db: Db, list: ListSql): Promise<number> {
  const rows = await query<{ count: string | number }>(db, sql`SELECT ${totalSql(list)} AS count`);
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
