/**
 * Configuration: read from the environment once, validated, then passed into `buildApp`.
 * Names follow authentik's (`AUTHENTIK_<SECTION>__<KEY>`, see authentik/lib/default.yml) where
 * authentik has one; Tessera's own settings are `TESSERA_*`.
 */
import path from 'node:path';
import type { PageSizeSettings } from './api/pagination.js';
import { parseTimedelta } from './lib/timedelta.js';

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
  poolSize: number;
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
  /** Event retention in seconds (authentik tenant `event_retention`, default days=365). */
  eventRetentionSeconds: number;
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
}

export class ConfigError extends Error {
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(`invalid configuration: ${setting}: ${message}`);
  }
}

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

function listen(env: Env): { host: string; port: number } {
  const key = 'AUTHENTIK_LISTEN__HTTP';
  const raw = str(env, key, '0.0.0.0:9000');
  const match = /^(\[[^\]]+\]|[^:]*):(\d{1,5})$/.exec(raw.trim());
  if (!match) throw new ConfigError(key, `expected host:port, got "${raw}"`);
  const port = Number(match[2]);
  if (port > 65535) throw new ConfigError(key, `port ${port} is out of range`);
  const host = match[1].replace(/^\[|\]$/g, '') || '0.0.0.0';
  return { host, port };
}

export function loadConfig(env: Env = process.env): Config {
  const pgHost = env.AUTHENTIK_POSTGRESQL__HOST;
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
    database: {
      kind: pgHost ? 'postgres' : 'pglite',
      host: pgHost ?? '',
      port: int(env, 'AUTHENTIK_POSTGRESQL__PORT', 5432, 1, 65535),
      user: str(env, 'AUTHENTIK_POSTGRESQL__USER', 'authentik'),
      password: str(env, 'AUTHENTIK_POSTGRESQL__PASSWORD', ''),
      name: str(env, 'AUTHENTIK_POSTGRESQL__NAME', 'authentik'),
      dataDir: path.resolve(str(env, 'TESSERA_DATA_DIR', './data')),
      poolSize: int(env, 'TESSERA_POSTGRESQL_POOL_SIZE', 10, 1, 1000),
    },
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
    eventRetentionSeconds: duration(env, 'TESSERA_EVENT_RETENTION', 'days=365'),
    debugStats: bool(env, 'TESSERA_DEBUG_STATS', false),
    authCacheSeconds: int(env, 'TESSERA_AUTH_CACHE_SECONDS', 60, 0, 3600),
    rateLimit: {
      failedAuth: int(env, 'TESSERA_RATE_LIMIT_FAILED_AUTH', 20, 0, 1_000_000),
      failedInvitations: int(env, 'TESSERA_RATE_LIMIT_FAILED_INVITATIONS', 20, 0, 1_000_000),
      windowSeconds: int(env, 'TESSERA_RATE_LIMIT_WINDOW_SECONDS', 60, 1, 86400),
    },
  };
}

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
  }
}
