/**
 * The load driver, bounded in duration and connections: wrk (Debian's package) when the machine
 * has it or can install it, autocannon otherwise.
 *
 * The driver shares the two cores with the server and the database it measures, so its own CPU
 * is taken from them. wrk is C and needs a fraction of what autocannon, a Node process, needs
 * for the same requests: on a seed list of 40 stages here, one server answered 2,903 requests
 * per second under autocannon and 3,110 to 3,214 under wrk, with p99 11 ms against 9 ms. Both
 * floors are measured with the same driver, so the ratios compare like with like.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';

export type LoadDriver = 'wrk' | 'autocannon';

/** Each request's body gets a token of its own in place of this (creates need unique names). */
export const UNIQUE = '{unique}';

export interface LoadRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  headers?: Record<string, string>;
  /** The body; every `{unique}` in it is replaced by a token no other request of the run has. */
  body?: string;
}

export interface LoadResult {
  requests: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** Answers with another status than 2xx (wrk: 4xx and 5xx, the ones it counts). */
  non2xx: number;
  errors: number;
}

/** The request's body with its `{unique}` replaced by `token`. */
export function bodyFor(request: LoadRequest, token: string): string | undefined {
  return request.body?.replaceAll(UNIQUE, token);
}

function hasWrk(): boolean {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
    return true;
  } catch (error) {
    // wrk prints its version and exits 1; only a missing binary is a failure to start.
    return (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

/**
 * The driver a run uses: wrk if it is on the machine; otherwise it is installed from Debian's
 * packages when this is root on Debian (what a fresh machine here is), and autocannon is used
 * when that fails. `--driver autocannon` asks for autocannon.
 */
export function chooseDriver(requested: LoadDriver, log: (message: string) => void): LoadDriver {
  if (requested === 'autocannon') return 'autocannon';
  if (hasWrk()) return 'wrk';
  if (process.getuid?.() === 0) {
    log('installing wrk from Debian (apt-get install -y wrk)');
    try {
      execFileSync('apt-get', ['install', '-y', '-q', 'wrk'], { stdio: 'ignore', timeout: 300_000 });
    } catch {
      // Reported below: the run goes on with autocannon.
    }
    if (hasWrk()) return 'wrk';
  }
  log('wrk is not available: the load driver is autocannon, which takes more of the CPU it measures');
  return 'autocannon';
}

/** Loads run one after another, so a number per load keeps each load's tokens apart. */
let loads = 0;

export function runLoad(
  driver: LoadDriver,
  baseUrl: string,
  request: LoadRequest,
  options: { connections: number; duration: number },
): Promise<LoadResult> {
  const load = `${process.pid}-${(loads += 1)}`;
  return driver === 'wrk'
    ? runWrk(baseUrl, request, options, load)
    : runAutocannon(baseUrl, request, options, load);
}

/** The request's headers, with the JSON content type when it has a body. */
export function headersOf(request: LoadRequest): Record<string, string> {
  return {
    ...(request.body !== undefined ? { 'content-type': 'application/json' } : {}),
    ...request.headers,
  };
}

async function runAutocannon(
  baseUrl: string,
  request: LoadRequest,
  options: { connections: number; duration: number },
  load: string,
): Promise<LoadResult> {
  const body = request.body;
  let sent = 0;
  const instance = autocannon({
    url: baseUrl,
    connections: options.connections,
    duration: options.duration,
    requests: [
      {
        method: request.method ?? 'GET',
        path: request.path,
        headers: headersOf(request),
        ...(body?.includes(UNIQUE)
          ? {
              setupRequest: (req: Record<string, unknown>) => ({
                ...req,
                body: bodyFor(request, `${load}-${(sent += 1)}`),
              }),
            }
          : body !== undefined
            ? { body }
            : {}),
      },
    ],
  });
  const result = await instance;
  const total = result.requests.total;
  return {
    requests: total,
    rps: total / result.duration,
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

const lua = (value: string) => JSON.stringify(value); // a JSON string is a valid Lua string literal here

/**
 * The wrk script: a fixed request is formatted once by wrk itself; a body with `{unique}` is
 * formatted per request, with the thread's number and a counter. `done` prints the figures as
 * one JSON line (latencies in microseconds).
 */
function wrkScript(request: LoadRequest, load: string): string {
  const headers = Object.entries(headersOf(request))
    .map(([name, value]) => `wrk.headers[${lua(name)}] = ${lua(value)}`)
    .join('\n');
  const unique = request.body?.includes(UNIQUE);
  return `
wrk.method = ${lua(request.method ?? 'GET')}
wrk.path = ${lua(request.path)}
${headers}
${request.body !== undefined && !unique ? `wrk.body = ${lua(request.body)}` : ''}
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end
${
  unique
    ? `local template = ${lua(request.body ?? '')}
local sent = 0
function request()
  sent = sent + 1
  local token = "${load}-" .. thread_number .. "-" .. sent
  return wrk.format(nil, nil, nil, (template:gsub("{unique}", token)))
end`
    : ''
}
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests":%d,"duration_us":%d,"p50":%d,"p90":%d,"p99":%d,"max":%d,"status":%d,"errors":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.status, e.connect + e.read + e.write + e.timeout))
end
`;
}

async function runWrk(
  baseUrl: string,
  request: LoadRequest,
  options: { connections: number; duration: number },
  load: string,
): Promise<LoadResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tessera-wrk-'));
  const script = path.join(dir, 'case.lua');
  writeFileSync(script, wrkScript(request, load));
  try {
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn(
        'wrk',
        [
          '-t',
          String(Math.min(2, options.connections)),
          '-c',
          String(options.connections),
          '-d',
          `${options.duration}s`,
          '--timeout',
          '30s',
          '-s',
          script,
          baseUrl,
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) =>
        code === 0 ? resolve(out) : reject(new Error(`wrk exited with ${code}: ${out}`)),
      );
    });
    const line = output.split('\n').find((l) => l.startsWith('WRK_RESULT '));
    if (!line) throw new Error(`wrk printed no result: ${output}`);
    const r = JSON.parse(line.slice('WRK_RESULT '.length)) as Record<string, number>;
    const ms = (us: number) => us / 1000;
    return {
      requests: r.requests,
      rps: r.requests / (r.duration_us / 1e6),
      p50: ms(r.p50),
      p90: ms(r.p90),
      p99: ms(r.p99),
      max: ms(r.max),
      non2xx: r.status,
      errors: r.errors,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
