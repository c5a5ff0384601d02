/**
 * `tessera invitations create|bulk|list|delete`: invitations for operators, through the same
 * service as the API (its rules, its audit events), acting as akadmin (or `--as USER`).
 * `create` and `bulk` make them all in one transaction, so a failure leaves none behind, and
 * write the CSV only once they are committed.
 */
import { accessSync, constants, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import type { InvitationBody } from '../stages/invitation/invitation.schema.js';
import type { InvitationService } from '../stages/invitation/invitation.service.js';
import {
  action,
  actingUser,
  cliConfig,
  CliError,
  loadFeatures,
  publicBase,
  withDatabase,
} from './runtime.js';

/** Counts from this size on show a progress bar on a terminal. */
const PROGRESS_FROM = 1000;

function positiveInteger(flag: string, max = 2147483647) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) {
      throw new InvalidArgumentError(`${flag} must be a whole number from 1 to ${max}.`);
    }
    return Number(value);
  };
}

/** `--expires`: an ISO datetime, or a duration from now in authentik's form (`days=7;hours=2`). */
async function parseExpires(value: string): Promise<string> {
  const [{ parseDatetime }, { parseTimedelta }] = await Promise.all([
    import('../api/validation.js'),
    import('../lib/timedelta.js'),
  ]);
  const instant = parseDatetime(value);
  const expires = instant
    ? new Date(instant)
    : value.includes('=')
      ? new Date(Date.now() + (parseTimedelta(value) ?? Number.NaN) * 1000)
      : new Date(Number.NaN);
  if (Number.isNaN(expires.getTime())) {
    throw new CliError(`--expires: "${value}" is neither an ISO datetime nor a duration such as "days=7"`);
  }
  if (expires.getTime() <= Date.now())
    throw new CliError(`--expires: ${expires.toISOString()} is not in the future`);
  return expires.toISOString();
}

function parseFixedData(value: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw new CliError(`--fixed-data is not valid JSON: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new CliError('--fixed-data must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

/** The CSV must be writable before anything is created: checked up front. */
function checkWritable(file: string): string {
  const target = path.resolve(file);
  try {
    accessSync(path.dirname(target), constants.W_OK);
  } catch {
    throw new CliError(`--csv: cannot write to the folder ${path.dirname(target)}`);
  }
  return target;
}

function csvField(value: string | number | boolean | null): string {
  let text = value === null ? '' : String(value);
  // A spreadsheet runs a cell that starts like a formula (an address may start with `=`).
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Written to a temporary file first and renamed, so a reader never sees half of it. */
function writeCsv(file: string, rows: (string | number | boolean | null)[][]): void {
  const text = rows.map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, file);
}

/** The invitation service as the API's module builds it, for an acting user. */
async function invitationService(database: Database, config: Config): Promise<InvitationService> {
  await loadFeatures();
  const [{ bootstrap }, { InvitationService }, { PermissionService }, { EventService }, { noMetrics }] =
    await Promise.all([
      import('../core/bootstrap/bootstrap.service.js'),
      import('../stages/invitation/invitation.service.js'),
      import('../rbac/permission.service.js'),
      import('../events/event.service.js'),
      import('../lib/metrics.js'),
    ]);
  // What the server does at every start: the install id, and akadmin to act as.
  const { installId } = await bootstrap(database.db, config.bootstrap);
  return new InvitationService(
    database.db,
    new PermissionService(database.db),
    new EventService(config.eventRetentionSeconds),
    {
      install: { id: installId },
      defaultTokenDurationSeconds: config.defaultTokenDurationSeconds,
      externalUrl: config.externalUrl,
      pageDefaults: config.pagination,
      metrics: noMetrics,
      retentionDays: config.invitations.retentionDays,
    },
  );
}

/** A progress bar on stderr for large counts (only on a terminal: cli-progress skips others). */
async function progressBar(total: number): Promise<{ update(done: number): void; stop(): void }> {
  if (total < PROGRESS_FROM) return { update: () => undefined, stop: () => undefined };
  const { default: progress } = await import('cli-progress');
  const bar = new progress.SingleBar(
    { format: 'creating {bar} {value}/{total}', stream: process.stderr },
    progress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return { update: (done) => bar.update(done), stop: () => bar.stop() };
}

/** What both `create` and `bulk` take: the template and who acts. */
interface TemplateOptions {
  flow: string;
  name?: string;
  expires?: string;
  singleUse?: boolean;
  maxUses?: number;
  fixedData?: string;
  as: string;
}

/**
 * Creates `count` invitations from the template in one transaction (createBatch), with a
 * progress bar for large counts; `rowEmails` binds each to its address.
 */
async function createFromTemplate(
  database: Database,
  config: Config,
  options: TemplateOptions,
  count: number,
  rowEmails?: string[],
  sendEmail?: { base: string; addresses: string[] },
) {
  if (options.singleUse && options.maxUses !== undefined) {
    throw new CliError('--single-use and --max-uses exclude each other');
  }
  const expires = options.expires === undefined ? null : await parseExpires(options.expires);
  const fixedData = options.fixedData === undefined ? {} : parseFixedData(options.fixedData);
  const service = await invitationService(database, config);
  const { createActor } = await import('../api/context.js');
  const actor = createActor(await actingUser(database, options.as), 'token');
  const bar = await progressBar(count);
  try {
    return await service.createBatch(
      actor,
      {
        flow: { slug: options.flow },
        count,
        namePrefix: options.name,
        expires,
        singleUse: options.singleUse ?? false,
        maxUses: options.maxUses ?? null,
        fixedData,
        rowEmails,
        sendEmail,
      },
      (done) => bar.update(done),
    );
  } finally {
    bar.stop();
  }
}

interface CreateOptions {
  flow: string;
  count: number;
  name?: string;
  expires?: string;
  singleUse?: boolean;
  maxUses?: number;
  fixedData?: string;
  csv?: string;
  as: string;
}

async function create(options: CreateOptions): Promise<void> {
  const config = cliConfig();
  const csv = options.csv === undefined ? undefined : checkWritable(options.csv);
  const base = publicBase(config);
  await withDatabase(config, async (database) => {
    const created = await createFromTemplate(database, config, options, options.count);
    const link = (pk: string) => `${base}/if/flow/${options.flow}/?itoken=${pk}`;
    if (csv) {
      writeCsv(csv, [
        ['pk', 'link', 'expires', 'single_use', 'max_uses'],
        ...created.map((row) => [
          row.pk,
          link(row.pk),
          row.expires,
          options.singleUse ?? false,
          options.maxUses ?? null,
        ]),
      ]);
      console.log(`created ${created.length} invitations for flow "${options.flow}"; links in ${csv}`);
    } else {
      for (const row of created) console.log(link(row.pk));
    }
  });
}

interface BulkOptions extends Omit<CreateOptions, 'count'> {
  count?: number;
  emailsFile?: string;
  /** commander's `--no-bind-email`: false leaves the invitations unbound. */
  bindEmail?: boolean;
  sendEmail?: boolean;
}

/** `--emails-file`: one address a line; blank lines and lines starting with `#` are skipped. */
async function readEmails(file: string): Promise<string[]> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(`--emails-file: cannot read ${file}: ${(error as Error).message}`);
  }
  const { EMAIL_RE } = await import('../api/validation.js');
  const lines = text.split(/\r?\n/).map((line) => line.trim());
  const emails: string[] = [];
  const invalid: string[] = [];
  lines.forEach((line, index) => {
    if (line === '' || line.startsWith('#')) return;
    if (EMAIL_RE.test(line)) emails.push(line);
    else invalid.push(`line ${index + 1}: "${line}"`);
  });
  if (invalid.length > 0) throw new CliError(`--emails-file: not an email address: ${invalid.join(', ')}`);
  if (emails.length === 0) throw new CliError(`--emails-file: ${file} holds no address`);
  return emails;
}

/**
 * `tessera invitations bulk`: `--count` invitations, or one per address of `--emails-file`,
 * from one template, in one transaction; `--csv` writes name,email,link per invitation.
 */
async function bulk(options: BulkOptions): Promise<void> {
  if ((options.count === undefined) === (options.emailsFile === undefined)) {
    throw new CliError('give either --count or --emails-file');
  }
  const emails = options.emailsFile === undefined ? undefined : await readEmails(options.emailsFile);
  if (options.sendEmail && emails === undefined) throw new CliError('--send-email needs --emails-file');
  const config = cliConfig();
  if (options.sendEmail && !config.externalUrl) {
    throw new CliError('--send-email needs TESSERA_EXTERNAL_URL: the address the emailed links open');
  }
  const csv = options.csv === undefined ? undefined : checkWritable(options.csv);
  const base = publicBase(config);
  const count = emails?.length ?? (options.count as number);
  await withDatabase(config, async (database) => {
    const { invitationLink } = await import('../stages/invitation/invitation.service.js');
    // As the API's bulk does: each invitation is made for its address and bound to it.
    const bound = options.bindEmail === false ? undefined : emails;
    const send = options.sendEmail && emails ? { base: base, addresses: emails } : undefined;
    const created = await createFromTemplate(database, config, options, count, bound, send);
    if (send) {
      console.error(`queued ${created.length} emails; a running Tessera delivers them (its outbox worker)`);
    }
    const rows = created.map((row, index) => [
      row.name,
      emails?.[index] ?? '',
      invitationLink(base, row.flowSlug, row.pk),
    ]);
    if (csv) {
      writeCsv(csv, [['name', 'email', 'link'], ...rows]);
      console.log(`created ${created.length} invitations for flow "${options.flow}"; links in ${csv}`);
    } else {
      for (const row of rows) console.log(row.filter((cell) => cell !== '').join(' '));
    }
  });
}

function table(rows: InvitationBody[]): string {
  const header = ['pk', 'name', 'flow', 'expires', 'single_use', 'max_uses', 'uses'];
  const cells = rows.map((row) => [
    row.pk,
    row.name,
    row.flow_obj?.slug ?? '',
    row.expires ?? 'never',
    String(row.single_use),
    row.max_uses === null || row.max_uses === undefined ? '' : String(row.max_uses),
    String(row.uses ?? 0),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...cells.map((row) => row[column].length)),
  );
  return [header, ...cells]
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

async function list(options: { json?: boolean; flow?: string }): Promise<void> {
  const config = cliConfig();
  await withDatabase(config, async (database) => {
    const rows = await (await invitationService(database, config)).listAll(options.flow);
    console.log(options.json ? JSON.stringify(rows, null, 2) : table(rows));
  });
}

async function remove(pks: string[], options: { expired?: boolean; as: string }): Promise<void> {
  if (options.expired && pks.length > 0) throw new CliError('give invitation pks or --expired, not both');
  if (!options.expired && pks.length === 0)
    throw new CliError('give the pks of the invitations to delete, or --expired');
  const { parseUuid } = await import('../api/filters.js');
  const invalid = pks.filter((pk) => !parseUuid(pk));
  if (invalid.length > 0) throw new CliError(`not an invitation pk (a UUID): ${invalid.join(', ')}`);
  const config = cliConfig();
  await withDatabase(config, async (database) => {
    const service = await invitationService(database, config);
    const { createActor } = await import('../api/context.js');
    const actor = createActor(await actingUser(database, options.as), 'token');
    const target = options.expired ? ('expired' as const) : { pks: pks.map((pk) => parseUuid(pk) as string) };
    const deleted = await service.destroyMany(actor, target);
    console.log(`deleted ${deleted} invitation${deleted === 1 ? '' : 's'}`);
  });
}

/** The options that describe each invitation of a batch, shared by `create` and `bulk`. */
function withTemplateOptions(command: Command): Command {
  return command
    .option('--name <prefix>', 'names are <prefix>-1, <prefix>-2, … (default: the flow slug)')
    .option(
      '--expires <when>',
      'ISO datetime, or a duration from now such as "days=7" (default: the default token duration)',
    )
    .option('--single-use', 'each invitation allows one enrollment')
    .option('--max-uses <n>', 'enrollments each invitation allows', positiveInteger('--max-uses'))
    .option('--fixed-data <json>', 'JSON object merged into the prompt data of whoever enrols');
}

export function registerInvitations(program: Command): void {
  const invitations = program.command('invitations').description('create, list and delete invitations');
  const createCommand = invitations
    .command('create')
    .description('create invitations to an enrollment flow, in one transaction')
    .requiredOption('--flow <slug>', 'the flow the invitations enrol into')
    .option('--count <n>', 'how many to create', positiveInteger('--count', 1_000_000), 1);
  withTemplateOptions(createCommand)
    .option(
      '--csv <file>',
      'write pk, link, expires, single_use, max_uses to this CSV file instead of printing links',
    )
    .option('--as <username>', 'the user recorded as creator and in the audit log', 'akadmin')
    .action(action(create));
  const bulkCommand = invitations
    .command('bulk')
    .description('create invitations from one template, by count or one per address, in one transaction')
    .requiredOption('--flow <slug>', 'the flow the invitations enrol into')
    .option('--count <n>', 'how many to create', positiveInteger('--count', 1_000_000))
    .option('--emails-file <file>', 'one invitation per address in this file (one a line)');
  withTemplateOptions(bulkCommand)
    .option('--no-bind-email', 'do not bind each invitation to its address (anyone with the link may enroll)')
    .option('--send-email', 'queue one email per address with its link (needs TESSERA_EXTERNAL_URL)')
    .option('--csv <file>', 'write name, email, link to this CSV file instead of printing links')
    .option('--as <username>', 'the user recorded as creator and in the audit log', 'akadmin')
    .action(action(bulk));
  invitations
    .command('list')
    .description('list invitations, latest expiry first')
    .option('--flow <slug>', 'only those of this flow')
    .option('--json', 'print JSON in the API’s shape instead of a table')
    .action(action(list));
  invitations
    .command('delete')
    .description('delete invitations by pk, or every expired one')
    .argument('[pk...]', 'invitation pks')
    .option('--expired', 'delete every expired invitation')
    .option('--as <username>', 'the user recorded in the audit log', 'akadmin')
    .action(action(remove));
}
