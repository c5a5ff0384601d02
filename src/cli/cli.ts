/**
 * The `tessera` command line (authentik's `ak` management commands). It reads the server's
 * configuration (src/config.ts) and opens the database directly. Each command lives in
 * `<name>.command.ts` and is registered here with one line; their modules load the
 * application's code only when they run, so `--help` stays quick.
 */
import { createRequire } from 'node:module';
import { Command } from 'commander';
import { registerServe } from './serve.command.js';
import { registerMigrate } from './migrate.command.js';
import { registerBootstrap } from './bootstrap.command.js';
import { registerHealthcheck } from './healthcheck.command.js';
import { registerInvitations } from './invitations.command.js';
import { registerRecoveryKey } from './create-recovery-key.command.js';
import { registerBlueprint } from './blueprint.command.js';
import { registerDb } from './db.command.js';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

const program = new Command('tessera')
  .description('Tessera, an authentik-compatible invitation server')
  .version(version);

registerServe(program);
registerMigrate(program);
registerBootstrap(program);
registerHealthcheck(program);
registerInvitations(program);
registerRecoveryKey(program);
registerBlueprint(program);
registerDb(program);

await program.parseAsync();
