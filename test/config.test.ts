/**
 * Configuration and start-up: `loadConfig` reads authentik's environment names with their
 * defaults, and the real entry point (`node --import tsx src/server.ts`, what `npm run dev` runs) stops on a
 * bad setting, an unreachable database, a busy data folder or a busy port with exactly one
 * line on stderr naming the setting, and a non-zero exit. On an empty data folder it starts,
 * answers, and stops cleanly on SIGTERM.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig } from '../src/config.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const scratch = mkdtempSync(path.join(tmpdir(), 'tessera-config-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the server entry point with only these settings (plus PATH/HOME), to its exit. */
function start(
  env: Record<string, string>,
  onStdout?: (text: string, stop: () => void) => void,
): Promise<Run> {
  return new Promise((resolve, reject) => {
    // Node runs the server itself (tsx as a loader): the tsx command would stand between the
    // signal and the server, and end it 30 ms after passing SIGTERM on, finished or not.
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      cwd: root,
      // Metrics on a port of the system's choosing: authentik's 9300 may be taken on a shared machine.
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        AUTHENTIK_LISTEN__METRICS: '127.0.0.1:0',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      onStdout?.(stdout, () => child.kill('SIGTERM'));
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function dataDir(name: string): string {
  return path.join(scratch, name);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('loadConfig', () => {
  test("defaults follow authentik's default.yml", () => {
    const config = loadConfig({});
    assert.deepEqual(config.listen, { host: '0.0.0.0', port: 9000 });
    assert.equal(config.database.kind, 'pglite');
    assert.equal(config.database.dataDir, path.resolve('./data'));
    assert.equal(config.database.port, 5432);
    assert.equal(config.database.user, 'authentik');
    assert.equal(config.database.name, 'authentik');
    assert.equal(config.logLevel, 'info');
    assert.deepEqual(config.pagination, { defaultPageSize: 20, maxPageSize: 100 });
    assert.equal(config.defaultTokenDurationSeconds, 86400);
    assert.equal(config.email.host, 'localhost');
    assert.equal(config.email.port, 25);
    assert.equal(config.email.from, 'authentik@localhost');
    assert.equal(config.email.timeoutSeconds, 10);
    assert.deepEqual(config.bootstrap, { token: undefined, password: undefined, email: undefined });
  });

  test('reads the settings it names', () => {
    const config = loadConfig({
      AUTHENTIK_LISTEN__HTTP: '[::1]:8000',
      AUTHENTIK_POSTGRESQL__HOST: 'db.internal',
      AUTHENTIK_POSTGRESQL__PORT: '6543',
      AUTHENTIK_POSTGRESQL__USER: 'u',
      AUTHENTIK_POSTGRESQL__PASSWORD: 'p',
      AUTHENTIK_POSTGRESQL__NAME: 'n',
      AUTHENTIK_BOOTSTRAP_TOKEN: 'tok',
      AUTHENTIK_LOG_LEVEL: 'WARNING',
      TESSERA_DEFAULT_TOKEN_DURATION: 'hours=2;minutes=30',
      TESSERA_PAGINATION_DEFAULT_PAGE_SIZE: '5',
      TESSERA_PAGINATION_MAX_PAGE_SIZE: '50',
      TESSERA_EXTERNAL_URL: 'https://auth.example.com/',
    });
    assert.deepEqual(config.listen, { host: '::1', port: 8000 });
    assert.equal(config.database.kind, 'postgres');
    assert.equal(config.database.host, 'db.internal');
    assert.equal(config.database.port, 6543);
    assert.equal(config.bootstrap.token, 'tok');
    assert.equal(config.logLevel, 'warning');
    assert.equal(config.defaultTokenDurationSeconds, 9000);
    assert.deepEqual(config.pagination, { defaultPageSize: 5, maxPageSize: 50 });
    assert.equal(config.externalUrl, 'https://auth.example.com');
    assert.deepEqual(loadConfig({ AUTHENTIK_LISTEN__HTTP: ':9100' }).listen, { host: '0.0.0.0', port: 9100 });
  });

  test('reads the settings for many instances: pooler, direct endpoint, replicas, TLS, limits', () => {
    const { scale } = loadConfig({
      AUTHENTIK_POSTGRESQL__HOST: 'pooler',
      AUTHENTIK_POSTGRESQL__PORT: '6432',
      AUTHENTIK_POSTGRESQL__USER: 'u',
      AUTHENTIK_POSTGRESQL__PASSWORD: 'p',
      AUTHENTIK_POSTGRESQL__SSLMODE: 'verify-full',
      AUTHENTIK_POSTGRESQL__SSLROOTCERT: '/ca.pem',
      AUTHENTIK_POSTGRESQL__USE_PGBOUNCER: 'true',
      AUTHENTIK_POSTGRESQL__DIRECT__HOST: 'primary',
      AUTHENTIK_POSTGRESQL__DIRECT__PORT: '5432',
      AUTHENTIK_POSTGRESQL__READ_REPLICAS__1__HOST: 'replica-b',
      AUTHENTIK_POSTGRESQL__READ_REPLICAS__0__HOST: 'replica-a',
      AUTHENTIK_POSTGRESQL__READ_REPLICAS__0__SSLMODE: 'require',
      TESSERA_POSTGRESQL_STATEMENT_TIMEOUT_MS: '5000',
      TESSERA_POSTGRESQL_CONNECT_ATTEMPTS: '3',
    }).database;
    assert.ok(scale);
    assert.equal(scale.usePgbouncer, true);
    const tls = { mode: 'verify-full', rootCert: '/ca.pem', cert: undefined, key: undefined };
    // Unset keys of the direct endpoint and the replicas are the primary's.
    assert.deepEqual(scale.direct, {
      host: 'primary',
      port: 5432,
      user: 'u',
      password: 'p',
      name: 'authentik',
      tls,
    });
    assert.deepEqual(
      scale.replicas.map((r) => [r.host, r.port, r.user, r.tls.mode, r.tls.rootCert]),
      [
        ['replica-a', 6432, 'u', 'require', '/ca.pem'],
        ['replica-b', 6432, 'u', 'verify-full', '/ca.pem'],
      ],
    );
    assert.equal(scale.statementTimeoutMs, 5000);
    assert.equal(scale.connectAttempts, 3);
    assert.equal(loadConfig({ AUTHENTIK_POSTGRESQL__HOST: 'db' }).database.scale?.direct, undefined);
  });

  test('a bad value is a ConfigError naming the setting', () => {
    const cases: [Record<string, string>, string][] = [
      [{ AUTHENTIK_LISTEN__HTTP: 'nonsense' }, 'AUTHENTIK_LISTEN__HTTP'],
      [{ AUTHENTIK_LISTEN__HTTP: '127.0.0.1:99999' }, 'AUTHENTIK_LISTEN__HTTP'],
      [{ AUTHENTIK_POSTGRESQL__PORT: 'abc' }, 'AUTHENTIK_POSTGRESQL__PORT'],
      [{ AUTHENTIK_POSTGRESQL__PORT: '0' }, 'AUTHENTIK_POSTGRESQL__PORT'],
      [{ AUTHENTIK_EMAIL__PORT: '-1' }, 'AUTHENTIK_EMAIL__PORT'],
      [{ AUTHENTIK_EMAIL__USE_TLS: 'maybe' }, 'AUTHENTIK_EMAIL__USE_TLS'],
      [{ AUTHENTIK_EMAIL__USE_TLS: 'true', AUTHENTIK_EMAIL__USE_SSL: 'true' }, 'AUTHENTIK_EMAIL__USE_SSL'],
      [{ AUTHENTIK_LOG_LEVEL: 'loud' }, 'AUTHENTIK_LOG_LEVEL'],
      [{ TESSERA_DEFAULT_TOKEN_DURATION: 'forever' }, 'TESSERA_DEFAULT_TOKEN_DURATION'],
      [{ TESSERA_EXTERNAL_URL: 'ftp://example.com' }, 'TESSERA_EXTERNAL_URL'],
      [{ TESSERA_PAGINATION_MAX_PAGE_SIZE: '0' }, 'TESSERA_PAGINATION_MAX_PAGE_SIZE'],
      [{ AUTHENTIK_POSTGRESQL__SSLMODE: 'sometimes' }, 'AUTHENTIK_POSTGRESQL__SSLMODE'],
      [{ AUTHENTIK_POSTGRESQL__USE_PGBOUNCER: 'perhaps' }, 'AUTHENTIK_POSTGRESQL__USE_PGBOUNCER'],
      [
        { AUTHENTIK_POSTGRESQL__READ_REPLICAS__0__PORT: '5433' },
        'AUTHENTIK_POSTGRESQL__READ_REPLICAS__0__HOST',
      ],
      [{ TESSERA_POSTGRESQL_CONNECT_ATTEMPTS: '0' }, 'TESSERA_POSTGRESQL_CONNECT_ATTEMPTS'],
      [{ TESSERA_INVITATIONS_RETENTION: 'forever' }, 'TESSERA_INVITATIONS_RETENTION'],
      [{ TESSERA_INVITATIONS_RETENTION_DAYS: '-1' }, 'TESSERA_INVITATIONS_RETENTION_DAYS'],
    ];
    for (const [env, setting] of cases) {
      assert.throws(
        () => loadConfig(env),
        (error: unknown) =>
          error instanceof ConfigError && error.setting === setting && error.message.includes(setting),
        JSON.stringify(env),
      );
    }
  });

  test('operations: the metrics listener (authentik 0.0.0.0:9300, empty turns it off) and the shutdown grace', () => {
    assert.deepEqual(loadConfig({}).operations, {
      metricsListen: { host: '0.0.0.0', port: 9300 },
      shutdownGraceSeconds: 25,
      buildHash: '',
    });
    const set = loadConfig({
      AUTHENTIK_LISTEN__METRICS: '127.0.0.1:9400',
      TESSERA_SHUTDOWN_GRACE_SECONDS: '5',
      GIT_BUILD_HASH: 'abc',
    }).operations;
    assert.deepEqual(set, {
      metricsListen: { host: '127.0.0.1', port: 9400 },
      shutdownGraceSeconds: 5,
      buildHash: 'abc',
    });
    assert.equal(loadConfig({ AUTHENTIK_LISTEN__METRICS: '' }).operations?.metricsListen, null);
    for (const [key, value] of [
      ['AUTHENTIK_LISTEN__METRICS', 'nonsense'],
      ['TESSERA_SHUTDOWN_GRACE_SECONDS', '-1'],
    ]) {
      assert.throws(
        () => loadConfig({ [key]: value }),
        (error: unknown) => error instanceof ConfigError && error.setting === key,
      );
    }
  });

  test('invitation retention: keep for 30 days by default, or authentik’s delete on use and expiry', () => {
    assert.deepEqual(loadConfig({}).invitations, { mode: 'keep', retentionDays: 30 });
    assert.deepEqual(loadConfig({ TESSERA_INVITATIONS_RETENTION_DAYS: '0' }).invitations, {
      mode: 'keep',
      retentionDays: 0,
    });
    assert.deepEqual(
      loadConfig({ TESSERA_INVITATIONS_RETENTION: 'authentik', TESSERA_INVITATIONS_RETENTION_DAYS: '90' })
        .invitations,
      { mode: 'authentik', retentionDays: 0 },
    );
  });

  test("duration settings read authentik's `unit=value;...` form", () => {
    const seconds = (value: string) =>
      loadConfig({ TESSERA_DEFAULT_TOKEN_DURATION: value }).defaultTokenDurationSeconds;
    assert.equal(seconds('days=1'), 86400);
    assert.equal(seconds('weeks=1;days=1; hours=1'), 694800);
    assert.equal(seconds('seconds=0.5'), 0.5);
    for (const value of ['1 day', 'years=1', 'hours=-1']) {
      assert.throws(() => seconds(value), ConfigError, value);
    }
  });
});

describe('starting the server', () => {
  test('a bad setting: one line on stderr naming it, exit status 78, nothing created', async () => {
    const cases: [string, string][] = [
      ['AUTHENTIK_LISTEN__HTTP', 'nonsense'],
      ['AUTHENTIK_POSTGRESQL__PORT', 'abc'],
      ['AUTHENTIK_LOG_LEVEL', 'loud'],
    ];
    for (const [setting, value] of cases) {
      const folder = dataDir(`bad-${setting}`);
      const run = await start({ [setting]: value, TESSERA_DATA_DIR: folder });
      assert.equal(run.code, 78, setting);
      const lines = run.stderr.split('\n').filter((line) => line.trim() !== '');
      assert.equal(lines.length, 1, run.stderr);
      assert.match(lines[0], new RegExp(`^invalid configuration: ${setting}: `));
      assert.ok(lines[0].includes(value) || setting === 'AUTHENTIK_LOG_LEVEL', lines[0]);
      assert.equal(run.stdout, '');
      assert.ok(!existsSync(folder), 'no data folder is created for a bad configuration');
    }
  });

  test('an unreachable PostgreSQL server: one line naming the PostgreSQL settings, exit 1', async () => {
    const port = await freePort();
    const run = await start({
      AUTHENTIK_POSTGRESQL__HOST: '127.0.0.1',
      AUTHENTIK_POSTGRESQL__PORT: String(port),
      AUTHENTIK_LISTEN__HTTP: '127.0.0.1:0',
      // One try: the waits before further ones are tested in test/db/statement-timeout.test.ts.
      TESSERA_POSTGRESQL_CONNECT_ATTEMPTS: '1',
    });
    assert.equal(run.code, 1);
    const lines = run.stderr.split('\n').filter((line) => line.trim() !== '');
    assert.equal(lines.length, 1, run.stderr);
    assert.match(lines[0], /^tessera failed to start: .*AUTHENTIK_POSTGRESQL__HOST.*ECONNREFUSED/);
  });

  test('a data folder in use by another process: one line naming TESSERA_DATA_DIR, exit 1', async () => {
    const folder = dataDir('busy');
    rmSync(folder, { recursive: true, force: true });
    // This test process is alive, so its pid in the lock file marks the folder as taken.
    const { mkdirSync } = await import('node:fs');
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, 'tessera.lock'), String(process.pid));
    const run = await start({ TESSERA_DATA_DIR: folder, AUTHENTIK_LISTEN__HTTP: '127.0.0.1:0' });
    assert.equal(run.code, 1);
    const lines = run.stderr.split('\n').filter((line) => line.trim() !== '');
    assert.equal(lines.length, 1, run.stderr);
    assert.match(lines[0], /^tessera failed to start: .*TESSERA_DATA_DIR.*in use by another Tessera process/);
  });

  test('a data folder the embedded database cannot open: one line naming TESSERA_DATA_DIR, exit 1, unlocked', async () => {
    const folder = dataDir('not-a-cluster');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(folder, { recursive: true });
    // A cluster of another PostgreSQL version: PGlite's server refuses it.
    writeFileSync(path.join(folder, 'PG_VERSION'), '9\n');
    const run = await start({ TESSERA_DATA_DIR: folder, AUTHENTIK_LISTEN__HTTP: '127.0.0.1:0' });
    assert.equal(run.code, 1);
    const lines = run.stderr.split('\n').filter((line) => line.trim() !== '');
    assert.equal(lines.length, 1, run.stderr);
    assert.match(
      lines[0],
      /^tessera failed to start: cannot open the embedded database in .*\(TESSERA_DATA_DIR\)/,
    );
    assert.ok(!existsSync(path.join(folder, 'tessera.lock')), 'the data folder is unlocked');
  });

  test('a busy port: one line naming AUTHENTIK_LISTEN__HTTP, exit 1, the data folder unlocked', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as AddressInfo;
    const folder = dataDir('port');
    try {
      const run = await start({ TESSERA_DATA_DIR: folder, AUTHENTIK_LISTEN__HTTP: `127.0.0.1:${port}` });
      assert.equal(run.code, 1);
      const lines = run.stderr.split('\n').filter((line) => line.trim() !== '');
      assert.equal(lines.length, 1, run.stderr);
      assert.match(
        lines[0],
        new RegExp(
          `^tessera failed to start: cannot listen on 127\\.0\\.0\\.1:${port} \\(AUTHENTIK_LISTEN__HTTP\\): .*EADDRINUSE`,
        ),
      );
      assert.ok(!existsSync(path.join(folder, 'tessera.lock')));
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  test('an empty data folder: migrates, bootstraps, serves, and stops on SIGTERM; a restart reuses it', async () => {
    const folder = dataDir('fresh');
    const port = await freePort();
    const env = {
      TESSERA_DATA_DIR: folder,
      AUTHENTIK_LISTEN__HTTP: `127.0.0.1:${port}`,
      AUTHENTIK_BOOTSTRAP_TOKEN: 'start-token',
    };
    const checks: Promise<void>[] = [];
    const served = (run: (stop: () => void) => Promise<void>) => {
      let started = false;
      return (text: string, stop: () => void) => {
        if (started || !text.includes('Server listening')) return;
        started = true;
        checks.push(run(stop));
      };
    };
    const first = await start(
      env,
      served(async (stop) => {
        try {
          const ready = await fetch(`http://127.0.0.1:${port}/-/health/ready/`);
          assert.equal(ready.status, 200);
          const created = await fetch(`http://127.0.0.1:${port}/api/v3/stages/invitation/stages/`, {
            method: 'POST',
            headers: { authorization: 'Bearer start-token', 'content-type': 'application/json' },
            body: JSON.stringify({ name: 'made-before-restart' }),
          });
          assert.equal(created.status, 201);
        } finally {
          stop();
        }
      }),
    );
    await Promise.all(checks.splice(0));
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stderr, '');
    // Without AUTHENTIK_BOOTSTRAP_PASSWORD the log sends the operator to the initial setup.
    assert.match(first.stdout, new RegExp(`http://127\\.0\\.0\\.1:${port}/if/flow/initial-setup/`));
    assert.match(first.stdout, new RegExp(`http://127\\.0\\.0\\.1:${port}/if/admin/`));
    assert.ok(!existsSync(path.join(folder, 'tessera.lock')), 'the lock is released on shutdown');

    const second = await start(
      { ...env, AUTHENTIK_BOOTSTRAP_PASSWORD: 'chosen-at-restart' },
      served(async (stop) => {
        try {
          const list = await fetch(
            `http://127.0.0.1:${port}/api/v3/stages/invitation/stages/?name=made-before-restart`,
            { headers: { authorization: 'Bearer start-token' } },
          );
          assert.equal(((await list.json()) as { pagination: { count: number } }).pagination.count, 1);
        } finally {
          stop();
        }
      }),
    );
    await Promise.all(checks.splice(0));
    assert.equal(second.code, 0, second.stderr);
    // akadmin has a password now: the log says to sign in, and no longer offers the setup.
    assert.match(second.stdout, /sign in as akadmin/);
    assert.doesNotMatch(second.stdout, /initial-setup/);
  });
});
