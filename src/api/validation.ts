/**
 * Request-body validation with DRF's semantics, driven by the same TypeBox (JSON Schema)
 * objects that describe the wire shape in the OpenAPI document.
 *
 * Ajv would validate the shape, but DRF differs from JSON Schema in ways clients can see:
 * strings are trimmed, numbers are accepted where strings are expected, "true"/"1" are
 * booleans, "5" is an integer, unknown and read-only fields are ignored, and every message has
 * a fixed text. Interpreting the schema here keeps one schema as the source of truth while the
 * behaviour and the messages stay DRF's.
 * @see rest_framework/fields.py (CharField, BooleanField, IntegerField, ChoiceField, ...)
 */
import { Messages, pythonTypeName, type FieldErrors } from './errors.js';
import { resolveSchema } from './schema-ref.js';

export interface JsonSchema {
  $id?: string;
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  nullable?: boolean;
  readOnly?: boolean;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  allOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  /** Message for a `pattern` mismatch (the slug validator's text, for example). */
  'x-drf-pattern-message'?: string;
  /** Keep surrounding whitespace (DRF `trim_whitespace=False`). */
  'x-drf-no-trim'?: boolean;
  /**
   * Message for a malformed UUID, `{value}` standing for the input: a related-object field
   * (PrimaryKeyRelatedField) reports Django's UUIDField text, not DRF UUIDField's.
   */
  'x-drf-uuid-message'?: string;
  /**
   * A PrimaryKeyRelatedField over a UUID key: the value is looked up as given (no trimming),
   * so its errors are Django UUIDField's and DRF's related-field texts; the caller checks that
   * the object exists.
   */
  'x-drf-pk'?: 'uuid';
  /**
   * A `many=True` related field (DRF ManyRelatedField): items are validated in order and the
   * first bad one is the field's error, not indexed (`{"groups": ["…"]}`).
   */
  'x-drf-many-related'?: boolean;
  [key: string]: unknown;
}

export type SchemaRegistry = Map<string, JsonSchema>;

export const SLUG_PATTERN = '^[-a-zA-Z0-9_]+$';

const UUID_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
// Django's EmailValidator, simplified to its user@domain.tld structure.
export const EMAIL_RE =
  /^[-!#$%&'*+/=?^_`{}|~0-9A-Z]+(\.[-!#$%&'*+/=?^_`{}|~0-9A-Z]+)*@((?:[A-Z0-9](?:[A-Z0-9-]{0,61}[A-Z0-9])?\.)+[A-Z0-9-]{2,63}|\[[0-9a-f:.]+\])$/i;
// DRF's iso-8601 datetime input, as parsed by Django's parse_datetime.
const DATETIME_RE =
  /^(\d{4})-(\d{1,2})-(\d{1,2})[T ](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:[.,](\d{1,6})\d*)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
/** DRF BooleanField's TRUE_VALUES and FALSE_VALUES. */
export const TRUE_VALUES = new Set<unknown>([
  't',
  'T',
  'y',
  'Y',
  'yes',
  'Yes',
  'YES',
  'true',
  'True',
  'TRUE',
  'on',
  'On',
  'ON',
  '1',
  1,
  true,
]);
export const FALSE_VALUES = new Set<unknown>([
  'f',
  'F',
  'n',
  'N',
  'no',
  'No',
  'NO',
  'false',
  'False',
  'FALSE',
  'off',
  'Off',
  'OFF',
  '0',
  0,
  0.0,
  false,
]);

class FieldError {
  constructor(readonly detail: unknown) {}
}

function typeOf(schema: JsonSchema): string | undefined {
  if (Array.isArray(schema.type)) return schema.type.find((t) => t !== 'null');
  return schema.type;
}

function isNullable(schema: JsonSchema): boolean {
  return schema.nullable === true || (Array.isArray(schema.type) && schema.type.includes('null'));
}

/** Python's str() of a JSON scalar, for messages and CharField coercion. */
function pyStr(value: unknown): string {
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (value === null) return 'None';
  return String(value);
}

/** Validates one value against a field schema, returning the DRF-internal value. */
function validateField(schema: JsonSchema, value: unknown, registry: SchemaRegistry): unknown {
  const s = resolveSchema(schema, registry);
  if (value === null) {
    if (isNullable(s)) return null;
    throw new FieldError([Messages.nullNotAllowed]);
  }
  if (s.enum) {
    const candidate = typeof value === 'number' || typeof value === 'boolean' ? pyStr(value) : value;
    if (typeof candidate === 'string' && s.enum.includes(candidate)) return candidate;
    throw new FieldError([
      Messages.invalidChoice(typeof value === 'object' ? JSON.stringify(value) : pyStr(value)),
    ]);
  }
  if (s['x-drf-pk'] === 'uuid') return validateUuidPk(value);
  switch (typeOf(s)) {
    case 'string':
      return validateString(s, value);
    case 'boolean':
      if (TRUE_VALUES.has(value)) return true;
      if (FALSE_VALUES.has(value)) return false;
      throw new FieldError([Messages.invalidBoolean]);
    case 'integer':
    case 'number':
      return validateInteger(s, value);
    case 'object':
      if (typeof value !== 'object' || Array.isArray(value)) throw new FieldError([Messages.dictRequired]);
      if (s.properties) return validateObject(s, value as Record<string, unknown>, registry);
      if (containsNul(value)) throw new FieldError([Messages.nullCharacters]);
      return value;
    case 'array': {
      if (!Array.isArray(value)) throw new FieldError([Messages.notAList(pythonTypeName(value))]);
      if (s['x-drf-many-related'])
        return value.map((item) => (s.items ? validateField(s.items, item, registry) : item));
      const errors: Record<string, unknown> = {};
      const out = value.map((item, index) => {
        try {
          return s.items ? validateField(s.items, item, registry) : item;
        } catch (error) {
          if (!(error instanceof FieldError)) throw error;
          errors[String(index)] = error.detail;
          return undefined;
        }
      });
      if (Object.keys(errors).length > 0) throw new FieldError(errors);
      return out;
    }
    default:
      return value;
  }
}

function validateString(s: JsonSchema, value: unknown): string {
  if (typeof value === 'boolean' || typeof value === 'object') throw new FieldError([Messages.invalidString]);
  let text = String(value);
  if (!s['x-drf-no-trim']) text = text.trim();
  if (text.includes('\0')) throw new FieldError([Messages.nullCharacters]);
  if (text === '') {
    if ((s.minLength ?? 0) > 0) throw new FieldError([Messages.blank]);
    return text;
  }
  const errors: string[] = [];
  if (s.maxLength !== undefined && text.length > s.maxLength) errors.push(Messages.maxLength(s.maxLength));
  if (s.format === 'uuid') {
    if (!UUID_RE.test(text)) {
      const message = s['x-drf-uuid-message'];
      throw new FieldError([message ? message.replace('{value}', text) : Messages.invalidUuid]);
    }
    return canonicalUuid(text);
  }
  if (s.format === 'email' && !EMAIL_RE.test(text)) errors.push(Messages.invalidEmail);
  if (s.format === 'date-time') {
    const parsed = parseDatetime(text);
    if (parsed === undefined) throw new FieldError([Messages.invalidDatetime]);
    text = parsed;
  }
  if (s.pattern !== undefined && !new RegExp(s.pattern, 'u').test(text)) {
    errors.push(s['x-drf-pattern-message'] ?? Messages.invalidPattern);
  }
  if (errors.length > 0) throw new FieldError(errors);
  return text;
}

/**
 * Whether a free-form JSON value (attributes, fixed_data) holds a NUL in a key or string:
 * PostgreSQL's jsonb cannot store `\u0000`, so it is refused here, naming the field, rather
 * than by the database.
 */
function containsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\0');
  if (Array.isArray(value)) return value.some(containsNul);
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).some(([key, item]) => key.includes('\0') || containsNul(item));
  }
  return false;
}

/** Python's repr()-like text of a JSON value inside Django's message quotes. */
function pyText(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`)
      .join(', ')}}`;
  }
  return pyStr(value);
}

function pyRepr(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : pyText(value);
}

/**
 * PrimaryKeyRelatedField.to_internal_value over a UUID key: a bool is an "Incorrect type"; an
 * integer is `uuid.UUID(int=n)`; a string is `uuid.UUID(hex=s)` (braces, `urn:uuid:`, dashes
 * and case are accepted, whitespace is not); anything else fails Django's UUIDField check.
 * @see rest_framework/relations.py PrimaryKeyRelatedField, django/db/models/fields/__init__.py UUIDField
 */
function validateUuidPk(value: unknown): string {
  if (typeof value === 'boolean') throw new FieldError([Messages.pkIncorrectType('bool')]);
  const invalid = () => new FieldError([`“${pyText(value)}” is not a valid UUID.`]);
  let hex: string;
  if (typeof value === 'number' && Number.isSafeInteger(value)) {
    if (value < 0) throw invalid();
    hex = value.toString(16).padStart(32, '0');
  } else if (typeof value === 'string') {
    hex = value
      .split('urn:')
      .join('')
      .split('uuid:')
      .join('')
      .replace(/^[{}]+|[{}]+$/g, '')
      .replace(/-/g, '');
    if (!/^[0-9a-f]{32}$/i.test(hex)) throw invalid();
  } else {
    throw invalid();
  }
  return canonicalUuid(hex);
}

function validateInteger(s: JsonSchema, value: unknown): number {
  let number: number;
  if (typeof value === 'number') number = value;
  else if (typeof value === 'string' && /^\s*[-+]?\d+(\.0*)?\s*$/.test(value))
    number = Number.parseInt(value, 10);
  else throw new FieldError([Messages.invalidInteger]);
  if (!Number.isInteger(number)) throw new FieldError([Messages.invalidInteger]);
  if (s.maximum !== undefined && number > s.maximum) throw new FieldError([Messages.maxValue(s.maximum)]);
  if (s.minimum !== undefined && number < s.minimum) throw new FieldError([Messages.minValue(s.minimum)]);
  return number;
}

function validateObject(s: JsonSchema, data: Record<string, unknown>, registry: SchemaRegistry) {
  const errors: FieldErrors = {};
  const out: Record<string, unknown> = {};
  for (const [key, property] of Object.entries(s.properties ?? {})) {
    const resolved = resolveSchema(property, registry);
    if (resolved.readOnly) continue;
    if (!(key in data) || data[key] === undefined) {
      if (s.required?.includes(key)) errors[key] = [Messages.required];
      continue;
    }
    try {
      out[key] = validateField(property, data[key], registry);
    } catch (error) {
      if (!(error instanceof FieldError)) throw error;
      errors[key] = error.detail;
    }
  }
  if (Object.keys(errors).length > 0) throw new FieldError(errors);
  return out;
}

/** The canonical lower-case dashed form of a UUID accepted by `UUID_RE`. */
export function canonicalUuid(text: string): string {
  const hex = text.replace(/-/g, '').toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Parses Django's datetime input forms into an ISO string PostgreSQL accepts; naive values
 * are taken as UTC (authentik's TIME_ZONE). Returns undefined when the value is not a date.
 *
 * The offset follows Django's parse_datetime: `±HH`, `±HHMM` or `±HH:MM`, the minutes added to
 * the hours (`+01:75` is 2h15), and Python's `timezone` refuses anything not strictly within
 * 24 hours, which Django's form and serializer fields report as an invalid date. PostgreSQL
 * only takes offsets up to 15:59, so a larger one is applied here and the value given in UTC.
 */
export function parseDatetime(text: string): string | undefined {
  const m = DATETIME_RE.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, sec = '0', frac = '', tz = 'Z'] = m;
  const parts = [Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(sec)];
  const date = new Date(Date.UTC(parts[0], parts[1] - 1, parts[2], parts[3], parts[4], parts[5]));
  if (
    date.getUTCFullYear() !== parts[0] ||
    date.getUTCMonth() !== parts[1] - 1 ||
    date.getUTCDate() !== parts[2] ||
    parts[3] > 23 ||
    parts[4] > 59 ||
    parts[5] > 59
  ) {
    return undefined;
  }
  let offsetMinutes = 0;
  if (tz.toUpperCase() !== 'Z') {
    const digits = tz.slice(1).replace(':', '');
    const magnitude = Number(digits.slice(0, 2)) * 60 + (digits.length > 2 ? Number(digits.slice(2)) : 0);
    if (magnitude >= 24 * 60) return undefined;
    offsetMinutes = tz[0] === '-' ? -magnitude : magnitude;
  }
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const fraction = frac ? `.${frac.padEnd(6, '0')}` : '';
  if (Math.abs(offsetMinutes) < 16 * 60) {
    const abs = Math.abs(offsetMinutes);
    const offset = `${offsetMinutes < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
    return `${pad(parts[0], 4)}-${pad(parts[1])}-${pad(parts[2])}T${pad(parts[3])}:${pad(parts[4])}:${pad(parts[5])}${fraction}${offset}`;
  }
  const utc = new Date(date.getTime() - offsetMinutes * 60_000);
  const year = utc.getUTCFullYear();
  // Python's datetime has no year outside 1..9999 to convert to.
  if (year < 1 || year > 9999) return undefined;
  return `${pad(year, 4)}-${pad(utc.getUTCMonth() + 1)}-${pad(utc.getUTCDate())}T${pad(utc.getUTCHours())}:${pad(utc.getUTCMinutes())}:${pad(utc.getUTCSeconds())}${fraction}+00:00`;
}

export type BodyValidationResult = { value: Record<string, unknown> } | { errors: unknown };

/**
 * Validates a request body the way a DRF serializer's `is_valid()` does. A missing body is
 * `{}` (DRF parses an empty JSON body as empty data).
 */
export function validateBody(
  schema: JsonSchema,
  body: unknown,
  registry: SchemaRegistry,
): BodyValidationResult {
  const s = resolveSchema(schema, registry);
  // A union (authentik's FlowChallengeResponseRequest) is not a serializer: the view hands the
  // raw data to whichever stage answers, which validates it with its own rules.
  if (s.oneOf) return { value: (body ?? {}) as Record<string, unknown> };
  if (typeOf(s) === 'array') {
    try {
      return { value: validateField(s, body ?? [], registry) as Record<string, unknown> };
    } catch (error) {
      if (error instanceof FieldError) return { errors: error.detail };
      throw error;
    }
  }
  if (body === null) return { errors: { non_field_errors: [Messages.noDataProvided] } };
  const data = body === undefined ? {} : body;
  if (typeof data !== 'object' || Array.isArray(data)) {
    return { errors: { non_field_errors: [Messages.expectedDict(pythonTypeName(data))] } };
  }
  try {
    return { value: validateObject(s, data as Record<string, unknown>, registry) };
  } catch (error) {
    if (error instanceof FieldError) return { errors: error.detail };
    throw error;
  }
}

/**
 * DRF's PrimaryKeyRelatedField(many=True): the first pk of `pks` that names no object (by
 * `existing`, which answers those that do) is the field's error, recorded in `errors`.
 */
export async function checkRelatedPks(
  errors: FieldErrors,
  field: string,
  pks: string[] | undefined,
  existing: (pks: string[]) => Promise<Set<string>>,
): Promise<void> {
  if (!pks || pks.length === 0) return;
  const found = await existing(pks);
  const missing = pks.find((pk) => !found.has(pk));
  if (missing !== undefined) errors[field] = [Messages.pkDoesNotExist(missing)];
}
