/**
 * `tessera blueprint apply FILE` and `tessera blueprint export FLOW_SLUG` (authentik's
 * `ak apply_blueprint` and `ak export_blueprint`): the importer and exporter the API uses,
 * acting as akadmin. An applied file may read the environment with `!Env`, as authentik's
 * command does; like a start-up blueprint it writes no audit event (there is no request).
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import type { BlueprintImporter } from '../blueprints/blueprint-importer.service.js';
import type { BlueprintExporter } from '../blueprints/blueprint-exporter.service.js';
import { action, actingUser, cliConfig, CliError, loadFeatures, withDatabase } from './runtime.js';

/** The importer and exporter as the blueprint module builds them. */
async function blueprintServices(
  database: Database,
  config: Config,
): Promise<{ importer: BlueprintImporter; exporter: BlueprintExporter }> {
  await loadFeatures();
  const [
    { bootstrap },
    { BlueprintImporter },
    { BlueprintExporter },
    { PermissionService },
    { EventService },
    { FlowService },
    { schemaRegistry },
    { noMetrics },
  ] = await Promise.all([
    import('../core/bootstrap/bootstrap.service.js'),
    import('../blueprints/blueprint-importer.service.js'),
    import('../blueprints/blueprint-exporter.service.js'),
    import('../rbac/permission.service.js'),
    import('../events/event.service.js'),
    import('../flows/flow.service.js'),
    import('../api/schemas.js'),
    import('../lib/metrics.js'),
  ]);
  // What the server does at every start: the install id, and akadmin to act as.
  const { installId } = await bootstrap(database.db, config.bootstrap);
  const permissions = new PermissionService(database.db);
  const events = new EventService(config.eventRetentionSeconds);
  const deps = { config, install: { id: installId }, events, metrics: noMetrics };
  return {
    importer: new BlueprintImporter(database.db, permissions, schemaRegistry(), deps),
    exporter: new BlueprintExporter(
      database.db,
      permissions,
      new FlowService({ db: database.db, permissions, events, pageSizes: config.pagination }),
      deps,
    ),
  };
}

function parseContext(value: string | undefined): Record<string, unknown> {
  if (value === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw new CliError(`--context is not valid JSON: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new CliError('--context must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

async function apply(file: string, options: { context?: string }): Promise<void> {
  const config = cliConfig();
  const context = parseContext(options.context);
  await withDatabase(config, async (database) => {
    const { importer } = await blueprintServices(database, config);
    let result;
    try {
      result = await importer.applyFile(file, { context, env: process.env });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES') {
        throw new CliError(`cannot read ${file}: ${(error as Error).message}`);
      }
      throw error;
    }
    if (!result.success) {
      throw new CliError(`blueprint not applied: ${result.logs.map((log) => log.event).join('; ')}`);
    }
    console.log(`applied ${file}`);
  });
}

async function exportFlow(slug: string, options: { output?: string; as: string }): Promise<void> {
  const config = cliConfig();
  await withDatabase(config, async (database) => {
    const { importer, exporter } = await blueprintServices(database, config);
    const ctx = await importer.systemContext();
    const { createActor } = await import('../api/context.js');
    ctx.actor = createActor(await actingUser(database, options.as), 'token');
    const { text } = await exporter.exportFlow(ctx, slug);
    if (options.output) writeFileSync(options.output, text);
    else process.stdout.write(text);
  });
}

export function registerBlueprint(program: Command): void {
  const blueprint = program
    .command('blueprint')
    .description('apply and export blueprints (authentik’s format)');
  blueprint
    .command('apply')
    .description('apply a blueprint file in one transaction: all of its entries, or none')
    .argument('<file>', 'the blueprint (YAML)')
    .option('--context <json>', 'JSON object read by the !Context tags, over the blueprint’s own context')
    .action(action(apply));
  blueprint
    .command('export')
    .description('print a flow, its stages, prompts and bindings as a blueprint')
    .argument('<flow-slug>', 'the flow to export')
    .option('-o, --output <file>', 'write to this file instead of standard output')
    .option('--as <username>', 'the user whose permissions the export needs', 'akadmin')
    .action(action(exportFlow));
}
