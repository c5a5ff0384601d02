/**
 * `npm run bench:bulk`: how long `POST /api/v3/stages/invitation/invitations/bulk/` takes to
 * create 10,000 invitations (one transaction, their `model_created` events included), end to
 * end over HTTP, on PostgreSQL. Three runs on one server, each timed from the request to the
 * last byte of the answer; prints each and the median. Same database settings as bench/run.ts
 * (`TESSERA_BENCH_PG_HOST`, `_PORT`, `_USER`); the database is `tessera_bench_bulk`, dropped at
 * the end. See bench/README.md.
 */
import { dropPgDatabase, recreatePgDatabase, type PgSettings } from './lib/databases.js';
import { AUTH } from './lib/measure.js';
import { startTessera } from './lib/processes.js';

const COUNT = 10_000;
const RUNS = 3;

const pgSettings: PgSettings = {
  host: process.env.TESSERA_BENCH_PG_HOST ?? '127.0.0.1',
  port: Number(process.env.TESSERA_BENCH_PG_PORT ?? 5432),
  user: process.env.TESSERA_BENCH_PG_USER ?? 'postgres',
  name: 'tessera_bench_bulk',
};

async function api(baseUrl: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { ...AUTH, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 500)}`);
  return JSON.parse(text) as Record<string, unknown>;
}

await recreatePgDatabase(pgSettings);
const tessera = await startTessera(
  { kind: 'postgres', pg: pgSettings },
  { TESSERA_EXTERNAL_URL: 'https://id.example.com' },
);
try {
  const flow = await api(tessera.baseUrl, 'POST', '/api/v3/flows/instances/', {
    name: 'bench bulk',
    slug: 'bench-bulk',
    title: 'Bench bulk',
    designation: 'enrollment',
  });
  const timings: number[] = [];
  for (let run = 1; run <= RUNS; run += 1) {
    const started = performance.now();
    const result = await api(tessera.baseUrl, 'POST', '/api/v3/stages/invitation/invitations/bulk/', {
      flow: flow.pk,
      name_prefix: `bench-${run}`,
      count: COUNT,
      single_use: true,
      fixed_data: { source: 'bench' },
    });
    const ms = performance.now() - started;
    if (result.count !== COUNT) throw new Error(`expected ${COUNT} invitations, got ${String(result.count)}`);
    timings.push(ms);
    console.log(`run ${run}: ${COUNT} invitations in ${ms.toFixed(0)} ms`);
  }
  const sorted = [...timings].sort((a, b) => a - b);
  console.log(`median of ${RUNS}: ${sorted[Math.floor(RUNS / 2)].toFixed(0)} ms`);
} finally {
  await tessera.stop();
  if (process.env.TESSERA_BENCH_KEEP !== '1') await dropPgDatabase(pgSettings);
}
