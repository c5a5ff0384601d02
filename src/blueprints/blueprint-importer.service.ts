/**
 * Applies a blueprint (authentik/blueprints/v1/importer.py Importer): entry by entry, in order,
 * all in ONE transaction, so that a failing entry leaves nothing of the others behind.
 *
 * For each entry: its `conditions` must all hold; its identifiers find an existing object
 * (`pk` OR all other identifiers); `present` creates or updates it, `created` only creates,
 * `must_created` fails when it exists, `absent` deletes it. The attrs, with the identifiers
 * merged in, go through the model's API request schema and its service, so a blueprint obeys
 * the rules of the API, its privilege checks and its audit events included.
 *
 * Deviation, for idempotency: authentik saves every `present` entry again on each apply (and
 * its audit middleware writes `model_updated`); Tessera compares the entry with the stored
 * object and leaves an unchanged object alone, so applying twice changes nothing.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Db } from '../db/client.js';
import { ADMIN_USERNAME } from '../core/bootstrap/bootstrap.service.js';
import { createActor, requireActor, type Actor, type RequestContext } from '../api/context.js';
import { ApiError } from '../api/errors.js';
import { translateDatabaseError } from '../api/db-errors.js';
import { detachedJson, isPlainRecord } from '../api/safe-objects.js';
import { validateBody, type JsonSchema, type SchemaRegistry } from '../api/validation.js';
import { EventService, type EventBatch } from '../events/event.service.js';
import type { PermissionService } from '../rbac/permission.service.js';
import {
  BlueprintLoadError,
  EntryError,
  loadYaml,
  pythonTruthy,
  resolveValue,
  type ResolveScope,
} from './blueprint-loader.js';
import {
  ENTRY_STATES,
  readBlueprint,
  type Blueprint,
  type BlueprintEntry,
  type LogEventBody,
} from './blueprint.schema.js';
import { createBlueprintRepository } from './blueprint.repository.js';
import { modelHandlers, TransactionServices, type HandlerDeps, type ModelHandler } from './model-handlers.js';

export interface ImportOptions {
  /** Merged over the blueprint's own `context` (authentik's import `context` form field). */
  context?: Record<string, unknown>;
  /** What `!Env` reads; null refuses `!Env` (uploads through the API, see docs/blueprints.md). */
  env: Record<string, string | undefined> | null;
  /** Write the audit events a request's changes get; false for start-up and CLI applies. */
  audit: boolean;
}

/** The multipart form's parts, as text. */
export interface BlueprintUpload {
  file?: string;
  context?: string;
}

/** The logger calls a folder apply makes (Fastify's logger). */
export interface FolderLog {
  info(details: Record<string, unknown>, message: string): void;
  error(details: Record<string, unknown>, message: string): void;
}

const INSTANTIATE_LABEL = 'blueprints.goauthentik.io/instantiate';

export interface ImportResult {
  success: boolean;
  logs: LogEventBody[];
}

const LOGGER = 'authentik.blueprints.v1.importer';

function logEvent(
  level: LogEventBody['log_level'],
  event: string,
  attributes: Record<string, unknown>,
): LogEventBody {
  return { timestamp: new Date().toISOString(), log_level: level, logger: LOGGER, event, attributes };
}

/** Names an entry the way every message about it does. */
function describeEntry(entry: BlueprintEntry, model: string | null): string {
  const parts = [`entry ${entry.index}`];
  if (entry.id !== null) parts.push(`id "${entry.id}"`);
  if (model !== null) parts.push(`model ${model}`);
  return parts.join(', ');
}

/** An entry error with the entry named: the index, its id and model, and the field. */
export class BlueprintEntryError extends Error {
  constructor(
    readonly entry: BlueprintEntry,
    readonly model: string | null,
    readonly reason: string,
    readonly field: string | undefined,
    readonly errors: unknown,
  ) {
    super(`${describeEntry(entry, model)}${field ? `, field "${field}"` : ''}: ${reason}`);
  }
}

/** Start-up and CLI applies have no request: authentik's audit middleware writes nothing then. */
class UnauditedEvents extends EventService {
  override async record(): Promise<void> {}
  override async model(): Promise<void> {}
  override batch(): EventBatch {
    const batch = super.batch();
    return { ...batch, write: async () => void batch.drain() };
  }
}

/** Sorted copies of lists of plain values and of objects, ISO dates as instants: for comparison. */
function comparable(value: unknown): unknown {
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value) && !Number.isNaN(Date.parse(value))) {
    return new Date(value).toISOString();
  }
  if (Array.isArray(value)) {
    const items = value.map(comparable);
    return items.every((item) => item === null || typeof item !== 'object')
      ? [...items].sort((a, b) => String(a).localeCompare(String(b)))
      : items;
  }
  if (isPlainRecord(value)) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, comparable(value[key])]),
    );
  }
  return value;
}

function unchanged(current: Record<string, unknown>, input: Record<string, unknown>): boolean {
  return Object.keys(input).every(
    (key) =>
      Object.hasOwn(current, key) &&
      JSON.stringify(comparable(current[key])) === JSON.stringify(comparable(input[key])),
  );
}

/** The first field an API error names, and a message of all of them. */
function describeApiError(error: ApiError): { field?: string; reason: string } {
  const body = error.body;
  if (isPlainRecord(body) && !('detail' in body)) {
    const fields = Object.keys(body).filter((key) => key !== 'non_field_errors');
    return { field: fields[0], reason: `Serializer errors ${JSON.stringify(body)}` };
  }
  return { reason: error.message };
}

class Rollback extends Error {
  constructor(readonly failure: BlueprintEntryError) {
    super(failure.message);
  }
}

export class BlueprintImporter {
  constructor(
    private readonly db: Db,
    private readonly permissions: PermissionService,
    private readonly registry: SchemaRegistry,
    private readonly deps: HandlerDeps,
  ) {}

  /** Reads blueprint text. Throws BlueprintLoadError. */
  parse(text: string): Blueprint {
    const blueprint = readBlueprint(loadYaml(text));
    if (blueprint.version !== 1) throw new BlueprintLoadError('Invalid blueprint version');
    return blueprint;
  }

  /**
   * authentik's check_blueprint_perms: the caller needs add, change and delete permission on
   * every model the blueprint names, or the import is refused before anything is read further.
   */
  async checkPermissions(
    actor: Actor,
    blueprint: Blueprint,
    context: Record<string, unknown>,
  ): Promise<void> {
    for (const entry of blueprint.entries) {
      let model: string;
      try {
        model = String(await resolveValue(entry.model, this.offlineScope(blueprint, context)));
      } catch {
        // A model that cannot be named without the database fails when the entry is applied.
        continue;
      }
      const [app, name] = model.split('.');
      for (const action of ['add', 'change', 'delete']) {
        if (!(await this.permissions.hasGlobal(actor, `${app}.${action}_${name}`))) {
          // authentik keys this message by the entry's id, a body its own schema does not
          // describe (GenericError needs `detail`); Tessera sends the schema's shape.
          throw ApiError.forbidden(`User lacks permission to create ${model}`);
        }
      }
    }
  }

  /**
   * `POST /managed/blueprints/import/` (authentik/blueprints/api.py import_): no file is a 400
   * with an empty result; the caller needs add, change and delete permission on every model
   * the blueprint names (403 otherwise); then the import's result, 200 whether it applied or not.
   * An uploaded blueprint may not read the server's environment (`!Env`).
   */
  async importUpload(ctx: RequestContext, upload: BlueprintUpload): Promise<ImportResult> {
    if (upload.file === undefined) throw new ApiError(400, { logs: [], success: false });
    let context: Record<string, unknown> = {};
    if (upload.context !== undefined && upload.context !== '') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(upload.context);
      } catch {
        throw ApiError.field('context', 'Value must be valid JSON.');
      }
      if (!isPlainRecord(parsed)) throw ApiError.field('context', 'Value must be a JSON object.');
      context = detachedJson(parsed);
    }
    let blueprint: Blueprint;
    try {
      blueprint = this.parse(upload.file);
    } catch (error) {
      if (!(error instanceof BlueprintLoadError)) throw error;
      return { success: false, logs: [logEvent('warning', `Invalid blueprint: ${error.message}`, {})] };
    }
    await this.checkPermissions(requireActor(ctx), blueprint, context);
    return this.apply(ctx, blueprint, { context, env: null, audit: true });
  }

  /** Parses and applies text; a blueprint that cannot be read is a failed import with its log. */
  async importText(ctx: RequestContext, text: string, options: ImportOptions): Promise<ImportResult> {
    let blueprint: Blueprint;
    try {
      blueprint = this.parse(text);
    } catch (error) {
      if (!(error instanceof BlueprintLoadError)) throw error;
      return { success: false, logs: [logEvent('warning', `Invalid blueprint: ${error.message}`, {})] };
    }
    return this.apply(ctx, blueprint, options);
  }

  /** Applies every entry in one transaction: all of them, or (on the first error) none. */
  async apply(ctx: RequestContext, blueprint: Blueprint, options: ImportOptions): Promise<ImportResult> {
    const context = { ...blueprint.context, ...options.context };
    const events = options.audit ? this.deps.events : new UnauditedEvents(0);
    try {
      await this.db.transaction(async (tx) => {
        const services = new TransactionServices(tx, { ...this.deps, events });
        const run = new ImportRun(tx, services, this.registry, blueprint, context, options.env);
        for (const entry of blueprint.entries) {
          try {
            await run.applyEntry(ctx, entry);
          } catch (error) {
            throw new Rollback(run.entryError(entry, error));
          }
        }
      });
    } catch (error) {
      if (!(error instanceof Rollback)) throw error;
      const failure = error.failure;
      return {
        success: false,
        logs: [
          logEvent('warning', `Entry invalid: ${failure.message}`, {
            entry: failure.entry.index,
            id: failure.entry.id,
            model: failure.model,
            field: failure.field ?? null,
            errors: failure.errors ?? null,
          }),
          logEvent('warning', 'Blueprint validation failed', {}),
        ],
      };
    }
    return { success: true, logs: [] };
  }

  /**
   * The actor of blueprints applied without a request (start-up folder, CLI): the bootstrap
   * admin. authentik applies them as its system; the objects a blueprint creates with a
   * creator (invitations' `created_by`) need a real user here.
   */
  async systemContext(): Promise<RequestContext> {
    const user = await createBlueprintRepository(this.db).authUser(ADMIN_USERNAME);
    if (!user) throw new Error(`the bootstrap user ${ADMIN_USERNAME} does not exist`);
    return {
      actor: createActor(user, 'token'),
      clientIp: '',
      requestId: '',
      method: '',
      path: '',
      userAgent: '',
      origin: null,
      query: {},
    };
  }

  /** Reads and applies one file as the system (CLI `blueprint apply`, the start-up folder). */
  async applyFile(path: string, options: Omit<ImportOptions, 'audit'>): Promise<ImportResult> {
    const text = await readFile(path, 'utf8');
    return this.importText(await this.systemContext(), text, { ...options, audit: false });
  }

  /**
   * Applies every blueprint under `dir` (`*.yaml`, `*.yml`, any depth), sorted by path. A file
   * that fails is logged and the others still apply; a file labelled
   * `blueprints.goauthentik.io/instantiate: "false"` is skipped, as authentik does not
   * instantiate it on discovery (all of authentik's examples carry that label).
   */
  async applyFolder(dir: string, env: Record<string, string | undefined>, log: FolderLog): Promise<void> {
    let files: string[];
    try {
      files = (await readdir(dir, { recursive: true }))
        .filter((name) => /\.ya?ml$/i.test(name))
        .map((name) => join(dir, name))
        .sort();
    } catch (error) {
      log.error({ err: error, dir }, 'cannot read the blueprints folder');
      return;
    }
    const ctx = await this.systemContext();
    for (const file of files) {
      try {
        const blueprint = this.parse(await readFile(file, 'utf8'));
        if (blueprint.metadata?.labels[INSTANTIATE_LABEL] === 'false') {
          log.info({ file }, 'blueprint not instantiated (label instantiate: false)');
          continue;
        }
        const result = await this.apply(ctx, blueprint, { env, audit: false });
        if (result.success) log.info({ file }, 'blueprint applied');
        else log.error({ file, logs: result.logs }, 'blueprint failed to apply');
      } catch (error) {
        log.error({ err: error, file }, 'blueprint failed to apply');
      }
    }
  }

  /** A scope for resolving outside a transaction: context only (model names are plain text). */
  private offlineScope(blueprint: Blueprint, context: Record<string, unknown>): ResolveScope {
    const refuse = () => {
      throw new EntryError('needs the database');
    };
    return {
      context: { ...blueprint.context, ...context },
      env: null,
      keyOf: refuse,
      find: refuse,
      enumerations: [],
    };
  }
}

/** One apply: the objects entries have produced so far, for `!KeyOf` and pk references. */
class ImportRun {
  /** Entry `id` to the primary key of its object. */
  private readonly instances = new Map<string, unknown>();
  /** An exported primary key (identifier `pk`) to the object it became here. */
  private readonly pkMap = new Map<string, unknown>();
  private currentModel: string | null = null;

  constructor(
    private readonly tx: Db,
    private readonly services: TransactionServices,
    private readonly registry: SchemaRegistry,
    private readonly blueprint: Blueprint,
    private readonly context: Record<string, unknown>,
    private readonly env: Record<string, string | undefined> | null,
  ) {}

  private scope(): ResolveScope {
    return {
      context: this.context,
      env: this.env,
      enumerations: [],
      keyOf: (id) => {
        if (!this.instances.has(id)) {
          throw new EntryError(`KeyOf: failed to find entry with \`id\` of \`${id}\` and a model instance`);
        }
        return this.instances.get(id);
      },
      find: async (model, conditions) => {
        const found = await createBlueprintRepository(this.tx).findWhere(
          this.handler(model).lookup,
          conditions,
        );
        return found ? this.pkValue(this.handler(model), found.pk) : null;
      },
    };
  }

  private handler(model: string): ModelHandler {
    const handler = modelHandlers().get(model);
    if (!handler) throw new EntryError(`Model ${model} not allowed`);
    return handler;
  }

  /** Users are keyed by an integer; every other model by a UUID. */
  private pkValue(handler: ModelHandler, pk: string): unknown {
    return handler.lookup.pk === 'id' ? Number(pk) : pk;
  }

  /** authentik's __update_pks_for_attrs: values naming an exported pk name its new object. */
  private replacePks(values: Record<string, unknown>): Record<string, unknown> {
    const swap = (value: unknown) =>
      (typeof value === 'string' || typeof value === 'number') && this.pkMap.has(String(value))
        ? this.pkMap.get(String(value))
        : value;
    for (const key of Object.keys(values)) {
      const value = values[key];
      if (Array.isArray(value)) values[key] = value.map(swap);
      else if (isPlainRecord(value))
        for (const inner of Object.keys(value)) value[inner] = swap(value[inner]);
      else values[key] = swap(value);
    }
    return values;
  }

  private async resolveRecord(value: unknown, what: string): Promise<Record<string, unknown>> {
    const resolved = await resolveValue(value, this.scope());
    if (resolved === null) return Object.create(null) as Record<string, unknown>;
    if (!isPlainRecord(resolved)) throw new EntryError(`${what} must be a mapping`, what);
    return resolved;
  }

  entryError(entry: BlueprintEntry, error: unknown): BlueprintEntryError {
    if (error instanceof EntryError) {
      return new BlueprintEntryError(entry, this.currentModel, error.message, error.field, null);
    }
    const apiError = error instanceof ApiError ? error : translateDatabaseError(error);
    if (apiError) {
      const { field, reason } = describeApiError(apiError);
      return new BlueprintEntryError(entry, this.currentModel, reason, field, apiError.body);
    }
    throw error;
  }

  async applyEntry(ctx: RequestContext, entry: BlueprintEntry): Promise<void> {
    this.currentModel = null;
    const conditions = (await resolveValue(entry.conditions, this.scope())) as unknown[];
    if (!conditions.every(pythonTruthy)) return;
    const model = String(await resolveValue(entry.model, this.scope()));
    this.currentModel = model;
    const handler = this.handler(model);
    const state = String(await resolveValue(entry.state, this.scope()));
    if (!(ENTRY_STATES as readonly string[]).includes(state)) {
      throw new EntryError(`'${state}' is not a valid BlueprintEntryDesiredState`, 'state');
    }
    const rawIdentifiers = await this.resolveRecord(entry.identifiers, 'identifiers');
    const exportedPk = Object.hasOwn(rawIdentifiers, 'pk') ? rawIdentifiers.pk : undefined;
    const identifiers = this.replacePks({ ...rawIdentifiers });
    const repository = createBlueprintRepository(this.tx);
    const existing = await repository.findByIdentifiers(handler.lookup, identifiers);
    const service = handler.service(this.services);

    if (state === 'absent') {
      if (existing) await service.destroy(ctx, existing.key);
      return;
    }
    if (existing && state === 'must_created') {
      throw new EntryError('State is set to must_created and object exists already');
    }
    let pk: unknown;
    if (existing && state === 'created') {
      pk = this.pkValue(handler, existing.pk);
    } else {
      // Identifiers are merged into the attrs (they win), as deepmerge's always_merger does.
      const data = { ...this.replacePks(await this.resolveRecord(entry.attrs, 'attrs')), ...identifiers };
      delete data.pk;
      const schema = (existing ? handler.patched : handler.request) as unknown as JsonSchema;
      const validated = validateBody(schema, data, this.registry);
      if ('errors' in validated) throw ApiError.validation(validated.errors as Record<string, unknown>);
      const input = validated.value;
      if (existing) {
        const current = await service.retrieve(ctx, existing.key);
        if (!unchanged(current, input)) await service.update(ctx, existing.key, input);
        pk = this.pkValue(handler, existing.pk);
      } else {
        pk = (await service.create(ctx, input)).pk;
      }
    }
    if (entry.id !== null && !this.instances.has(entry.id)) this.instances.set(entry.id, pk);
    if (exportedPk !== undefined && exportedPk !== null) this.pkMap.set(String(exportedPk), pk);
  }
}
