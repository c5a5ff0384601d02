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

/** The parts of node-postgres's protocol connection a query writes its messages with. */
interface ProtocolConnection {
  parse(message: { text: string; name: string; types: number[] }): void;
  bind(message: { portal: string; statement: string; values: unknown[] }): void;
  execute(message: { portal: string; rows: number }): void;
}

/** The methods of node-postgres's Query (lib/query.js) a query with a prefix overrides. */
interface QueryInternals {
  text: string;
  requiresPreparation(): boolean;
  prepare(connection: ProtocolConnection): void;
  submit(connection: ProtocolConnection): Error | null;
  handleRowDescription(message: unknown): void;
  handleDataRow(message: unknown): void;
  handleCommandComplete(message: unknown, connection: ProtocolConnection): void;
}

type QueryCallback = (error: Error | null, result?: unknown) => void;
const BaseQuery = pg.Query as unknown as new (
  config: unknown,
  values: unknown,
  callback: QueryCallback | undefined,
) => QueryInternals;

/**
 * A statement that limits its own transaction's time. The statement timeout is session state,
 * which a pooler in transaction mode does not keep (a startup parameter is refused, a `SET`
 * stays on whichever server connection ran it), so a statement that opens a transaction, its
 * own implicit one or a `BEGIN`, first runs `set_config('statement_timeout', ..., true)`: local
 * to that transaction, and written in the same round trip. With parameters, its Parse, Bind and
 * Execute go ahead of the statement's before the one Sync, so both run in one implicit
 * transaction on one server connection; without, it leads the simple query (a `BEGIN` after it
 * turns that implicit transaction into the explicit one, which keeps the setting until it
 * ends). The prefix's own answer (a row and its completion) is dropped, so the caller sees the
 * statement's alone. Statements inside a transaction need nothing: its start set the limit.
 */
class TimeLimitedQuery extends BaseQuery {
  private answeringPrefix = false;

  constructor(
    config: unknown,
    values: unknown,
    callback: QueryCallback | undefined,
    private readonly opensTransaction: () => boolean,
    private readonly timeoutMs: number,
  ) {
    super(config, values, callback);
  }

  override submit(connection: ProtocolConnection): Error | null {
    this.answeringPrefix = this.opensTransaction();
    if (this.answeringPrefix && !this.requiresPreparation()) {
      this.text = `SELECT set_config('statement_timeout', '${this.timeoutMs}', true); ${this.text}`;
    }
    return super.submit(connection);
  }

  override prepare(connection: ProtocolConnection): void {
    if (this.answeringPrefix) {
      connection.parse({ text: "SELECT set_config('statement_timeout', $1, true)", name: '', types: [] });
      connection.bind({ portal: '', statement: '', values: [String(this.timeoutMs)] });
      connection.execute({ portal: '', rows: 0 });
    }
    super.prepare(connection);
  }

  override handleRowDescription(message: unknown): void {
    if (!this.answeringPrefix) super.handleRowDescription(message);
  }

  override handleDataRow(message: unknown): void {
    if (!this.answeringPrefix) super.handleDataRow(message);
  }

  override handleCommandComplete(message: unknown, connection: ProtocolConnection): void {
    if (this.answeringPrefix) this.answeringPrefix = false;
    else super.handleCommandComplete(message, connection);
  }
}

/**
 * The client behind a pooler in transaction mode (AUTHENTIK_POSTGRESQL__USE_PGBOUNCER). It never
 * names a statement: the pooler hands each transaction to whichever server connection is free,
 * where a statement prepared on another one does not exist (pgbouncer before 1.21 cannot track
 * them at all), so every statement is parsed afresh. With a statement timeout, every
 * transaction sets it for itself (TimeLimitedQuery).
 */
function pooledClient(statementTimeoutMs: number): typeof pg.Client {
  return class PooledClient extends pg.Client {
    override query(...args: unknown[]): never {
      const [first, second, third] = args;
      let config = first;
      if (first && typeof first === 'object' && 'name' in first && (first as { name?: string }).name) {
        config = { ...(first as object), name: undefined };
      }
      const custom = typeof (config as { submit?: unknown } | null)?.submit === 'function';
      if (statementTimeoutMs <= 0 || custom) {
        return (super.query as (...a: unknown[]) => never)(config, ...args.slice(1));
      }
      const callback = (typeof second === 'function' ? second : third) as QueryCallback | undefined;
      const values = typeof second === 'function' ? undefined : second;
      let answer: Promise<unknown> | undefined;
      let done = callback;
      if (!done) {
        answer = new Promise((resolve, reject) => {
          done = (error, result) => (error ? reject(error) : resolve(result));
        });
      }
      // ReadyForQuery's transaction status, which node-postgres keeps: idle means the next
      // statement opens a transaction.
      const opensTransaction = () => (this as unknown as { _txStatus?: string })._txStatus === 'I';
      const query = new TimeLimitedQuery(config, values, done, opensTransaction, statementTimeoutMs);
      (super.query as (...a: unknown[]) => unknown)(query);
      return answer as never;
    }
  };
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
    // Sent as a startup parameter, so it holds for every statement of every connection. A
    // pooler refuses startup parameters it does not know, and would not keep one per client
    // anyway: behind one each transaction sets it for itself (pooledClient).
    ...(options.statementTimeoutMs > 0 && !options.usePgbouncer
      ? { statement_timeout: options.statementTimeoutMs }
      : {}),
    ...(options.usePgbouncer ? { Client: pooledClient(options.statementTimeoutMs) } : {}),
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
