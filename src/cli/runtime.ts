/**
 * What every command shares: the server's configuration (src/config.ts), the database opened
 * directly (PGlite folder or PostgreSQL, migrated as the server would), and one way to fail:
 * a `CliError` becomes one line on stderr and a non-zero exit status, after the database is
 * closed, so that a command leaves nothing half-done behind it.
 */
import { ConfigError, loadConfig, type Config } from '../config.js';
import type { Database } from '../db/client.js';
import type { AuthUser } from '../api/context.js';
import { ApiError } from '../api/errors.js';

/** EX_CONFIG: the configuration is wrong (sysexits.h), as the server exits on one. */
export const EXIT_CONFIG = 78;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** The innermost cause of an error (drizzle wraps driver errors in "Failed query: ..."). */
export function rootCause(error: unknown): unknown {
  let current = error;
  for (let depth = 0; depth < 8; depth += 1) {
    const cause = (current as { cause?: unknown } | null)?.cause;
    if (cause === undefined || cause === null) break;
    current = cause;
  }
  return current;
}

/** An error as one line of text; an ApiError as the field messages its body holds. */
export function messageOf(error: unknown): string {
  if (error instanceof ApiError) return flattenErrorBody(error.body);
  const text =
    error instanceof Error
      ? error.message
      : typeof error === 'object' && error !== null && 'message' in error
        ? String((error as { message: unknown }).message)
        : String(error);
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

function flattenErrorBody(body: unknown, field?: string): string {
  if (typeof body === 'string')
    return field && field !== 'non_field_errors' && field !== 'detail' ? `${field}: ${body}` : body;
  if (Array.isArray(body)) return body.map((item) => flattenErrorBody(item, field)).join('; ');
  if (body && typeof body === 'object') {
    return Object.entries(body)
      .map(([key, value]) => flattenErrorBody(value, field ? `${field}.${key}` : key))
      .join('; ');
  }
  return String(body);
}

export function cliConfig(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message, EXIT_CONFIG);
    throw error;
  }
}

/** Why the database could not be opened, naming the settings behind it. */
export function openFailure(config: Config, error: unknown): CliError {
  const settings = config.database;
  const reason = messageOf(rootCause(error));
  if (settings.kind === 'postgres') {
    return new CliError(
      `cannot use PostgreSQL database "${settings.name}" at ${settings.host}:${settings.port} as "${settings.user}" ` +
        `(AUTHENTIK_POSTGRESQL__HOST/__PORT/__USER/__PASSWORD/__NAME): ${reason}`,
    );
  }
  const busy = /in use by another Tessera process/.test(reason)
    ? ' (the embedded database can be open in one process only: stop the server to run this command, ' +
      'or use the API)'
    : '';
  return new CliError(
    `cannot open the embedded database in ${settings.dataDir} (TESSERA_DATA_DIR): ${reason}${busy}`,
  );
}

/**
 * Loads every feature's modules, as the server does: each stage type declares its model (its
 * permissions, its objects for grants, its blueprint handler) as its folder loads, so a command
 * that syncs the permission catalogue or imports blueprints needs them all loaded first.
 */
export async function loadFeatures(): Promise<void> {
  await import('../app.js');
}

/** Opens the configured database and waits until it is migrated. */
export async function openCliDatabase(config: Config): Promise<Database> {
  const { openDatabase } = await import('../db/client.js');
  let database: Database;
  try {
    database = await openDatabase(config.database);
  } catch (error) {
    throw openFailure(config, error);
  }
  try {
    await database.ready;
  } catch (error) {
    await database.close().catch(() => undefined);
    throw openFailure(config, error);
  }
  return database;
}

/** Runs `work` with the database open, and closes it whatever happens. */
export async function withDatabase<T>(config: Config, work: (database: Database) => Promise<T>): Promise<T> {
  const database = await openCliDatabase(config);
  try {
    return await work(database);
  } finally {
    await database.close();
  }
}

/** The user a command acts as; a missing or inactive one is refused. */
export async function actingUser(database: Database, username: string): Promise<AuthUser> {
  const { findAuthUserByUsername } = await import('../core/users/user.repository.js');
  const user = await findAuthUserByUsername(database.db, username);
  if (!user) throw new CliError(`no user "${username}" (run \`tessera bootstrap\` to create akadmin)`);
  if (!user.is_active) throw new CliError(`user "${username}" is inactive`);
  return user;
}

/**
 * The base of links the server hands out: TESSERA_EXTERNAL_URL, or else the listen address
 * (a wildcard address as localhost).
 */
export function publicBase(config: Config): string {
  if (config.externalUrl) return config.externalUrl;
  const { host, port } = config.listen;
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${port}`;
}

/**
 * Runs a command's action: a CliError (or any failure) is printed as one line with the
 * `tessera:` prefix and sets the exit status.
 */
export function action<A extends unknown[]>(
  run: (...args: A) => Promise<void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await run(...args);
    } catch (error) {
      const exitCode = error instanceof CliError ? error.exitCode : 1;
      console.error(`tessera: ${messageOf(error)}`);
      process.exitCode = exitCode;
    }
  };
}
