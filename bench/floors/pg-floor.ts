/**
 * Floor 2, what the database costs: a minimal node:http handler that, for every request,
 * issues the statements Tessera issued for one request of the case (captured through
 * TESSERA_DEBUG_STATS, same text and parameters, in the same order, on a `pg` pool of the
 * same size, as named statements like Tessera's `query()`) and answers the last statement's
 * rows as JSON. No framework, no validation.
 * Started by the suite with FLOOR_PORT, FLOOR_STATEMENTS_FILE and FLOOR_PG_* settings.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import pg from 'pg';

interface Statement {
  sql: string;
  params: unknown[];
}

const statements = (
  JSON.parse(readFileSync(process.env.FLOOR_STATEMENTS_FILE ?? '', 'utf8')) as {
    statements: Statement[];
  }
).statements;
const transactional = statements.some((s) => /^\s*begin/i.test(s.sql));
const pool = new pg.Pool({
  host: process.env.FLOOR_PG_HOST,
  port: Number(process.env.FLOOR_PG_PORT ?? 5432),
  user: process.env.FLOOR_PG_USER,
  database: process.env.FLOOR_PG_NAME,
  max: Number(process.env.FLOOR_PG_POOL_SIZE ?? 10),
});

/** Transaction control statements stay unnamed; the rest are prepared once per connection. */
function named(index: number, statement: Statement): pg.QueryConfig {
  const control = /^\s*(begin|commit|rollback|savepoint|release)/i.test(statement.sql);
  return { text: statement.sql, values: statement.params, ...(control ? {} : { name: `floor_${index}` }) };
}

async function run(): Promise<unknown[]> {
  let rows: unknown[] = [];
  if (!transactional) {
    for (const [i, statement] of statements.entries()) rows = (await pool.query(named(i, statement))).rows;
    return rows;
  }
  const client = await pool.connect();
  try {
    for (const [i, statement] of statements.entries()) rows = (await client.query(named(i, statement))).rows;
  } finally {
    client.release();
  }
  return rows;
}

createServer((request, response) => {
  if (request.url === '/-/health/ready/') {
    response.writeHead(200).end();
    return;
  }
  run().then(
    (rows) => {
      const body = JSON.stringify(rows);
      response.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      });
      response.end(body);
    },
    (error: unknown) => {
      response.writeHead(500).end(String(error));
    },
  );
}).listen(Number(process.env.FLOOR_PORT), '127.0.0.1');
