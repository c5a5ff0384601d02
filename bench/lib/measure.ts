/**
 * Measuring one case against a running Tessera: availability, SQL statements per request,
 * throughput and latency under load, peak RSS, and (for chosen cases) the two floors.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bodyFor, headersOf, runLoad, type LoadDriver, type LoadRequest, type LoadResult } from './load.js';
import {
  BOOTSTRAP_TOKEN,
  cpuMs,
  freePort,
  peakRss,
  resetPeakRss,
  startChild,
  type Child,
} from './processes.js';
import type { PgSettings } from './databases.js';

export const AUTH = { authorization: `Bearer ${BOOTSTRAP_TOKEN}` };

export interface CaseDef {
  id: string;
  title: string;
  request: LoadRequest;
  /** The status a working endpoint answers (200 by default). */
  expect?: number;
  /** Measure the framework and database floors for this case too. */
  floors?: boolean;
  table?: { name: string; rows: number };
}

/** CPU milliseconds per request: the server process and the database backends serving it. */
export interface CpuPerRequest {
  server: number;
  database: number;
}

export interface CaseResult {
  id: string;
  title: string;
  database: 'postgres' | 'pglite';
  table?: { name: string; rows: number };
  available: boolean;
  reason?: string;
  load?: LoadResult;
  cpu?: CpuPerRequest;
  statementsPerRequest?: number;
  peakRssBytes?: number;
  floors?: {
    framework?: LoadResult;
    database?: LoadResult;
    statements?: number;
    frameworkCpu?: CpuPerRequest;
    databaseCpu?: CpuPerRequest;
  };
  /** The statements one request issued (text only), for EXPLAIN and the report. */
  statements?: { sql: string; params: unknown[] }[];
  extra?: Record<string, unknown>;
}

export interface Settings {
  connections: number;
  duration: number;
  driver: LoadDriver;
  database: 'postgres' | 'pglite';
  pg?: PgSettings & { poolSize: number };
  /** Process ids of the database's backends (PostgreSQL), for CPU accounting. */
  backendPids?: () => Promise<number[]>;
}

/** Seconds of unmeasured load before each measured one: a quarter of it, 1 to 2 seconds. */
export function warmupSeconds(duration: number): number {
  return Math.min(2, Math.max(1, Math.round(duration / 4)));
}

/** Warms up, then runs a load and charges the CPU the server and the database backends spent on it. */
async function loadWithCpu(
  baseUrl: string,
  serverPid: number,
  request: LoadRequest,
  settings: Settings,
): Promise<{ load: LoadResult; cpu: CpuPerRequest }> {
  // Warm-up, not measured: the first second of load runs cold code (V8 has not optimised the
  // hot paths yet, PostgreSQL has not cached plans), which would otherwise dominate p99. The
  // same warm-up runs before every server measured, Tessera and both floors alike.
  await runLoad(settings.driver, baseUrl, request, {
    ...settings,
    duration: warmupSeconds(settings.duration),
  });
  const before = await cpuSnapshot(serverPid, settings);
  const load = await runLoad(settings.driver, baseUrl, request, settings);
  return { load, cpu: await cpuPer(before, serverPid, settings, Math.max(1, load.requests)) };
}

/** CPU used so far by a server process and by each of the database's backends (see cpuPer). */
export async function cpuSnapshot(serverPid: number, settings: Settings) {
  const backends = new Map<number, number>();
  for (const pid of (await settings.backendPids?.()) ?? []) backends.set(pid, cpuMs(pid));
  return { server: cpuMs(serverPid), backends };
}

/** CPU per unit of work since `before`: the server's, and its database backends' together. */
export async function cpuPer(
  before: Awaited<ReturnType<typeof cpuSnapshot>>,
  serverPid: number,
  settings: Settings,
  units: number,
): Promise<CpuPerRequest> {
  let database = 0;
  // Backends that started meanwhile count whole; the pool keeps them open past the load.
  for (const pid of (await settings.backendPids?.()) ?? [])
    database += cpuMs(pid) - (before.backends.get(pid) ?? 0);
  return { server: (cpuMs(serverPid) - before.server) / units, database: database / units };
}

let sent = 0;

export async function send(
  baseUrl: string,
  request: LoadRequest,
): Promise<{ status: number; text: string; json: boolean }> {
  const body = bodyFor(request, `send-${process.pid}-${(sent += 1)}`);
  const response = await fetch(baseUrl + request.path, {
    method: request.method ?? 'GET',
    headers: headersOf(request),
    body,
  });
  const text = await response.text();
  return {
    status: response.status,
    text,
    json: (response.headers.get('content-type') ?? '').startsWith('application/json'),
  };
}

async function debugStats(baseUrl: string): Promise<number> {
  const response = await fetch(`${baseUrl}/-/debug/stats/`);
  return ((await response.json()) as { statements: number }).statements;
}

/** Statements of exactly one request, captured by Tessera's TESSERA_DEBUG_STATS hook. */
export async function captureStatements(baseUrl: string, request: LoadRequest) {
  await (await fetch(`${baseUrl}/-/debug/capture/`, { method: 'POST' })).arrayBuffer();
  const answer = await send(baseUrl, request);
  const response = await fetch(`${baseUrl}/-/debug/capture/`);
  const { statements } = (await response.json()) as { statements: { sql: string; params: unknown[] }[] };
  return { answer, statements };
}

export async function measureCase(tessera: Child, def: CaseDef, settings: Settings): Promise<CaseResult> {
  const base: CaseResult = {
    id: def.id,
    title: def.title,
    database: settings.database,
    table: def.table,
    available: false,
  };
  const probe = await send(tessera.baseUrl, def.request);
  const expected = def.expect ?? 200;
  if (probe.status !== expected) {
    // Tessera's catch-all answers an unknown URL with an HTML 404 page: the endpoint is not there.
    base.reason =
      !probe.json && probe.status === 404
        ? 'not available: endpoint missing in this build'
        : `not available: answered ${probe.status} (expected ${expected}): ${probe.text.slice(0, 160)}`;
    return base;
  }
  const { answer, statements } = await captureStatements(tessera.baseUrl, def.request);

  const sequential = 20;
  const before = await debugStats(tessera.baseUrl);
  for (let i = 0; i < sequential; i += 1) await send(tessera.baseUrl, def.request);
  const statementsPerRequest = ((await debugStats(tessera.baseUrl)) - before) / sequential;

  resetPeakRss(tessera.pid);
  const { load, cpu } = await loadWithCpu(tessera.baseUrl, tessera.pid, def.request, settings);
  const result: CaseResult = {
    ...base,
    available: true,
    load,
    cpu,
    statementsPerRequest,
    peakRssBytes: peakRss(tessera.pid),
    statements,
  };
  if (def.floors && settings.database === 'postgres' && settings.pg) {
    result.floors = await measureFloors(def, answer.text, statements, settings);
  }
  return result;
}

async function measureFloors(
  def: CaseDef,
  body: string,
  statements: { sql: string; params: unknown[] }[],
  settings: Settings,
): Promise<CaseResult['floors']> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tessera-floor-'));
  const bodyFile = path.join(dir, 'body.json');
  const statementsFile = path.join(dir, 'statements.json');
  writeFileSync(bodyFile, body);
  writeFileSync(statementsFile, JSON.stringify({ statements }));
  const floors: NonNullable<CaseResult['floors']> = { statements: statements.length };

  const framework = await measureFloor(
    'bench/floors/fastify-floor.ts',
    { FLOOR_BODY_FILE: bodyFile },
    def,
    settings,
  );
  floors.framework = framework.load;
  floors.frameworkCpu = framework.cpu;

  const pg = settings.pg;
  if (pg) {
    const database = await measureFloor(
      'bench/floors/pg-floor.ts',
      {
        FLOOR_STATEMENTS_FILE: statementsFile,
        FLOOR_PG_HOST: pg.host,
        FLOOR_PG_PORT: String(pg.port),
        FLOOR_PG_USER: pg.user,
        FLOOR_PG_NAME: pg.name,
        FLOOR_PG_POOL_SIZE: String(pg.poolSize),
      },
      def,
      settings,
    );
    floors.database = database.load;
    floors.databaseCpu = database.cpu;
  }
  return floors;
}

/** Starts one floor server on a free port, puts the case's load on it, and stops it. */
async function measureFloor(
  script: string,
  env: Record<string, string>,
  def: CaseDef,
  settings: Settings,
): Promise<{ load: LoadResult; cpu: CpuPerRequest }> {
  const port = await freePort();
  const child = await startChild({
    args: ['--import', 'tsx', script],
    env: { FLOOR_PORT: String(port), ...env },
    readyPath: '/-/health/ready/',
    port,
  });
  try {
    return await loadWithCpu(child.baseUrl, child.pid, def.request, settings);
  } finally {
    await child.stop();
  }
}
