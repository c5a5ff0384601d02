/**
 * PostgreSQL connections for one or many instances: TLS as authentik's `sslmode` settings say,
 * a pooler in transaction mode (no named statements), a statement timeout, a retry while the
 * server is not up yet, and read-only requests spread over read replicas
 * (src/db/read-routing.ts). docs/operations.md describes the settings.
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import pg from 'pg';
import type { PostgresEndpoint, PostgresTls } from '../config.js';

/** TLS that encrypts without checking the certificate: libpq's `require` without a root certificate. */
function unverified(files: Pick<ConnectionOptions, 'cert' | 'key'>): ConnectionOptions {
  return { ...files, rejectUnauthorized: false, checkServerIdentity: () => undefined };
}

/**
 * node-postgres's TLS options for libpq's `sslmode`, for the first connection. `disable` is
 * plain text; `allow` starts in plain text and `prefer` (authentik's default) with unverified
 * TLS, each switching to the other when the server refuses it (`negotiateTls`); `require`
 * encrypts without checking the certificate unless a root certificate is given, which libpq
 * then treats as `verify-ca`; `verify-ca` checks the chain; `verify-full` also the host name.
 */
export function tlsOptions(tls: PostgresTls): false | ConnectionOptions {
  const read = (file: string | undefined, setting: string): string | undefined => {
    if (!file) return undefined;
    try {
      return readFileSync(file, 'utf8');
    } catch (error) {
      throw new Error(`cannot read ${file} (AUTHENTIK_POSTGRESQL__${setting}): ${(error as Error).message}`);
    }
  };
  const files = {
    cert: read(tls.cert, 'SSLCERT'),
    key: read(tls.key, 'SSLKEY'),
  };
  if (tls.mode === 'disable' || tls.mode === 'allow') return false;
  if (tls.mode === 'prefer') return unverified(files);
  const ca = read(tls.rootCert, 'SSLROOTCERT');
  const verify = tls.mode !== 'require' || ca !== undefined;
  return {
    ...files,
    ca,
    rejectUnauthorized: verify,
    // verify-ca trusts any host name the certificate carries, as libpq does.
    ...(tls.mode === 'verify-full' ? {} : { checkServerIdentity: () => undefined }),
  };
}

/**
 * The other way to connect under `allow` and `prefer`, when `error` says the server refused
 * this one: a server without TLS answers a TLS request "does not support SSL", and a server
 * whose pg_hba.conf takes only TLS (`hostssl`) refuses plain text with "no encryption"
 * (libpq's fallbacks for the two modes). Undefined when there is nothing else to try.
 */
export function tlsFallback(
  tls: PostgresTls,
  current: pg.ClientConfig['ssl'],
  error: unknown,
): pg.ClientConfig['ssl'] | undefined {
  const message = (error as Error | undefined)?.message ?? '';
  if (tls.mode === 'prefer' && current && /does not support SSL/i.test(message)) return false;
  if (tls.mode === 'allow' && !current && /no encryption/i.test(message)) {
    return tlsOptions({ ...tls, mode: 'prefer' });
  }
  return undefined;
}

/**
 * Settles `allow` and `prefer` for a pool before it serves: one connection tries the mode's
 * first way and, when the server refuses it, the pool switches to the other for every
 * connection it opens. Errors other than a refusal of TLS or plain text are thrown.
 */
export async function negotiateTls(pool: pg.Pool, tls: PostgresTls): Promise<void> {
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    const options = (pool as unknown as { options: pg.PoolConfig }).options;
    const fallback = tlsFallback(tls, options.ssl, error);
    if (fallback === undefined) throw error;
    options.ssl = fallback;
    await pool.query('SELECT 1');
  }
}

/** An endpoint's node-postgres settings with `allow` and `prefer` settled by one trial connection. */
export async function negotiatedClientConfig(endpoint: PostgresEndpoint): Promise<pg.ClientConfig> {
  const config = clientConfig(endpoint);
  if (endpoint.tls.mode !== 'allow' && endpoint.tls.mode !== 'prefer') return config;
  const trial = new pg.Pool({ ...config, max: 1 });
  try {
    await negotiateTls(trial, endpoint.tls);
    return { ...config, ssl: poolTls(trial) };
  } finally {
    await trial.end();
  }
}

/** The TLS options a pool's connections use now (after `negotiateTls`). */
export function poolTls(pool: pg.Pool): pg.ClientConfig['ssl'] {
  return (pool as unknown as { options: pg.PoolConfig }).options.ssl;
}

/** The node-postgres settings of an endpoint. */
export function clientConfig(endpoint: PostgresEndpoint): pg.ClientConfig {
  return {
    host: endpoint.host,
    port: endpoint.port,
    user: endpoint.user,
    password: endpoint.password,
    database: endpoint.name,
    ssl: tlsOptions(endpoint.tls),
  };
}

/**
 * A client that never names a statement. A pooler in transaction mode hands each transaction
 * to whichever server connection is free, where a statement prepared on another one does not
 * exist (pgbouncer before 1.21 cannot track them at all), so under AUTHENTIK_POSTGRESQL__USE_PGBOUNCER
 * every statement is parsed afresh.
 */
class UnnamedStatementClient extends pg.Client {
  override query(...args: unknown[]): never {
    const [first] = args;
    if (first && typeof first === 'object' && 'name' in first && (first as { name?: string }).name) {
      args[0] = { ...(first as object), name: undefined };
    }
    return (super.query as (...a: unknown[]) => never)(...args);
  }
}

export interface PoolOptions {
  max: number;
  statementTimeoutMs: number;
  usePgbouncer: boolean;
}

export function createPool(endpoint: PostgresEndpoint, options: PoolOptions): pg.Pool {
  const pool = new pg.Pool({
    ...clientConfig(endpoint),
    max: options.max,
    // Sent as a startup parameter, so it holds for every statement of every connection; a
    // pooler refuses startup parameters it does not know (see docs/operations.md for how to
    // limit statements behind one).
    ...(options.statementTimeoutMs > 0 && !options.usePgbouncer
      ? { statement_timeout: options.statementTimeoutMs }
      : {}),
    ...(options.usePgbouncer ? { Client: UnnamedStatementClient } : {}),
  });
  // A pool error (for example the server restarting) must not crash the process; the next
  // query reports it to its caller.
  pool.on('error', () => undefined);
  return pool;
}

/** Errors that mean "not reachable yet", worth another try, as opposed to a refusal. */
const RETRYABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  // the database system is starting up / shutting down; too many connections
  '57P03',
  '57P01',
  '53300',
]);

export function isUnavailable(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  return (
    (code !== undefined && RETRYABLE_CODES.has(code)) ||
    /Connection terminated|timeout expired/i.test(message ?? '')
  );
}

/**
 * Waits for the server to accept a connection, like authentik's wait_for_db: a try a second
 * for `attempts` tries, each failed one reported by `log`, settling `allow` and `prefer` on the
 * way (`negotiateTls`). A refusal that waiting cannot cure (a wrong password, a missing
 * database) fails at once.
 */
export async function waitForServer(
  pool: pg.Pool,
  where: string,
  attempts: number,
  log: (line: string) => void,
  tls: PostgresTls = { mode: 'disable' },
): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await negotiateTls(pool, tls);
      return;
    } catch (error) {
      const reason = (error as Error).message;
      if (!isUnavailable(error)) throw error;
      if (attempt >= attempts) {
        throw new Error(
          `PostgreSQL at ${where} did not accept a connection in ${attempts} attempt${attempts === 1 ? '' : 's'} a second apart ` +
            `(TESSERA_POSTGRESQL_CONNECT_ATTEMPTS): ${reason}`,
        );
      }
      log(
        `waiting for PostgreSQL at ${where} to accept connections (attempt ${attempt} of ${attempts}): ${reason}`,
      );
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}
