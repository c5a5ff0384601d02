/**
 * The fuzz test's oracle: what must hold for every answer (no 5xx, JSON error bodies in the
 * declared shape) and a digest of the database to prove a refused request changed nothing.
 */
import { sql } from 'drizzle-orm';
import { query, type Db } from '../../../src/db/client.js';
import { assertMatchesAuthentikSchema } from '../openapi-contract.js';

/**
 * Tables a refused request may legitimately write: the audit log records refusals, sessions
 * are created by any visit, and rate-limit counters count failures.
 */
const VOLATILE = /^(events|sessions)$|rate|throttle|limit/;

let digestSql: string | undefined;

/** One md5 per table over its rows in a stable order (row counts by table, not by slot). */
export async function stateDigest(db: Db): Promise<Map<string, string>> {
  if (!digestSql) {
    const tables = await query<{ name: string }>(
      db,
      sql`SELECT table_name AS name FROM information_schema.tables
          WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
    );
    const parts = tables
      .map((t) => t.name)
      .filter((name) => !VOLATILE.test(name))
      .map((name) =>
        name === 'row_count_slots'
          ? `SELECT 'row_count_slots' AS name, md5(coalesce(string_agg(t.table_name || '=' || t.rows, ',' ORDER BY t.table_name), '')) AS digest
             FROM (SELECT table_name, sum(rows) AS rows FROM row_count_slots GROUP BY table_name) t`
          : `SELECT '${name}' AS name, md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) AS digest FROM "${name}" t`,
      );
    digestSql = parts.join(' UNION ALL ');
  }
  const rows = await query<{ name: string; digest: string }>(db, sql.raw(digestSql));
  return new Map(rows.map((row) => [row.name, row.digest]));
}

/** The tables whose digest differs. */
export function changedTables(before: Map<string, string>, after: Map<string, string>): string[] {
  return [...after.keys()].filter((name) => before.get(name) !== after.get(name));
}

export interface Answer {
  status: number;
  contentType: string;
  body: string;
}

/** What is wrong with an answer to `method url`, if anything. */
export function problemsOf(method: string, url: string, answer: Answer): string[] {
  const problems: string[] = [];
  if (answer.status >= 500) problems.push(`${answer.status}: ${answer.body.slice(0, 300)}`);
  if (!url.startsWith('/api/v3/') || method === 'HEAD') return problems;
  const isJson = answer.contentType.startsWith('application/json');
  // The schema view renders its errors with its first renderer, YAML, as drf-spectacular does.
  const schemaYaml =
    url.startsWith('/api/v3/schema/') && answer.contentType.startsWith('application/vnd.oai.openapi');
  if (answer.status >= 400 && !isJson && !schemaYaml) {
    // Paths no API route matches get Django's NotFoundView answer (HTML 404, empty 405).
    const notFoundView = answer.status === 404 || (answer.status === 405 && answer.body === '');
    if (!notFoundView || method === 'OPTIONS')
      problems.push(`${answer.status} error body is not JSON (${answer.contentType})`);
    return problems;
  }
  if (!isJson || answer.body === '') return problems;
  let body: unknown;
  try {
    body = JSON.parse(answer.body);
  } catch {
    return [...problems, `${answer.status} body is not valid JSON: ${answer.body.slice(0, 200)}`];
  }
  if (answer.status >= 400) {
    // authentik's error schemas are objects: GenericError `{detail}` or ValidationError `{field: [...]}`.
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      problems.push(`${answer.status} error body is not an object: ${answer.body.slice(0, 200)}`);
      return problems;
    }
    if (answer.status !== 400 && typeof (body as { detail?: unknown }).detail !== 'string') {
      problems.push(`${answer.status} error body has no string detail: ${answer.body.slice(0, 200)}`);
    }
    // DRF's 400: `{"detail": "..."}` or field errors, each a list (or a dict for nested fields).
    const stray = Object.entries(body).filter(
      ([key, value]) =>
        !(key === 'detail' ? typeof value === 'string' : typeof value === 'object' && value !== null),
    );
    if (answer.status === 400 && stray.length > 0) {
      problems.push(
        `400 error body is not DRF's shape (${stray.map(([key]) => key).join(', ')}): ${answer.body.slice(0, 200)}`,
      );
    }
  }
  // A `.` segment (`/rbac/roles/%2E/`) reaches the list route, which the contract's template
  // match would take for the detail route; the body is checked only when the route is certain.
  const dotSegment = url
    .split('?')[0]
    .split('/')
    .some((segment) => segment === '.' || segment.toLowerCase() === '%2e');
  if (dotSegment && answer.status < 400) return problems;
  try {
    assertMatchesAuthentikSchema(method, url, answer.status, body);
  } catch (error) {
    problems.push((error as Error).message.slice(0, 600));
  }
  return problems;
}

/** Own properties `Object.prototype` has gained since `baseline` (prototype pollution). */
export function prototypeGained(baseline: Set<string>): string[] {
  return Object.getOwnPropertyNames(Object.prototype).filter((name) => !baseline.has(name));
}
