/**
 * `tessera serve` (also `npm start`, through src/server.ts): opens the database while the
 * application's modules load, listens on AUTHENTIK_LISTEN__HTTP and serves Prometheus metrics
 * on a listener of its own (AUTHENTIK_LISTEN__METRICS). SIGTERM or SIGINT closes it within
 * TESSERA_SHUTDOWN_GRACE_SECONDS and exits 0. Whatever stops the start is reported as one
 * line that names the setting behind it, with a non-zero exit status.
 */
import type { Server } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Command } from 'commander';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import { CliError, EXIT_CONFIG, cliConfig, messageOf, openFailure, rootCause } from './runtime.js';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the server (the same as `npm start`)')
    .action(async () => {
      await serve();
    });
}

async function listenOn(server: Server, host: string, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Starts the server; on failure prints one line and exits non-zero. */
export async function serve(): Promise<void> {
  try {
    await start(cliConfig());
  } catch (error) {
    // A bad setting is its own message (`invalid configuration: <setting>: ...`).
    const badSetting = error instanceof CliError && error.exitCode === EXIT_CONFIG;
    console.error(badSetting ? error.message : `tessera failed to start: ${messageOf(error)}`);
    process.exit(error instanceof CliError ? error.exitCode : 1);
  }
}

async function start(config: Config): Promise<void> {
  // The database opens while the application's modules load and the app is built: PGlite
  // starts on a thread of its own and holds the app's statements until it is open and migrated
  // (src/db/pglite-thread.ts).
  const { openDatabase } = await import('../db/client.js');
  const opening = openDatabase(config.database);
  opening.catch(() => undefined);
  const [{ buildApp }, prometheus] = await Promise.all([
    import('../app.js'),
    import('../root/prometheus.js'),
  ]);
  let database: Database;
  try {
    database = await opening;
  } catch (error) {
    throw openFailure(config, error);
  }
  const registry = new prometheus.Registry();
  const metrics = prometheus.prometheusMetrics(registry, database);
  const building = buildApp(config, { database, metrics });
  // Awaited below; until then a failure must not count as an unhandled rejection.
  building.catch(() => undefined);
  // A database that cannot open fails the build too; its own message is the one to report,
  // once the data folder is unlocked again.
  try {
    await database.ready;
  } catch (error) {
    await database.close().catch(() => undefined);
    throw openFailure(config, error);
  }
  const app = await building;
  const metricsServer = prometheus.metricsListener(registry);
  const graceSeconds = config.operations?.shutdownGraceSeconds ?? 25;
  const { closeWithin, trackRequests } = await import('../root/shutdown.js');
  const requests = trackRequests(app.server);
  const close = async () => {
    metricsServer.close(() => undefined);
    await closeWithin(app, graceSeconds, requests);
    await database.close();
  };
  const shutdown = async (signal: string) => {
    app.log.info({ signal, graceSeconds }, 'shutting down');
    try {
      await close();
    } catch (error) {
      app.log.error({ err: error }, 'shutdown failed');
    }
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  const { host, port } = config.listen;
  try {
    await app.listen({ host, port });
  } catch (error) {
    await close().catch(() => undefined);
    throw new CliError(
      `cannot listen on ${host}:${port} (AUTHENTIK_LISTEN__HTTP): ${messageOf(rootCause(error))}`,
    );
  }
  const metricsAt = config.operations?.metricsListen;
  if (metricsAt) {
    try {
      await listenOn(metricsServer, metricsAt.host, metricsAt.port);
      app.log.info({ address: `${metricsAt.host}:${metricsAt.port}` }, 'metrics listening at /metrics');
    } catch (error) {
      await close().catch(() => undefined);
      throw new CliError(
        `cannot listen on ${metricsAt.host}:${metricsAt.port} (AUTHENTIK_LISTEN__METRICS): ${messageOf(rootCause(error))}`,
      );
    }
  }
  await logWhereToGo(app, config, database);
}

/** The base URL an operator opens: TESSERA_EXTERNAL_URL, else the listening address. */
function baseUrl(config: Config): string {
  if (config.externalUrl) return config.externalUrl;
  const { host, port } = config.listen;
  const name = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `http://${name}:${port}`;
}

/** Where to go next, as authentik's documentation tells a new install. */
async function logWhereToGo(app: FastifyInstance, config: Config, database: Database): Promise<void> {
  const base = baseUrl(config);
  const admin = `${base}/if/admin/`;
  const { initialSetupOpen } = await import('../blueprints/default/initial-setup.policy.js');
  if (await initialSetupOpen(database.db)) {
    app.log.info(
      { admin, initial_setup: `${base}/if/flow/initial-setup/` },
      `akadmin has no password yet: set it at ${base}/if/flow/initial-setup/, then manage Tessera at ${admin}`,
    );
  } else {
    app.log.info({ admin }, `manage Tessera at ${admin} (sign in as akadmin)`);
  }
}
