/**
 * Blueprints: the wire shapes of the import endpoint (authentik/blueprints/api.py
 * BlueprintImportResultSerializer, authentik/events/logs.py LogEventSerializer) and the shape
 * of a blueprint document (authentik/blueprints/v1/common.py Blueprint, BlueprintEntry).
 */
import { Type, type Static } from '@sinclair/typebox';
import { component, ref, StringEnum } from '../api/schemas.js';
import { isPlainRecord } from '../api/safe-objects.js';
import { BlueprintLoadError } from './blueprint-loader.js';

export const LOG_LEVELS = [
  'critical',
  'exception',
  'error',
  'warn',
  'warning',
  'info',
  'debug',
  'notset',
] as const;
export const LogLevelEnum = StringEnum('LogLevelEnum', LOG_LEVELS);

export const LogEvent = component(
  'LogEvent',
  Type.Object(
    {
      timestamp: Type.String({ format: 'date-time' }),
      log_level: ref(LogLevelEnum),
      logger: Type.String(),
      event: Type.String(),
      attributes: Type.Record(Type.String(), Type.Unknown()),
    },
    { description: 'Single log message with all context logged.' },
  ),
);
export type LogEventBody = Static<typeof LogEvent>;

export const BlueprintImportResult = component(
  'BlueprintImportResult',
  Type.Object(
    {
      logs: Type.Array(ref(LogEvent), { readOnly: true }),
      success: Type.Boolean({ readOnly: true }),
    },
    { description: 'Logs of an attempted blueprint import' },
  ),
);
export type BlueprintImportResultBody = Static<typeof BlueprintImportResult>;

/** The multipart form (documentation only: the route reads the parts itself). */
export const BlueprintUploadRequest = component(
  'BlueprintUploadRequest',
  Type.Object(
    {
      file: Type.Optional(Type.String({ format: 'binary' })),
      path: Type.Optional(Type.String({ minLength: 1 })),
      context: Type.Optional(Type.String()),
    },
    { description: 'Serializer to upload file' },
  ),
);

export const FlowSlugParams = Type.Object({
  slug: Type.String({ description: 'Visible in the URL.' }),
});

/** authentik's BlueprintEntryDesiredState. */
export const ENTRY_STATES = ['absent', 'present', 'created', 'must_created'] as const;

/** One entry as read; any value may still hold tags, resolved when the entry is applied. */
export interface BlueprintEntry {
  index: number;
  model: unknown;
  id: string | null;
  state: unknown;
  identifiers: unknown;
  attrs: unknown;
  conditions: unknown[];
}

export interface Blueprint {
  version: number;
  metadata: { name: string; labels: Record<string, unknown> } | null;
  context: Record<string, unknown>;
  entries: BlueprintEntry[];
}

/**
 * The document's structure, checked as authentik's dacite `from_dict` does: a wrong type is
 * an error for the whole blueprint. `entries` may be a list or a mapping of named lists.
 */
export function readBlueprint(document: unknown): Blueprint {
  if (!isPlainRecord(document)) throw new BlueprintLoadError('a blueprint must be a mapping');
  const version = document.version ?? 1;
  if (typeof version !== 'number') throw new BlueprintLoadError('wrong value type for field "version"');
  let metadata: Blueprint['metadata'] = null;
  if (document.metadata !== undefined && document.metadata !== null) {
    const raw = document.metadata;
    if (!isPlainRecord(raw) || typeof raw.name !== 'string') {
      throw new BlueprintLoadError('wrong value type for field "metadata"');
    }
    metadata = { name: raw.name, labels: isPlainRecord(raw.labels) ? raw.labels : {} };
  }
  const context = document.context ?? {};
  if (!isPlainRecord(context)) throw new BlueprintLoadError('wrong value type for field "context"');
  const rawEntries = document.entries ?? [];
  let list: unknown[];
  if (Array.isArray(rawEntries)) list = rawEntries;
  else if (isPlainRecord(rawEntries))
    list = Object.values(rawEntries).flatMap((v) => (Array.isArray(v) ? v : [v]));
  else throw new BlueprintLoadError('wrong value type for field "entries"');
  const entries = list.map((raw, index): BlueprintEntry => {
    if (!isPlainRecord(raw)) throw new BlueprintLoadError(`entry ${index + 1}: an entry must be a mapping`);
    if (raw.model === undefined)
      throw new BlueprintLoadError(`entry ${index + 1}: missing value for field "model"`);
    if (raw.permissions !== undefined) {
      throw new BlueprintLoadError(`entry ${index + 1}: "permissions" on entries are not supported`);
    }
    const id = raw.id === undefined || raw.id === null ? null : String(raw.id);
    const conditions = raw.conditions ?? [];
    if (!Array.isArray(conditions)) {
      throw new BlueprintLoadError(`entry ${index + 1}: wrong value type for field "conditions"`);
    }
    return {
      index: index + 1,
      model: raw.model,
      id,
      state: raw.state ?? 'present',
      identifiers: raw.identifiers ?? {},
      attrs: raw.attrs ?? {},
      conditions,
    };
  });
  return { version, metadata, context, entries };
}
