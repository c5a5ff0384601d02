/**
 * Database errors that reach the error handler are translated here, once, by SQLSTATE and
 * constraint name. Services check uniqueness first and answer with DRF's message; these
 * mappings cover the race where two requests pass that check together, so the loser gets the
 * same 400 instead of a 500.
 */
import { ApiError, Messages } from './errors.js';

const UNIQUE_CONSTRAINTS: Record<string, { field: string; message: string }> = {
  stages_name_key: { field: 'name', message: Messages.uniqueName('stage') },
  flows_slug_key: { field: 'slug', message: Messages.uniqueName('Flow', 'slug') },
  flow_stage_bindings_target_stage_order_key: {
    field: 'non_field_errors',
    message: 'The fields target, stage, order must make a unique set.',
  },
  // UserSerializer declares its own UniqueValidator, whose message is DRF's default.
  users_username_key: { field: 'username', message: 'This field must be unique.' },
  // The others come from the model field: "<verbose_name> with this <field verbose_name> ...".
  groups_name_key: { field: 'name', message: Messages.uniqueName('Group') },
  roles_name_key: { field: 'name', message: Messages.uniqueName('Role') },
  tokens_identifier_key: { field: 'identifier', message: Messages.uniqueName('Token', 'identifier') },
  tokens_managed_key: { field: 'managed', message: Messages.uniqueName('Token', 'Managed by authentik') },
  prompts_name_key: { field: 'name', message: Messages.uniqueName('prompt') },
};

interface PgError {
  code?: string;
  constraint?: string;
  constraint_name?: string;
}

function pgError(error: unknown): PgError | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const candidate = error as PgError & { cause?: unknown };
  if (typeof candidate.code === 'string' && /^[0-9A-Z]{5}$/.test(candidate.code)) return candidate;
  return candidate.cause ? pgError(candidate.cause) : undefined;
}

/** The database is down or restarting, or refuses more connections: worth retrying soon. */
function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 8; depth += 1) {
    const { code, message, cause } = current as { code?: unknown; message?: unknown; cause?: unknown };
    if (
      typeof code === 'string' &&
      /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|08\w{3}|57P0[1-3]|53300)$/.test(code)
    ) {
      return true;
    }
    if (typeof message === 'string' && /^Connection terminated/.test(message)) return true;
    current = cause;
  }
  return false;
}

/**
 * A statement that ran past TESSERA_POSTGRESQL_STATEMENT_TIMEOUT_MS (57014, query_canceled) or a
 * database that cannot be reached is the server's trouble, not the client's, and passes: 503
 * in authentik's `{detail}` shape with Retry-After, never a bare 500.
 */
const RETRY_AFTER = { 'retry-after': '5' };

/** Returns the API error for a known database failure, or undefined for anything else. */
export function translateDatabaseError(error: unknown): ApiError | undefined {
  if (isDatabaseUnavailable(error)) {
    return ApiError.detail(503, 'The database is unavailable at the moment; try again shortly.', RETRY_AFTER);
  }
  const pg = pgError(error);
  if (!pg) return undefined;
  const constraint = pg.constraint ?? pg.constraint_name ?? '';
  switch (pg.code) {
    case '23505': {
      const known = UNIQUE_CONSTRAINTS[constraint];
      return known
        ? ApiError.field(known.field, known.message)
        : ApiError.nonField('This object already exists.');
    }
    case '57014':
      return ApiError.detail(503, 'The database did not answer in time; try again shortly.', RETRY_AFTER);
    case '23503':
      return ApiError.nonField('A referenced object does not exist.');
    case '22P02':
    case '22007':
    case '22008':
    case '22003':
    case '22001':
    case '22021':
    case '22P05':
    case '54000':
      return ApiError.nonField('Invalid value.');
    default:
      return undefined;
  }
}
