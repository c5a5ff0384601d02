/**
 * Child processes of the suite: Tessera itself and the two floor servers. Each gets a free
 * loopback port, is polled for readiness, and has its peak RSS read from /proc.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** VmHWM (peak resident set) of a process, in bytes; undefined when /proc has no answer. */
export function peakRss(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmHWM:\s+(\d+) kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * CPU time (user + system) a process has used, in milliseconds, from /proc/<pid>/stat; 0 when
 * the process is gone. CPU per request is robust where throughput is not: on a machine shared
 * with other work, a case's req/s moves with the neighbours' load, its CPU cost hardly.
 */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}
const CLOCK_TICKS = 100;

/** Resets VmHWM to the current RSS (Linux `clear_refs` value 5), so a case reads its own peak. */
export function resetPeakRss(pid: number): void {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    // Not permitted or not Linux: peaks then accumulate from the start of the process.
  }
}

/**
 * The status of one GET over a plain socket, or undefined when nothing answers yet. The poll
 * shares two cores with the server it waits for: fetch's client costs milliseconds of CPU per
 * refused attempt, which delayed the start it was measuring by a few hundred of them. The
 * request is written without half-closing the socket (Node's server drops a request whose
 * client ended its side before the answer); `Connection: close` has the server close it.
 */
function probeStatus(port: number, path: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    let head = '';
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    });
    socket.setEncoding('latin1');
    socket.setTimeout(10_000, () => socket.destroy());
    socket.on('data', (chunk: string) => {
      head += chunk;
    });
    socket.on('error', () => resolve(undefined));
    socket.on('close', () => {
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      resolve(status ? Number(status[1]) : undefined);
    });
  });
}

export interface Child {
  process: ChildProcess;
  pid: number;
  port: number;
  baseUrl: string;
  /** Milliseconds from spawn to the first 200 of the readiness URL. */
  readyMs: number;
  stop(): Promise<void>;
  /** Last lines of stderr, for error messages. */
  stderr(): string;
}

export async function startChild(options: {
  args: string[];
  env: Record<string, string>;
  readyPath: string;
  port: number;
  timeoutMs?: number;
}): Promise<Child> {
  const started = performance.now();
  const child = spawn(process.execPath, options.args, {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const baseUrl = `http://127.0.0.1:${options.port}`;
  const deadline = started + (options.timeoutMs ?? 60_000);
  let readyMs = -1;
  while (performance.now() < deadline && !exited) {
    if ((await probeStatus(options.port, options.readyPath)) === 200) {
      readyMs = performance.now() - started;
      break;
    }
    await sleep(5);
  }
  if (readyMs < 0) {
    child.kill('SIGKILL');
    throw new Error(`${options.args.join(' ')} did not become ready: ${stderr}`);
  }
  return {
    process: child,
    pid: child.pid ?? 0,
    port: options.port,
    baseUrl,
    readyMs,
    stderr: () => stderr,
    async stop() {
      if (exited) return;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(timer);
    },
  };
}

export interface TesseraDatabase {
  kind: 'postgres' | 'pglite';
  pg?: { host: string; port: number; user: string; name: string; poolSize?: number };
  dataDir?: string;
}

export const BOOTSTRAP_TOKEN = 'bench-admin-token-0123456789abcdef';

let built = false;

/** Compiles Tessera once per run, as `npm start` does, so the benchmark measures what ships. */
export function buildOnce(): void {
  if (built) return;
  const result = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error('npm run build failed');
  built = true;
}

/**
 * CPU time (user + system, milliseconds) of every process in a process group, with what their
 * finished children used: `npm start` runs its prestart check and the server as children.
 */
function groupCpuMs(groupId: number): number {
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // pgrp is field 5; utime, stime, cutime, cstime are fields 14 to 17.
      if (Number(fields[2]) !== groupId) continue;
      ticks += fields.slice(11, 15).reduce((sum, field) => sum + Number(field), 0);
    } catch {
      // The process ended meanwhile.
    }
  }
  return (ticks * 1000) / CLOCK_TICKS;
}

export interface NpmStart {
  /** Milliseconds from spawning `npm start` to the first 200 of /-/health/ready/. */
  wallMs: number;
  /** CPU the start took, all processes together: robust where wall time follows the neighbours. */
  cpuMs: number;
}

/**
 * Times `npm start` as an operator runs it (npm, the prestart build check, the server) on an
 * embedded data folder, to the first 200 of /-/health/ready/, and stops it. dist/ must be built.
 */
export async function timeNpmStart(dataDir: string): Promise<NpmStart> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn('npm', ['start', '--silent'], {
    env: {
      ...process.env,
      AUTHENTIK_LISTEN__HTTP: `127.0.0.1:${port}`,
      AUTHENTIK_BOOTSTRAP_TOKEN: BOOTSTRAP_TOKEN,
      // No metrics listener: the suite runs instances side by side, and none needs one.
      AUTHENTIK_LISTEN__METRICS: '',
      AUTHENTIK_POSTGRESQL__HOST: '',
      TESSERA_DATA_DIR: dataDir,
    },
    stdio: 'ignore',
    // Its own process group, so the server npm starts is stopped with it.
    detached: true,
  });
  const groupId = child.pid ?? 0;
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  try {
    while (!exited && performance.now() - started < 60_000) {
      if ((await probeStatus(port, '/-/health/ready/')) === 200) {
        return { wallMs: performance.now() - started, cpuMs: groupCpuMs(groupId) };
      }
      await sleep(5);
    }
    throw new Error('npm start did not become ready');
  } finally {
    process.kill(-groupId, 'SIGTERM');
    // Every process of the group, the server too, must be gone before the data folder is
    // opened again (its lock file).
    for (let waited = 0; groupAlive(groupId) && waited < 30_000; waited += 20) await sleep(20);
  }
}

function groupAlive(groupId: number): boolean {
  try {
    process.kill(-groupId, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The node options `npm start` runs the server with (package.json's start script), so the suite
 * measures the server as it ships; TESSERA_BENCH_NODE_ARGS adds to them.
 */
function startScriptNodeArgs(): string[] {
  const { scripts } = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: { start: string } };
  const words = scripts.start.trim().split(/\s+/);
  const entry = words.indexOf('dist/server.js');
  if (words[0] !== 'node' || entry < 0) throw new Error(`unexpected start script: ${scripts.start}`);
  return words.slice(1, entry);
}

/** Starts the built server as `npm start` does, on a free port, and waits for /-/health/ready/. */
export async function startTessera(database: TesseraDatabase, extraEnv: Record<string, string> = {}) {
  const port = await freePort();
  const env: Record<string, string> = {
    AUTHENTIK_LISTEN__HTTP: `127.0.0.1:${port}`,
    AUTHENTIK_BOOTSTRAP_TOKEN: BOOTSTRAP_TOKEN,
    // No AUTHENTIK_LOG_LEVEL: the server logs at its default (info, a line per request), as
    // an operator runs it; its standard output goes to /dev/null.
    // No metrics listener: the suite runs instances side by side, and none needs one.
    AUTHENTIK_LISTEN__METRICS: '',
    TESSERA_DEBUG_STATS: '1',
    ...extraEnv,
  };
  if (database.kind === 'postgres' && database.pg) {
    env.AUTHENTIK_POSTGRESQL__HOST = database.pg.host;
    env.AUTHENTIK_POSTGRESQL__PORT = String(database.pg.port);
    env.AUTHENTIK_POSTGRESQL__USER = database.pg.user;
    env.AUTHENTIK_POSTGRESQL__NAME = database.pg.name;
    if (database.pg.poolSize) env.TESSERA_POSTGRESQL_POOL_SIZE = String(database.pg.poolSize);
  } else {
    env.AUTHENTIK_POSTGRESQL__HOST = '';
    env.TESSERA_DATA_DIR = database.dataDir ?? '';
  }
  buildOnce();
  return startChild({
    args: [
      ...startScriptNodeArgs(),
      ...(process.env.TESSERA_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean),
      'dist/server.js',
    ],
    env,
    readyPath: '/-/health/ready/',
    port,
  });
}
