/**
 * Tessera's benchmark suite (issue #5): `npm run bench` (11 to 17 minutes on 2 cores),
 * `npm run bench -- --quick` (about 2 minutes), sizes on the command line. See bench/README.md.
 *
 * One run, one machine: Tessera is started as a child process on a dedicated PostgreSQL
 * database (dropped and recreated) and then on a PGlite data folder; the framework and
 * database floors are measured in the same run, so the results are ratios.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { hashPassword } from '../src/core/users/password.js';
import { parseArgs, type BenchOptions } from './lib/args.js';
import {
  dropPgDatabase,
  openPgRunner,
  openPgliteRunner,
  recreatePgDatabase,
  type OpenRunner,
  type PgSettings,
} from './lib/databases.js';
import { OwnConnection, enroll, type Attempt } from './lib/enrollment.js';
import {
  ENROLLMENT_FLOW_SLUG,
  INVITATION_SEARCH_TERM,
  STAGE_SEARCH_TERM,
  generateBase,
  generateEvents,
  generateInvitations,
} from './lib/generate.js';
import {
  AUTH,
  cpuPer,
  cpuSnapshot,
  measureCase,
  send,
  type CaseDef,
  type CaseResult,
  type Settings,
} from './lib/measure.js';
import { UNIQUE, chooseDriver } from './lib/load.js';
import {
  buildOnce,
  peakRss,
  resetPeakRss,
  startTessera,
  timeNpmStart,
  type Child,
  type NpmStart,
} from './lib/processes.js';
import { writeReport, type Report } from './lib/report.js';

/** Tessera's default pool size; `--pool N` (TESSERA_BENCH_POOL_SIZE) measures another. */
const POOL_SIZE = Number(process.env.TESSERA_BENCH_POOL_SIZE ?? 10);
const runStarted = performance.now();

function log(message: string): void {
  const seconds = ((performance.now() - runStarted) / 1000).toFixed(0).padStart(4);
  console.log(`[${seconds}s] ${message}`);
}

function machine() {
  const sh = (file: string, args: string[]) => {
    try {
      return execFileSync(file, args, { encoding: 'utf8' }).trim();
    } catch {
      return 'unknown';
    }
  };
  return {
    nproc: Number(sh('nproc', [])),
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryBytes: totalmem(),
    node: process.version,
    commit: sh('git', ['rev-parse', 'HEAD']),
    dirty: sh('git', ['status', '--porcelain', '--untracked-files=no', 'src']) !== '',
  };
}

interface HashLimit {
  hashesPerSecond: number;
  msPerHash: number;
  cpuMsPerHash: number;
}

/**
 * How many scrypt hashes per second this machine does with the server's thread pool, and the
 * CPU one hash takes (this process's user + system time over the hashes).
 */
async function scryptLimit(seconds: number): Promise<HashLimit> {
  const concurrency = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
  let done = 0;
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        await hashPassword(BENCH_WORD);
        done += 1;
      }
    }),
  );
  const cpu = process.cpuUsage(cpuBefore);
  const elapsed = (performance.now() - started) / 1000;
  return {
    hashesPerSecond: done / elapsed,
    msPerHash: (elapsed * 1000 * concurrency) / done,
    cpuMsPerHash: (cpu.user + cpu.system) / 1000 / done,
  };
}
const BENCH_WORD = 'Bench-pass-2026!';

const STAGES = '/api/v3/stages/invitation/stages/';
const AUTH_CACHE_CASE = 'seed.list.default+no_auth_cache';
const INVITATIONS = '/api/v3/stages/invitation/invitations/';
const EVENTS = '/api/v3/events/events/';

function seedCases(options: BenchOptions, stagePk: string): CaseDef[] {
  const deepPage = Math.max(1, Math.floor(options.stages / 20) - 1);
  const table = { name: 'invitation_stages', rows: options.stages };
  const get = (query: string) => ({ path: STAGES + query, headers: AUTH });
  return [
    { id: 'seed.list.default', title: 'Seed list, default page', request: get(''), floors: true, table },
    {
      id: 'seed.list.page_size_100',
      title: 'Seed list, page_size=100',
      request: get('?page_size=100'),
      floors: true,
      table,
    },
    {
      id: 'seed.list.search',
      title: `Seed list, search=${STAGE_SEARCH_TERM}`,
      request: get(`?search=${STAGE_SEARCH_TERM}`),
      table,
    },
    { id: 'seed.list.ordering', title: 'Seed list, ordering=-name', request: get('?ordering=-name'), table },
    { id: 'seed.list.no_flows', title: 'Seed list, no_flows=true', request: get('?no_flows=true'), table },
    {
      id: 'seed.list.deep_page',
      title: `Seed list, page=${deepPage}`,
      request: get(`?page=${deepPage}`),
      table,
    },
    { id: 'seed.retrieve', title: 'Seed retrieve', request: get(`${stagePk}/`), floors: true, table },
    {
      id: 'seed.create',
      title: 'Seed create',
      expect: 201,
      table,
      request: {
        method: 'POST',
        path: STAGES,
        headers: AUTH,
        body: JSON.stringify({ name: `bench-create-${UNIQUE}` }),
      },
    },
  ];
}

function invitationCases(rows: number): CaseDef[] {
  const table = { name: 'invitations', rows };
  return [
    {
      id: `invitations.list@${rows}`,
      title: `Invitations list, page 1, ${rows} rows`,
      request: { path: INVITATIONS, headers: AUTH },
      floors: false,
      table,
    },
    {
      id: `invitations.search@${rows}`,
      title: `Invitations search=${INVITATION_SEARCH_TERM}, ${rows} rows`,
      request: { path: `${INVITATIONS}?search=${INVITATION_SEARCH_TERM}`, headers: AUTH },
      table,
    },
  ];
}

function eventCases(rows: number): CaseDef[] {
  return [
    {
      id: `events.list@${rows}`,
      title: `Events list, page 1, ${rows} rows`,
      request: { path: EVENTS, headers: AUTH },
      table: { name: 'events', rows },
    },
  ];
}

function selected(options: BenchOptions, id: string): boolean {
  return options.only.length === 0 || options.only.some((part) => id.includes(part));
}

async function runCases(
  tessera: Child,
  cases: CaseDef[],
  settings: Settings,
  options: BenchOptions,
  results: CaseResult[],
): Promise<void> {
  for (const def of cases) {
    if (!selected(options, def.id)) continue;
    const result = await measureCase(tessera, def, settings);
    results.push(result);
    if (!result.available) log(`${settings.database} ${def.id}: ${result.reason}`);
    else {
      const load = result.load;
      log(
        `${settings.database} ${def.id}: ${load?.rps.toFixed(0)} req/s, p50 ${load?.p50.toFixed(1)} ms, p99 ${load?.p99.toFixed(1)} ms, ` +
          `${result.statementsPerRequest} statements/request, non-2xx ${load?.non2xx}, ` +
          `CPU/request ${result.cpu?.server.toFixed(3)} ms server + ${result.cpu?.database.toFixed(3)} ms database` +
          (result.floors
            ? `; floors: framework ${result.floors.framework?.rps.toFixed(0)} req/s, database ${result.floors.database?.rps.toFixed(0)} req/s`
            : ''),
      );
    }
  }
}

/** Creates an invitation for the enrollment flow directly in the database (the executor is under test, not the API). */
async function createInvitation(runner: OpenRunner, name: string, singleUse: boolean): Promise<string> {
  const [row] = await runner.rows<{ invite_uuid: string }>(
    `INSERT INTO invitations (name, expires, expiring, flow, single_use, created_by)
     SELECT '${name}', NULL, false, f.flow_uuid, ${singleUse}, u.id
     FROM flows f, users u WHERE f.slug = '${ENROLLMENT_FLOW_SLUG}' AND u.username = 'akadmin'
     RETURNING invite_uuid`,
  );
  return row.invite_uuid;
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function executorAvailable(tessera: Child): Promise<boolean> {
  const probe = await send(tessera.baseUrl, {
    path: `/api/v3/flows/executor/${ENROLLMENT_FLOW_SLUG}/?query=`,
  });
  return probe.json;
}

/** Whole enrollments per second, 16 virtual users, each a new user through one reusable invitation. */
async function enrollmentCase(
  tessera: Child,
  runner: OpenRunner,
  settings: Settings,
  limit: { hashesPerSecond: number; cpuMsPerHash: number },
): Promise<CaseResult> {
  const result: CaseResult = {
    id: 'enrollment.flow',
    title: 'Enrollment, whole flow per new user',
    database: settings.database,
    available: false,
  };
  if (!(await executorAvailable(tessera))) {
    result.reason = 'not available: flow executor missing in this build';
    return result;
  }
  const invitation = await createInvitation(runner, 'bench-enrollment-reusable', false);
  const check = await enroll(
    tessera.baseUrl,
    ENROLLMENT_FLOW_SLUG,
    invitation,
    `bench-enroll-probe-${process.pid}`,
  );
  if (check.outcome !== 'enrolled') {
    result.reason = `not available: a probe enrollment ended ${check.outcome} (${check.detail ?? ''})`;
    return result;
  }
  resetPeakRss(tessera.pid);
  const attempts: Attempt[] = [];
  let counter = 0;
  const cpuBefore = await cpuSnapshot(tessera.pid, settings);
  const started = performance.now();
  const deadline = started + settings.duration * 1000;
  await Promise.all(
    Array.from({ length: settings.connections }, async () => {
      // Each client keeps one connection, as a load driver does (see OwnConnection).
      let connection = new OwnConnection(tessera.baseUrl);
      while (performance.now() < deadline) {
        counter += 1;
        if (!connection.open) connection = new OwnConnection(tessera.baseUrl);
        attempts.push(
          await enroll(
            tessera.baseUrl,
            ENROLLMENT_FLOW_SLUG,
            invitation,
            `bench-enroll-${process.pid}-${counter}`,
            {
              connection,
            },
          ),
        );
      }
      connection.close();
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const enrolled = attempts.filter((a) => a.outcome === 'enrolled');
  result.cpu = await cpuPer(cpuBefore, tessera.pid, settings, Math.max(1, enrolled.length));
  // The machine's speed drifts (other tenants): the limit is measured again right after, and
  // the ratio uses the mean of both sides.
  const after = await scryptLimit(settings.duration >= 8 ? 4 : 2);
  const hashLimit = (limit.hashesPerSecond + after.hashesPerSecond) / 2;
  const cpuMsPerHash = (limit.cpuMsPerHash + after.cpuMsPerHash) / 2;
  const times = enrolled.map((a) => a.ms);
  result.available = true;
  result.peakRssBytes = peakRss(tessera.pid);
  result.load = {
    requests: enrolled.length,
    rps: enrolled.length / elapsed,
    p50: percentile(times, 50),
    p90: percentile(times, 90),
    p99: percentile(times, 99),
    max: percentile(times, 100),
    non2xx: attempts.length - enrolled.length,
    errors: attempts.filter((a) => a.outcome === 'error').length,
  };
  result.extra = {
    requestsPerEnrollment:
      enrolled.length > 0 ? enrolled.reduce((n, a) => n + a.requests, 0) / enrolled.length : 0,
    failures: attempts
      .filter((a) => a.outcome !== 'enrolled')
      .slice(0, 3)
      .map((a) => a.detail),
    scryptHashesPerSecondBefore: limit.hashesPerSecond,
    scryptHashesPerSecondAfter: after.hashesPerSecond,
    scryptHashesPerSecond: hashLimit,
    ratioToHashLimit: enrolled.length / elapsed / hashLimit,
    scryptCpuMsPerHash: cpuMsPerHash,
  };
  log(
    `${settings.database} enrollment.flow: ${(enrolled.length / elapsed).toFixed(1)} enrollments/s (${attempts.length - enrolled.length} failed), ` +
      `scrypt limit ${limit.hashesPerSecond.toFixed(1)}/s before, ${after.hashesPerSecond.toFixed(1)}/s after; ` +
      `CPU/enrollment ${result.cpu.server.toFixed(1)} ms server + ${result.cpu.database.toFixed(1)} ms database, ` +
      `a hash ${cpuMsPerHash.toFixed(1)} ms`,
  );
  return result;
}

/**
 * Unmeasured bursts before the measured ones, as every load case gets a warm-up: 1,000 attempts,
 * about what a load case sends in its 1 to 2 seconds of warm-up.
 */
const RACE_WARMUP_ROUNDS = 10;
/** Measured bursts: one burst is 99 loser times, too few for a p99 that a rerun reproduces. */
const RACE_ROUNDS = 5;

interface RaceRound {
  winners: number;
  usersCreated: number;
  denied: number;
  errors: Attempt[];
  loserTimes: number[];
  loserRequests: number;
  winnerMs: number | undefined;
}

/** One burst: 100 simultaneous enrollments, each on its own connection, at a new invitation. */
async function raceRound(tessera: Child, runner: OpenRunner, round: string): Promise<RaceRound> {
  const invitation = await createInvitation(runner, `bench-single-use-${round}`, true);
  const prefix = `bench-race-${process.pid}-${round}-`;
  const attempts = await Promise.all(
    Array.from({ length: 100 }, (_, i) =>
      enroll(tessera.baseUrl, ENROLLMENT_FLOW_SLUG, invitation, `${prefix}${i}`),
    ),
  );
  const [users] = await runner.rows<{ n: string | number }>(
    `SELECT count(*) AS n FROM users WHERE username LIKE '${prefix}%'`,
  );
  const enrolled = attempts.filter((a) => a.outcome === 'enrolled');
  const losers = attempts.filter((a) => a.outcome !== 'enrolled');
  return {
    winners: enrolled.length,
    usersCreated: Number(users.n),
    denied: attempts.filter((a) => a.outcome === 'denied').length,
    errors: attempts.filter((a) => a.outcome === 'error'),
    loserTimes: losers.map((a) => a.ms),
    loserRequests: losers.reduce((n, a) => n + a.requests, 0),
    winnerMs: enrolled[0]?.ms,
  };
}

/**
 * 100 concurrent attempts at one single-use invitation: exactly one may enrol. After
 * unmeasured warm-up bursts, several bursts are measured, each at its own invitation; the
 * loser times of all of them give the percentiles, and every burst must have one winner.
 */
async function singleUseCase(tessera: Child, runner: OpenRunner, settings: Settings): Promise<CaseResult> {
  const result: CaseResult = {
    id: 'single_use.race',
    title: '100 concurrent attempts at one single-use invitation',
    database: settings.database,
    available: false,
  };
  if (!(await executorAvailable(tessera))) {
    result.reason = 'not available: flow executor missing in this build';
    return result;
  }
  const warmups: RaceRound[] = [];
  for (let i = 0; i < RACE_WARMUP_ROUNDS; i += 1)
    warmups.push(await raceRound(tessera, runner, `warmup${i}`));
  const rounds: RaceRound[] = [];
  const cpuBefore = await cpuSnapshot(tessera.pid, settings);
  for (let i = 0; i < RACE_ROUNDS; i += 1) rounds.push(await raceRound(tessera, runner, `round${i}`));
  result.cpu = await cpuPer(cpuBefore, tessera.pid, settings, 100 * RACE_ROUNDS);
  const all = [...warmups, ...rounds];
  const loserTimes = rounds.flatMap((r) => r.loserTimes);
  const errors = rounds.flatMap((r) => r.errors);
  result.available = true;
  result.load = {
    requests: 100 * RACE_ROUNDS,
    rps: 0,
    p50: percentile(loserTimes, 50),
    p90: percentile(loserTimes, 90),
    p99: percentile(loserTimes, 99),
    max: percentile(loserTimes, 100),
    non2xx: 0,
    errors: errors.length,
  };
  const losers = rounds.reduce((n, r) => n + r.loserTimes.length, 0);
  const p99PerRound = rounds.map((r) => percentile(r.loserTimes, 99));
  // The first burst after the enrollment case, on code not yet warm for it.
  const firstBurstP99 = percentile(warmups[0]?.loserTimes ?? [], 99);
  result.extra = {
    rounds: RACE_ROUNDS,
    warmupRounds: RACE_WARMUP_ROUNDS,
    // Every burst, warm-ups included, must have had exactly one winner and created one user.
    winnersPerRound: all.map((r) => r.winners),
    usersPerRound: all.map((r) => r.usersCreated),
    denied: rounds.reduce((n, r) => n + r.denied, 0),
    requestsPerLoser: losers > 0 ? rounds.reduce((n, r) => n + r.loserRequests, 0) / losers : 0,
    p99PerRound,
    firstBurstP99,
    winnerMs: rounds.map((r) => r.winnerMs),
    errors: errors.map((a) => a.detail).slice(0, 3),
  };
  log(
    `${settings.database} single_use.race: winners per burst ${all.map((r) => r.winners).join(' ')}, ` +
      `users ${all.map((r) => r.usersCreated).join(' ')}; loser p99 ${result.load.p99.toFixed(1)} ms over ${RACE_ROUNDS} bursts ` +
      `(per burst ${p99PerRound.map((p) => p.toFixed(0)).join(' ')}; first, unmeasured: ${firstBurstP99.toFixed(0)})`,
  );
  return result;
}

interface Startup {
  database: 'postgres' | 'pglite';
  fresh: boolean;
  readyMs: number;
  rows: string;
}

async function postgresRun(
  options: BenchOptions,
  results: CaseResult[],
  startups: Startup[],
  limit: HashLimit,
  explain: Record<string, string>,
) {
  const pgSettings: PgSettings = {
    host: options.pgHost,
    port: options.pgPort,
    user: options.pgUser,
    name: options.pgDatabase,
  };
  const settings: Settings = {
    connections: options.connections,
    duration: options.duration,
    driver: options.driver,
    database: 'postgres',
    pg: { ...pgSettings, poolSize: POOL_SIZE },
  };
  await recreatePgDatabase(pgSettings);
  // First start: migrations and bootstrap on an empty database.
  let tessera = await startTessera({ kind: 'postgres', pg: { ...pgSettings, poolSize: POOL_SIZE } });
  startups.push({ database: 'postgres', fresh: true, readyMs: tessera.readyMs, rows: 'empty' });
  await tessera.stop();

  const runner = await openPgRunner(pgSettings);
  settings.backendPids = async () =>
    (
      await runner.rows<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
      )
    ).map((row) => row.pid);
  let invitations = options.invitationSteps[0];
  let events = options.eventSteps[0];
  try {
    let t = performance.now();
    await generateBase(runner, options);
    const firstInvitations = options.invitationSteps[0];
    await generateInvitations(runner, 0, firstInvitations);
    const firstEvents = options.eventSteps[0];
    await generateEvents(runner, 0, firstEvents, options.users);
    log(
      `postgres: generated base data, ${firstInvitations} invitations, ${firstEvents} events in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );

    tessera = await startTessera({ kind: 'postgres', pg: { ...pgSettings, poolSize: POOL_SIZE } });
    startups.push({
      database: 'postgres',
      fresh: false,
      readyMs: tessera.readyMs,
      rows: `${options.stages} stages, ${firstInvitations} invitations, ${firstEvents} events`,
    });
    log(`postgres: start to ready on the existing database ${tessera.readyMs.toFixed(0)} ms`);
    try {
      const [stage] = await runner.rows<{ pk: string }>(
        `SELECT s.stage_uuid AS pk FROM stages s JOIN flow_stage_bindings b ON b.stage = s.stage_uuid
         WHERE s.name LIKE 'bench-%' ORDER BY s.name LIMIT 1`,
      );
      await runCases(tessera, seedCases(options, stage.pk), settings, options, results);
      await runner.exec(`DELETE FROM stages WHERE name LIKE 'bench-create-%'`);
      if (selected(options, AUTH_CACHE_CASE)) {
        // The same list without the API-token cache (TESSERA_AUTH_CACHE_SECONDS=0: the token is
        // looked up on every request, as authentik does), on its own server.
        const cachedTessera = await startTessera(
          { kind: 'postgres', pg: { ...pgSettings, poolSize: POOL_SIZE } },
          { TESSERA_AUTH_CACHE_SECONDS: '0' },
        );
        try {
          const [list] = seedCases(options, stage.pk);
          const variant = {
            ...list,
            id: AUTH_CACHE_CASE,
            title: `${list.title}, TESSERA_AUTH_CACHE_SECONDS=0`,
          };
          await runCases(cachedTessera, [variant], settings, options, results);
        } finally {
          await cachedTessera.stop();
        }
      }

      const steps = Math.max(options.invitationSteps.length, options.eventSteps.length);
      for (let step = 0; step < steps; step += 1) {
        const wantInvitations = options.invitationSteps[Math.min(step, options.invitationSteps.length - 1)];
        const wantEvents = options.eventSteps[Math.min(step, options.eventSteps.length - 1)];
        if (wantInvitations > invitations || wantEvents > events) {
          t = performance.now();
          await generateInvitations(runner, invitations, wantInvitations);
          await generateEvents(runner, events, wantEvents, options.users, (done) => {
            if (done % 2_000_000 === 0) log(`postgres: ${done} events`);
          });
          log(
            `postgres: grew to ${wantInvitations} invitations, ${wantEvents} events in ${((performance.now() - t) / 1000).toFixed(1)} s`,
          );
        }
        if (step === 0 || wantInvitations > invitations)
          await runCases(tessera, invitationCases(wantInvitations), settings, options, results);
        if (step === 0 || wantEvents > events)
          await runCases(tessera, eventCases(wantEvents), settings, options, results);
        invitations = wantInvitations;
        events = wantEvents;
      }
      // EXPLAIN of the searches at the largest size, from the statements Tessera issued.
      for (const id of [
        'seed.list.search',
        `invitations.search@${invitations}`,
        `invitations.list@${invitations}`,
        `events.list@${events}`,
      ]) {
        const result = results.find((r) => r.id === id && r.database === 'postgres');
        const statement = result?.statements?.find(
          (s) => /^\s*select/i.test(s.sql) && !/FROM tokens/i.test(s.sql),
        );
        if (!statement) continue;
        const plan = await runner.client.query(
          `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${statement.sql}`,
          statement.params,
        );
        explain[id] = plan.rows.map((row: Record<string, string>) => row['QUERY PLAN']).join('\n');
      }

      if (selected(options, 'enrollment')) {
        // The hash limit is measured right before, so both see the same neighbours' load.
        const adjacent = await scryptLimit(options.quick ? 2 : 4);
        Object.assign(limit, adjacent);
        log(`scrypt alone, before the enrollment case: ${adjacent.hashesPerSecond.toFixed(1)} hashes/s`);
        results.push(await enrollmentCase(tessera, runner, settings, limit));
      }
      if (selected(options, 'single_use')) results.push(await singleUseCase(tessera, runner, settings));
    } finally {
      await tessera.stop();
    }
    // Start to ready on the database at its final size.
    tessera = await startTessera({ kind: 'postgres', pg: { ...pgSettings, poolSize: POOL_SIZE } });
    startups.push({
      database: 'postgres',
      fresh: false,
      readyMs: tessera.readyMs,
      rows: `${options.stages} stages, ${invitations} invitations, ${events} events`,
    });
    await tessera.stop();
  } finally {
    await runner.close();
  }
  if (!process.env.TESSERA_BENCH_KEEP) await dropPgDatabase(pgSettings);
}

/** `npm start` on a new data folder, then on the folder it made, each NPM_START_RUNS times. */
const NPM_START_RUNS = 3;

async function npmStarts(): Promise<Report['npmStarts']> {
  buildOnce();
  const fresh: NpmStart[] = [];
  const existing: NpmStart[] = [];
  for (let run = 0; run < NPM_START_RUNS; run += 1) {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'tessera-bench-start-'));
    try {
      fresh.push(await timeNpmStart(dataDir));
      existing.push(await timeNpmStart(dataDir));
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  const line = (runs: NpmStart[]) =>
    runs.map((r) => `${r.wallMs.toFixed(0)} ms (${r.cpuMs.toFixed(0)} ms CPU)`).join(', ');
  log(`pglite: npm start to ready on a new data folder ${line(fresh)}; on an existing one ${line(existing)}`);
  return { fresh, existing };
}

async function pgliteRun(
  options: BenchOptions,
  results: CaseResult[],
  startups: Startup[],
  limit: { hashesPerSecond: number },
) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tessera-bench-pglite-'));
  const settings: Settings = {
    connections: options.connections,
    duration: options.duration,
    driver: options.driver,
    database: 'pglite',
  };
  try {
    let tessera = await startTessera({ kind: 'pglite', dataDir });
    startups.push({ database: 'pglite', fresh: true, readyMs: tessera.readyMs, rows: 'empty' });
    await tessera.stop();
    const runner = await openPgliteRunner(dataDir);
    const invitations = Math.min(options.invitations, 10_000);
    const events = Math.min(options.events, 10_000);
    try {
      await generateBase(runner, options);
      await generateInvitations(runner, 0, invitations);
      await generateEvents(runner, 0, events, options.users);
    } finally {
      await runner.close();
    }
    tessera = await startTessera({ kind: 'pglite', dataDir });
    startups.push({
      database: 'pglite',
      fresh: false,
      readyMs: tessera.readyMs,
      rows: `${options.stages} stages, ${invitations} invitations, ${events} events`,
    });
    log(`pglite: start to ready on the existing data folder ${tessera.readyMs.toFixed(0)} ms`);
    try {
      const stages = seedCases(options, '00000000-0000-0000-0000-000000000000').filter((c) =>
        ['seed.list.default', 'seed.list.page_size_100', 'seed.list.search'].includes(c.id),
      );
      await runCases(
        tessera,
        [...stages, ...invitationCases(invitations), ...eventCases(events)],
        settings,
        options,
        results,
      );
    } finally {
      await tessera.stop();
    }
    void limit;
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const info = machine();
  log(
    `machine: ${info.nproc} cores, ${info.cpu}, ${(info.memoryBytes / 2 ** 30).toFixed(1)} GiB, node ${info.node}, commit ${info.commit.slice(0, 12)}${info.dirty ? ' (src modified)' : ''}`,
  );
  options.driver = chooseDriver(options.driver, log);
  log(`load driver: ${options.driver}`);
  const limit = await scryptLimit(options.quick ? 2 : 4);
  log(`scrypt alone: ${limit.hashesPerSecond.toFixed(1)} hashes/s (${limit.msPerHash.toFixed(1)} ms each)`);
  const results: CaseResult[] = [];
  const startups: Startup[] = [];
  const explain: Record<string, string> = {};
  await postgresRun(options, results, startups, limit, explain);
  let starts: Report['npmStarts'];
  if (options.pglite) {
    await pgliteRun(options, results, startups, limit);
    starts = await npmStarts();
  }
  const report: Report = {
    date: new Date().toISOString(),
    options,
    machine: info,
    scrypt: limit,
    startups,
    npmStarts: starts,
    results,
    explain,
    durationSeconds: (performance.now() - runStarted) / 1000,
  };
  const written = writeReport(report, options.out);
  log(`wrote ${written.join(', ')}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
