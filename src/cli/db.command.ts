/**
 * `tessera db export FILE`: the embedded database as SQL that `psql -f FILE` loads into an
 * empty PostgreSQL database, the way off PGlite once one process is not enough
 * (docs/operations.md). The server must be stopped: PGlite opens its folder in one process only.
 */
import type { Command } from 'commander';
import { action, cliConfig, CliError } from './runtime.js';

export function registerDb(program: Command): void {
  const db = program.command('db').description('move the embedded database to PostgreSQL');
  db.command('export')
    .description('write the embedded database (TESSERA_DATA_DIR) as SQL that psql loads into PostgreSQL')
    .argument('<file>', 'where to write the SQL dump')
    .action(
      action(async (file: string) => {
        const { database } = cliConfig();
        if (database.kind !== 'pglite') {
          throw new CliError(
            'db export moves the embedded database; with AUTHENTIK_POSTGRESQL__HOST set, use pg_dump',
          );
        }
        const { exportEmbeddedDatabase } = await import('../db/export.js');
        const bytes = await exportEmbeddedDatabase(database.dataDir, file);
        console.log(
          `wrote ${file} (${bytes} bytes) from ${database.dataDir}; load it with: psql -v ON_ERROR_STOP=1 -f ${file}`,
        );
      }),
    );
}
