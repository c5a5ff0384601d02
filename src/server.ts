/**
 * Entry point: load the configuration, open the database, build the app, listen, and shut down
 * cleanly. Whatever stops the start is reported as one line on stderr that names the setting
 * behind it, with a non-zero exit status (78, EX_CONFIG, for a bad setting).
 */
import { ConfigError, loadConfig, type Config } from './config.js';
import { openDatabase, type Database } from './db/client.js';
import { initialSetupOpen } from './flows/blueprints/initial-setup.policy.js';

/** The innermost cause of an error (drizzle wraps driver errors in "Failed query: ..."). */
function rootCause(error: unknown): unknown {
  let current = error;
  for (let depth = 0; depth < 8; depth += 1) {
    const cause = (current as { cause?: unknown } | null)?.cause;
    if (cause === undefined || cause === null) break;
    current = cause;
  }
  return current;
}

function messageOf(error: unknown): string {
  const text =
    error instanceof Error
      ? error.message
      : typeof error === 'object' && error !== null && 'message' in error
        ? String((error as { message: unknown }).message)
        : String(error);
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

function fail(line: string, status = 1): never {
  console.error(`tessera failed to start: ${line}`);
  process.exit(status);
}

/** Says why the database could not be opened, naming the settings behind it, and exits. */
function failToOpen(config: Config, error: unknown): never {
  const settings = config.database;
  const reason = messageOf(rootCause(error));
  if (settings.kind === 'postgres') {
    fail(
      `cannot use PostgreSQL database "${settings.name}" at ${settings.host}:${settings.port} as "${settings.user}" ` +
        `(AUTHENTIK_POSTGRESQL__HOST/__PORT/__USER/__PASSWORD/__NAME): ${reason}`,
    );
  }
  fail(`cannot open the embedded database in ${settings.dataDir} (TESSERA_DATA_DIR): ${reason}`);
}

async function open(config: Config): Promise<Database> {
  try {
    return await openDatabase(config.database);
  } catch (error) {
    failToOpen(config, error);
  }
}

/** The base URL an operator opens: TESSERA_EXTERNAL_URL, else the listening address. */
function baseUrl(config: Config): string {
  if (config.externalUrl) return config.externalUrl;
  const { host, port } = config.listen;
  const name = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `http://${name}:${port}`;
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(78);
    }
    throw error;
  }
  // The database opens while the application's modules load and the app is built: PGlite
  // starts on a thread of its own and holds the app's statements until it is open and migrated
  // (src/db/pglite-thread.ts).
  const opening = open(config);
  const { buildApp } = await import('./app.js');
  const database = await opening;
  const building = buildApp(config, { database });
  // Awaited below; until then a failure must not count as an unhandled rejection.
  building.catch(() => undefined);
  // A database that cannot open fails the build too; its own message is the one to report,
  // once the data folder is unlocked again.
  await database.ready.catch(async (error: unknown) => {
    await database.close().catch(() => undefined);
    failToOpen(config, error);
  });
  const app = await building;
  const close = async () => {
    await app.close();
    await database.close();
  };
  const shutdown = async (signal: string) => {
    app.log.info({ signal }, 'shutting down');
    await close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  const { host, port } = config.listen;
  try {
    await app.listen({ host, port });
  } catch (error) {
    await close().catch(() => undefined);
    fail(`cannot listen on ${host}:${port} (AUTHENTIK_LISTEN__HTTP): ${messageOf(rootCause(error))}`);
  }
  // Where to go next, as authentik's documentation tells a new install.
  const base = baseUrl(config);
  const admin = `${base}/if/admin/`;
  if (await initialSetupOpen(database.db)) {
    app.log.info(
      { admin, initial_setup: `${base}/if/flow/initial-setup/` },
      `akadmin has no password yet: set it at ${base}/if/flow/initial-setup/, then manage Tessera at ${admin}`,
    );
  } else {
    app.log.info({ admin }, `manage Tessera at ${admin} (sign in as akadmin)`);
  }
}

main().catch((error: unknown) => fail(messageOf(error)));
