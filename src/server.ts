/** Entry point: load the configuration, build the app, listen, and shut down cleanly. */
import { buildApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';

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
  const app = await buildApp(config);
  const shutdown = async (signal: string) => {
    app.log.info({ signal }, 'shutting down');
    await app.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  await app.listen({ host: config.listen.host, port: config.listen.port });
}

main().catch((error: unknown) => {
  console.error(`tessera failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
