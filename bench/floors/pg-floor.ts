/**
 * Floor 2, what the database costs: a minimal node:http handler that, for every request,
 * issues the statements Tessera issued for one request of the case (captured through
 * TESSERA_DEBUG_STATS, same text and parameters, in the same order, on a `pg` pool of the
 * same size) and answers the last statement's rows as JSON. No framework, no validation.
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

async function run(): Promise<unknown[]> {
  let rows: unknown[] = [];
  if (!transactional) {
    for (const statement of statements) rows = (await pool.query(statement.sql, statement.params)).rows;
    return rows;
  }
  const client = await pool.connect();
  try {
    for (const statement of statements) rows = (await client.query(statement.sql, statement.params)).rows;
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
