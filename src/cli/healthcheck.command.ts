/**
 * `tessera healthcheck`: exit status 0 when the server at the configured listen address answers
 * its live health endpoint (`/-/health/live/`), 1 otherwise, for container probes (authentik's
 * `ak healthcheck`). It does not open the database, which the server may hold.
 */
import type { Command } from 'commander';
import { action, cliConfig, CliError } from './runtime.js';

export function registerHealthcheck(program: Command): void {
  program
    .command('healthcheck')
    .description('exit 0 when the server at AUTHENTIK_LISTEN__HTTP answers /-/health/live/, 1 otherwise')
    .option('--timeout <seconds>', 'how long to wait for the answer', '5')
    .action(
      action(async (options: { timeout: string }) => {
        const seconds = Number(options.timeout);
        if (!Number.isFinite(seconds) || seconds <= 0)
          throw new CliError('--timeout must be a positive number');
        const { host, port } = cliConfig().listen;
        // A wildcard listen address is reached on loopback.
        const target = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
        const url = `http://${target.includes(':') ? `[${target}]` : target}:${port}/-/health/live/`;
        let status: number;
        try {
          const response = await fetch(url, { signal: AbortSignal.timeout(seconds * 1000) });
          status = response.status;
        } catch (error) {
          throw new CliError(`unhealthy: ${url}: ${(error as Error).cause ?? (error as Error).message}`);
        }
        if (status !== 200) throw new CliError(`unhealthy: ${url} answered ${status}`);
        console.log(`healthy: ${url}`);
      }),
    );
}
