/** `tessera migrate`: brings the database's schema up to date, as the server does at start. */
import type { Command } from 'commander';
import { action, cliConfig, withDatabase } from './runtime.js';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('apply the database migrations and exit (the server also applies them when it starts)')
    .action(
      action(async () => {
        const config = cliConfig();
        // Opening the database runs the migrations (src/db/client.ts).
        const kind = await withDatabase(config, async (database) => database.kind);
        console.log(
          `database migrated (${kind === 'postgres' ? config.database.name : config.database.dataDir})`,
        );
      }),
    );
}
