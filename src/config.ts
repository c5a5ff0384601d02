/**
 * Configuration: read from the environment once, validated, then passed into `buildApp`.
 * Names follow authentik's (`AUTHENTIK_<SECTION>__<KEY>`, see authentik/lib/default.yml) where
 * authentik has one; Tessera's own settings are `TESSERA_*`.
 */
import path from 'node:path';
import { parseTimedelta } from './lib/timedelta.js';

/** The page sizes of every list (authentik's PAGE_SIZE and the paginator's cap). */
export interface PageSizeSettings {
  defaultPageSize: number;
  maxPageSize: number;
}

export interface DatabaseConfig {
  /** `postgres` when AUTHENTIK_POSTGRESQL__HOST is set, otherwise the embedded PGlite. */
  kind: 'postgres' | 'pglite';
  host: string;
  port: number;
  user: string;
  password: string;
  name: string;
  /** PGlite data folder; `memory://` keeps it in memory (tests). */
  dataDir: string;
  /**
   * TESSERA_EMBEDDED_OPTIMIZING_COMPILER: let V8 optimise PGlite's hottest functions, trading
   * memory for speed on heavy queries (docs/operations.md, "Sizing"). Off by default.
   */
  embeddedOptimizingCompiler?: boolean;
  poolSize: number;
  /** The settings below apply to PostgreSQL only; see docs/operations.md. */
  scale?: PostgresScaleConfig;
}

/** A PostgreSQL server to connect to (the primary, the direct endpoint or a replica). */
export interface PostgresEndpoint {
  host: string;
  port: number;
  user: string;
  password: string;
  name: string;
  /** authentik's `sslmode`, `sslrootcert`, `sslcert`, `sslkey`, per endpoint. */
  tls: PostgresTls;
}

/** libpq's sslmode values, as authentik passes them to psycopg. */
export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;

export interface PostgresTls {
  mode: (typeof SSL_MODES)[number];
  /** Paths of PEM files (AUTHENTIK_POSTGRESQL__SSLROOTCERT / SSLCERT / SSLKEY). */
  rootCert?: string;
  cert?: string;
  key?: string;
}

/** Running several instances against PostgreSQL: poolers, replicas, TLS and limits. */
export interface PostgresScaleConfig {
  /**
   * AUTHENTIK_POSTGRESQL__USE_PGBOUNCER: the host is a pooler in transaction mode, so no named
   * prepared statements and no session state go through it.
   */
  usePgbouncer: boolean;
  /**
   * authentik's `postgresql.direct.*`: a connection that bypasses the pooler, for LISTEN (the
   * change feed). Unset keys fall back to the primary's; undefined when no key is set.
   */
  direct: PostgresEndpoint | undefined;
  /** AUTHENTIK_POSTGRESQL__READ_REPLICAS__<n>__*: read-only list and retrieve traffic may go here. */
  replicas: PostgresEndpoint[];
  /** Seconds a client's reads stay on the primary after it wrote (TESSERA_POSTGRESQL_READ_REPLICA_PIN_SECONDS). */
  replicaPinSeconds: number;
  /** Seconds between checks of how far replicas lag (TESSERA_POSTGRESQL_READ_REPLICA_LAG_CHECK_SECONDS; 0 is off). */
  replicaLagCheckSeconds: number;
  /** The primary's TLS settings (the direct endpoint and replicas carry their own). */
  tls: PostgresTls;
  /** TESSERA_POSTGRESQL_STATEMENT_TIMEOUT_MS: 0 is no limit. */
  statementTimeoutMs: number;
  /** TESSERA_POSTGRESQL_CONNECT_ATTEMPTS: tries at start, a second apart, before giving up. */
  connectAttempts: number;
}

export interface EmailConfig {
  host: string;
  port: number;
  username: string;
  password: string;
  useTls: boolean;
  useSsl: boolean;
  from: string;
  timeoutSeconds: number;
}

export interface BootstrapConfig {
  token: string | undefined;
  password: string | undefined;
  email: string | undefined;
}

export interface Config {
  listen: { host: string; port: number };
  /** Proxies whose X-Forwarded-For is believed (authentik `listen.trusted_proxy_cidrs`). */
  trustedProxyCidrs: string[];
  database: DatabaseConfig;
  bootstrap: BootstrapConfig;
  email: EmailConfig;
  logLevel: 'trace' | 'debug' | 'info' | 'warning' | 'warn' | 'error' | 'fatal' | 'silent';
  /** Public base URL for links in emails; when empty the request's scheme and Host are used. */
  externalUrl: string;
  /** authentik's tenant `default_token_duration`, in seconds (default `days=1`). */
  defaultTokenDurationSeconds: number;
  /** authentik's tenant pagination settings (2026 defaults: 20 and 100). */
  pagination: PageSizeSettings;
  /** Unauthenticated session lifetime (authentik `sessions.unauthenticated_age`, default days=1). */
  sessionAgeSeconds: number;
  /** Seconds between runs of the expired-object cleanup (authentik runs it every 5 minutes). */
  cleanupIntervalSeconds: number;
  /** TESSERA_EMBEDDED_VACUUM_INTERVAL_SECONDS: how often the embedded database vacuums its busiest tables. */
  embeddedVacuumIntervalSeconds?: number;
  /** Event retention in seconds (authentik tenant `event_retention`, default days=365). */
  eventRetentionSeconds: number;
  /** What happens to invitations that can no longer be used (docs/operations.md). */
  invitations: InvitationRetentionConfig;
  /** TESSERA_DEBUG_STATS: serve /-/debug/ (statement counts and capture) to loopback clients. */
  debugStats?: boolean;
  /**
   * TESSERA_AUTH_CACHE_SECONDS: reuse an API-token lookup up to this long (default 60; 0 is
   * off); cleared on every change notification (src/api/authentication.ts TokenUserCache).
   */
  authCacheSeconds?: number;
  /**
   * Failures allowed per client address and window before it is answered 429
   * (src/api/rate-limit.ts): TESSERA_RATE_LIMIT_FAILED_AUTH, TESSERA_RATE_LIMIT_FAILED_INVITATIONS
   * (default 20 each; 0 turns one off) and TESSERA_RATE_LIMIT_WINDOW_SECONDS (default 60).
   */
  rateLimit?: { failedAuth: number; failedInvitations: number; windowSeconds: number };
  /**
   * AUTHENTIK_BLUEPRINTS_DIR: a folder whose blueprints (`*.yaml`, `*.yml`, any depth) are
   * applied at start, sorted by path; none when unset (authentik's default is `/blueprints`).
   */
  blueprintsDir?: string | null;
  /** Operating the server: metrics listener, shutdown (see `operations()`). */
  operations?: OperationsConfig;
  /** The delivery worker of the outbox (email and webhooks; docs/operations.md). */
  outbox: OutboxConfig;
  /** Outgoing webhooks (docs/webhooks.md). */
  webhooks: WebhooksConfig;
}

export interface OutboxConfig {
  /** TESSERA_OUTBOX_INTERVAL_SECONDS: how often each instance looks for due messages (default 30). */
  intervalSeconds: number;
  /** TESSERA_OUTBOX_MAX_ATTEMPTS: attempts before a message is marked failed (default 8). */
  maxAttempts: number;
  /** TESSERA_OUTBOX_RETRY_SECONDS: the first retry's delay, doubled on each further one (default 30). */
  retrySeconds: number;
  /**
   * TESSERA_OUTBOX_LEASE_SECONDS: how long a claimed message is left to its worker; a worker
   * that died leaves it due again once this has passed (default 300).
   */
  leaseSeconds: number;
}

export interface WebhooksConfig {
  /**
   * TESSERA_WEBHOOKS_ALLOW_PRIVATE: allow webhook URLs whose host is loopback, private,
   * link-local and the like (default false: they are refused, see docs/webhooks.md).
   */
  allowPrivate: boolean;
  /** TESSERA_WEBHOOKS_TIMEOUT_SECONDS: how long a delivery may take (default 10). */
  timeoutSeconds: number;
}

export interface OperationsConfig {
  /**
   * AUTHENTIK_LISTEN__METRICS: where Prometheus scrapes `/metrics` (authentik's default
   * `0.0.0.0:9300`), a listener of its own beside the API's; an empty value turns it off.
   */
  metricsListen: { host: string; port: number } | null;
  /**
   * TESSERA_SHUTDOWN_GRACE_SECONDS: on SIGTERM, how long requests in flight may take to finish
   * before their connections are closed (default 25, under the 30 s container runtimes wait
   * before they kill).
   */
  shutdownGraceSeconds: number;
  /** GIT_BUILD_HASH: the build's commit, reported by /api/v3/admin/version/ (empty for a release). */
  buildHash: string;
}

export class ConfigError extends Error {
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(`invalid configuration: ${setting}: ${message}`);
  }
}

/**
 * TESSERA_INVITATIONS_RETENTION: `keep` (default) keeps expired, used-up and revoked invitations
 * for TESSERA_INVITATIONS_RETENTION_DAYS (default 30) so their history can be read, and marks
 * a used single-use invitation `used_up` instead of deleting it; `authentik` deletes a
 * single-use invitation when it is used and every expired, used-up or revoked one at the next
 * clean-up, as authentik does (the days are then ignored).
 */
export interface InvitationRetentionConfig {
  mode: 'keep' | 'authentik';
  /** How long an invitation that ended is kept; 0 in `authentik` mode. */
  retentionDays: number;
}

export const INVITATION_RETENTION_MODES = ['keep', 'authentik'] as const;

type Env = Record<string, string | undefined>;

function str(env: Env, key: string, fallback: string): string {
  const value = env[key];
  return value === undefined || value === '' ? fallback : value;
}

function int(env: Env, key: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\s*\d+\s*$/.test(raw)) throw new ConfigError(key, `expected a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(key, `expected a number from ${min} to ${max}`);
  return value;
}

function bool(env: Env, key: string, fallback: boolean): boolean {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const lowered = raw.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(lowered)) return true;
  if (['false', '0', 'no', 'off'].includes(lowered)) return false;
  throw new ConfigError(key, `expected true or false, got "${raw}"`);
}

/**
 * A duration in authentik's timedelta form (`days=1;hours=2`), in seconds. authentik reads its
 * duration settings the same way; a negative one has no meaning for any setting here.
 */
function duration(env: Env, key: string, fallback: string): number {
  const raw = str(env, key, fallback);
  const seconds = parseTimedelta(raw);
  if (seconds === undefined || seconds < 0) {
    throw new ConfigError(key, `"${raw}" is not a duration such as "days=1;hours=2"`);
  }
  return seconds;
}

function invitationRetention(env: Env): InvitationRetentionConfig {
  const mode = str(env, 'TESSERA_INVITATIONS_RETENTION', 'keep');
  if (!(INVITATION_RETENTION_MODES as readonly string[]).includes(mode)) {
    throw new ConfigError(
      'TESSERA_INVITATIONS_RETENTION',
      `expected one of ${INVITATION_RETENTION_MODES.join(', ')}, got "${mode}"`,
    );
  }
  const days = int(env, 'TESSERA_INVITATIONS_RETENTION_DAYS', 30, 0, 36500);
  return mode === 'authentik' ? { mode, retentionDays: 0 } : { mode: 'keep', retentionDays: days };
}

// --- PostgreSQL at scale: pooler, direct endpoint, replicas, TLS, limits -------------------

function tls(env: Env, prefix: string, fallback?: PostgresTls): PostgresTls {
  const key = `${prefix}SSLMODE`;
  const mode = str(env, key, fallback?.mode ?? 'prefer');
  if (!(SSL_MODES as readonly string[]).includes(mode)) {
    throw new ConfigError(key, `expected one of ${SSL_MODES.join(', ')}, got "${mode}"`);
  }
  const file = (name: string, inherited: string | undefined) => env[`${prefix}${name}`] || inherited;
  return {
    mode: mode as PostgresTls['mode'],
    rootCert: file('SSLROOTCERT', fallback?.rootCert),
    cert: file('SSLCERT', fallback?.cert),
    key: file('SSLKEY', fallback?.key),
  };
}

/** An endpoint under `prefix` (`AUTHENTIK_POSTGRESQL__DIRECT__`), each unset key taken from `base`. */
function endpoint(env: Env, prefix: string, base: PostgresEndpoint): PostgresEndpoint {
  return {
    host: str(env, `${prefix}HOST`, base.host),
    port: int(env, `${prefix}PORT`, base.port, 1, 65535),
    user: str(env, `${prefix}USER`, base.user),
    password: str(env, `${prefix}PASSWORD`, base.password),
    name: str(env, `${prefix}NAME`, base.name),
    tls: tls(env, prefix, base.tls),
  };
}

/**
 * authentik reads `postgresql.read_replicas` as a list whose items the environment gives as
 * AUTHENTIK_POSTGRESQL__READ_REPLICAS__0__HOST, __1__HOST and so on; each replica's unset keys
 * fall back to the primary's.
 */
function replicas(env: Env, base: PostgresEndpoint): PostgresEndpoint[] {
  const indexes = new Set<number>();
  for (const key of Object.keys(env)) {
    const match = /^AUTHENTIK_POSTGRESQL__READ_REPLICAS__(\d+)__[A-Z]+$/.exec(key);
    if (match && env[key] !== '') indexes.add(Number(match[1]));
  }
  return [...indexes]
    .sort((a, b) => a - b)
    .map((index) => {
      const prefix = `AUTHENTIK_POSTGRESQL__READ_REPLICAS__${index}__`;
      if (!env[`${prefix}HOST`]) throw new ConfigError(`${prefix}HOST`, 'a read replica needs a host');
      return endpoint(env, prefix, base);
    });
}

function postgresScale(env: Env, primary: PostgresEndpoint): PostgresScaleConfig {
  const directPrefix = 'AUTHENTIK_POSTGRESQL__DIRECT__';
  const hasDirect = Object.keys(env).some((key) => key.startsWith(directPrefix) && env[key] !== '');
  return {
    usePgbouncer: bool(env, 'AUTHENTIK_POSTGRESQL__USE_PGBOUNCER', false),
    direct: hasDirect ? endpoint(env, directPrefix, primary) : undefined,
    replicas: replicas(env, primary),
    replicaPinSeconds: int(env, 'TESSERA_POSTGRESQL_READ_REPLICA_PIN_SECONDS', 10, 0, 3600),
    replicaLagCheckSeconds: int(env, 'TESSERA_POSTGRESQL_READ_REPLICA_LAG_CHECK_SECONDS', 1, 0, 3600),
    tls: primary.tls,
    statementTimeoutMs: int(env, 'TESSERA_POSTGRESQL_STATEMENT_TIMEOUT_MS', 30_000, 0, 3_600_000),
    connectAttempts: int(env, 'TESSERA_POSTGRESQL_CONNECT_ATTEMPTS', 30, 1, 3600),
  };
}

function database(env: Env): DatabaseConfig {
  const pgHost = env.AUTHENTIK_POSTGRESQL__HOST;
  const primary: PostgresEndpoint = {
    host: pgHost ?? '',
    port: int(env, 'AUTHENTIK_POSTGRESQL__PORT', 5432, 1, 65535),
    user: str(env, 'AUTHENTIK_POSTGRESQL__USER', 'authentik'),
    password: str(env, 'AUTHENTIK_POSTGRESQL__PASSWORD', ''),
    name: str(env, 'AUTHENTIK_POSTGRESQL__NAME', 'authentik'),
    tls: tls(env, 'AUTHENTIK_POSTGRESQL__'),
  };
  return {
    kind: pgHost ? 'postgres' : 'pglite',
    host: primary.host,
    port: primary.port,
    user: primary.user,
    password: primary.password,
    name: primary.name,
    dataDir: path.resolve(str(env, 'TESSERA_DATA_DIR', './data')),
    embeddedOptimizingCompiler: bool(env, 'TESSERA_EMBEDDED_OPTIMIZING_COMPILER', false),
    poolSize: int(env, 'TESSERA_POSTGRESQL_POOL_SIZE', 10, 1, 1000),
    scale: postgresScale(env, primary),
  };
}

function listen(
  env: Env,
  key = 'AUTHENTIK_LISTEN__HTTP',
  fallback = '0.0.0.0:9000',
): { host: string; port: number } {
  const raw = str(env, key, fallback);
  const match = /^(\[[^\]]+\]|[^:]*):(\d{1,5})$/.exec(raw.trim());
  if (!match) throw new ConfigError(key, `expected host:port, got "${raw}"`);
  const port = Number(match[2]);
  if (port > 65535) throw new ConfigError(key, `port ${port} is out of range`);
  const host = match[1].replace(/^\[|\]$/g, '') || '0.0.0.0';
  return { host, port };
}

function operations(env: Env): OperationsConfig {
  const metricsKey = 'AUTHENTIK_LISTEN__METRICS';
  return {
    metricsListen: env[metricsKey]?.trim() === '' ? null : listen(env, metricsKey, '0.0.0.0:9300'),
    shutdownGraceSeconds: int(env, 'TESSERA_SHUTDOWN_GRACE_SECONDS', 25, 0, 3600),
    buildHash: str(env, 'GIT_BUILD_HASH', ''),
  };
}

export function loadConfig(env: Env = process.env): Config {
  const logLevel = str(env, 'AUTHENTIK_LOG_LEVEL', 'info').toLowerCase();
  const levels = ['trace', 'debug', 'info', 'warning', 'warn', 'error', 'fatal', 'silent'];
  if (!levels.includes(logLevel)) {
    throw new ConfigError('AUTHENTIK_LOG_LEVEL', `expected one of ${levels.join(', ')}`);
  }
  const externalUrl = str(env, 'TESSERA_EXTERNAL_URL', '').replace(/\/+$/, '');
  if (externalUrl !== '' && !/^https?:\/\/[^/\s]+(\/\S*)?$/.test(externalUrl)) {
    throw new ConfigError('TESSERA_EXTERNAL_URL', `expected an http(s) URL, got "${externalUrl}"`);
  }
  const useTls = bool(env, 'AUTHENTIK_EMAIL__USE_TLS', false);
  const useSsl = bool(env, 'AUTHENTIK_EMAIL__USE_SSL', false);
  if (useTls && useSsl) {
    throw new ConfigError('AUTHENTIK_EMAIL__USE_SSL', 'USE_TLS and USE_SSL are mutually exclusive');
  }
  const defaultPageSize = int(env, 'TESSERA_PAGINATION_DEFAULT_PAGE_SIZE', 20, 1, 10000);
  const maxPageSize = int(env, 'TESSERA_PAGINATION_MAX_PAGE_SIZE', 100, 1, 10000);
  return {
    listen: listen(env),
    trustedProxyCidrs: str(
      env,
      'AUTHENTIK_LISTEN__TRUSTED_PROXY_CIDRS',
      '127.0.0.0/8,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fe80::/10,::1/128',
    )
      .split(',')
      .map((cidr) => cidr.trim())
      .filter(Boolean),
    database: database(env),
    bootstrap: {
      token: env.AUTHENTIK_BOOTSTRAP_TOKEN || undefined,
      password: env.AUTHENTIK_BOOTSTRAP_PASSWORD || undefined,
      email: env.AUTHENTIK_BOOTSTRAP_EMAIL || undefined,
    },
    email: {
      host: str(env, 'AUTHENTIK_EMAIL__HOST', 'localhost'),
      port: int(env, 'AUTHENTIK_EMAIL__PORT', 25, 1, 65535),
      username: str(env, 'AUTHENTIK_EMAIL__USERNAME', ''),
      password: str(env, 'AUTHENTIK_EMAIL__PASSWORD', ''),
      useTls,
      useSsl,
      from: str(env, 'AUTHENTIK_EMAIL__FROM', 'authentik@localhost'),
      timeoutSeconds: int(env, 'AUTHENTIK_EMAIL__TIMEOUT', 10, 1, 3600),
    },
    logLevel: logLevel as Config['logLevel'],
    externalUrl,
    defaultTokenDurationSeconds: duration(env, 'TESSERA_DEFAULT_TOKEN_DURATION', 'days=1'),
    pagination: { defaultPageSize, maxPageSize: Math.max(maxPageSize, 1) },
    sessionAgeSeconds: duration(env, 'AUTHENTIK_SESSIONS__UNAUTHENTICATED_AGE', 'days=1'),
    cleanupIntervalSeconds: int(env, 'TESSERA_CLEANUP_INTERVAL_SECONDS', 300, 1, 86400),
    embeddedVacuumIntervalSeconds: int(env, 'TESSERA_EMBEDDED_VACUUM_INTERVAL_SECONDS', 3600, 60, 604800),
    eventRetentionSeconds: duration(env, 'TESSERA_EVENT_RETENTION', 'days=365'),
    invitations: invitationRetention(env),
    debugStats: bool(env, 'TESSERA_DEBUG_STATS', false),
    authCacheSeconds: int(env, 'TESSERA_AUTH_CACHE_SECONDS', 60, 0, 3600),
    rateLimit: {
      failedAuth: int(env, 'TESSERA_RATE_LIMIT_FAILED_AUTH', 20, 0, 1_000_000),
      failedInvitations: int(env, 'TESSERA_RATE_LIMIT_FAILED_INVITATIONS', 20, 0, 1_000_000),
      windowSeconds: int(env, 'TESSERA_RATE_LIMIT_WINDOW_SECONDS', 60, 1, 86400),
    },
    blueprintsDir: str(env, 'AUTHENTIK_BLUEPRINTS_DIR', '') || null,
    operations: operations(env),
    outbox: {
      intervalSeconds: int(env, 'TESSERA_OUTBOX_INTERVAL_SECONDS', 30, 1, 86400),
      maxAttempts: int(env, 'TESSERA_OUTBOX_MAX_ATTEMPTS', 8, 1, 100),
      retrySeconds: int(env, 'TESSERA_OUTBOX_RETRY_SECONDS', 30, 1, 86400),
      leaseSeconds: int(env, 'TESSERA_OUTBOX_LEASE_SECONDS', 300, 10, 86400),
    },
    webhooks: {
      allowPrivate: bool(env, 'TESSERA_WEBHOOKS_ALLOW_PRIVATE', false),
      timeoutSeconds: int(env, 'TESSERA_WEBHOOKS_TIMEOUT_SECONDS', 10, 1, 300),
    },
  };
}

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
  }
}
