/**
 * `tessera create-recovery-key USER` (authentik's `ak create_recovery_key`): prints a one-time
 * sign-in link for a locked-out user, `/recovery/use-token/<key>/`, valid for `--duration`
 * minutes. Whoever holds the link signs in as that user: hand it over as a password.
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { action, actingUser, cliConfig, publicBase, withDatabase } from './runtime.js';

function minutes(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 525600) {
    throw new InvalidArgumentError('--duration must be a whole number of minutes from 1 to 525600.');
  }
  return Number(value);
}

export function registerRecoveryKey(program: Command): void {
  program
    .command('create-recovery-key')
    .description('print a one-time link that signs USER in (for a locked-out admin)')
    .argument('<user>', 'the username to sign in as')
    .option('--duration <minutes>', 'how long the link stays valid', minutes, 60)
    .action(
      action(async (username: string, options: { duration: number }) => {
        const config = cliConfig();
        const [{ RecoveryService, RECOVERY_PATH }, { EventService }] = await Promise.all([
          import('../recovery/recovery.service.js'),
          import('../events/event.service.js'),
        ]);
        await withDatabase(config, async (database) => {
          const user = await actingUser(database, username);
          const service = new RecoveryService(database.db, new EventService(config.eventRetentionSeconds));
          const { key, expires } = await service.createKey(user, options.duration);
          console.log(`${publicBase(config)}${RECOVERY_PATH}${key}/`);
          console.error(`valid until ${expires}, once; it signs in as "${user.username}"`);
        });
      }),
    );
}
