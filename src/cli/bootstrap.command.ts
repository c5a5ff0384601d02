/**
 * `tessera bootstrap`: the start-up provisioning on its own (permissions, install id, akadmin
 * with AUTHENTIK_BOOTSTRAP_PASSWORD / _EMAIL / _TOKEN applied), for an install prepared before
 * its first start. Idempotent, as it is when the server runs it.
 */
import type { Command } from 'commander';
import { action, cliConfig, loadFeatures, withDatabase } from './runtime.js';

export function registerBootstrap(program: Command): void {
  program
    .command('bootstrap')
    .description('create the default admin (akadmin) and apply AUTHENTIK_BOOTSTRAP_* settings, then exit')
    .action(
      action(async () => {
        const config = cliConfig();
        await loadFeatures();
        const { bootstrap, ADMIN_USERNAME } = await import('../core/bootstrap/bootstrap.service.js');
        const { installId } = await withDatabase(config, (database) =>
          bootstrap(database.db, config.bootstrap),
        );
        console.log(`bootstrapped: admin "${ADMIN_USERNAME}", install id ${installId}`);
      }),
    );
}
