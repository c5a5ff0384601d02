/**
 * django-filter semantics for list query parameters, shared by every list endpoint.
 * Problems are collected per field and reported together as one DRF 400, as the
 * DjangoFilterBackend does when the filterset form is invalid.
 * @see django_filters/rest_framework/backends.py, django/forms/widgets.py NullBooleanSelect
 */
import { ApiError, Messages, type FieldErrors } from './errors.js';
import { pythonDecimal } from './python-numbers.js';

export type RawQuery = Record<string, string | string[] | undefined>;

/** Django's QueryDict.get(): the last value of a repeated parameter. */
export function lastValue(query: RawQuery, key: string): string | undefined {
  const value = query[key];
  return Array.isArray(value) ? value[value.length - 1] : value;
}

/** Every value of a repeated parameter (QueryDict.getlist()). */
export function allValues(query: RawQuery, key: string): string[] {
  const value = query[key];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

const UUID_FILTER_RE = /^[0-9a-f]{32}$/i;

/**
 * Python's uuid.UUID() input forms, as a Django UUID form field accepts them: surrounding
 * whitespace, braces, a `urn:uuid:` prefix, dashes anywhere, any case. Returns the canonical
 * form, or undefined.
 */
export function parseUuid(raw: string): string | undefined {
  const hex = raw
    .trim()
    .replace('urn:', '')
    .replace('uuid:', '')
    .replace(/^\{+|\}+$/g, '')
    .replace(/-/g, '');
  if (!UUID_FILTER_RE.test(hex)) return undefined;
  const lower = hex.toLowerCase();
  return `${lower.slice(0, 8)}-${lower.slice(8, 12)}-${lower.slice(12, 16)}-${lower.slice(16, 20)}-${lower.slice(20)}`;
}

/**
 * Collects the filters of one list request. Each reader returns undefined for "no filter";
 * `finish()` throws the combined 400 when any value was invalid.
 */
export class FilterReader {
  private readonly errors: FieldErrors = {};

  constructor(private readonly query: RawQuery) {}

  /**
   * Every non-empty value of a repeated parameter, as sent: a multiple-choice filter whose
   * values are judged later, with the database checks.
   */
  values(key: string): string[] | undefined {
    const values = allValues(this.query, key).filter((value) => value !== '');
    return values.length > 0 ? values : undefined;
  }

  /**
   * A CharFilter's value (stripped, empty means no filter) with a NUL left in, for a filter
   * that reports it later, with the database checks.
   */
  textWithNul(key: string): string | undefined {
    const value = lastValue(this.query, key)?.trim();
    return value === '' ? undefined : value;
  }

  /** CharFilter: stripped, empty means no filter, NUL is an error. */
  text(key: string): string | undefined {
    const raw = lastValue(this.query, key);
    if (raw === undefined) return undefined;
    if (raw.includes('\0')) {
      this.errors[key] = [Messages.nullCharacters];
      return undefined;
    }
    const value = raw.trim();
    return value === '' ? undefined : value;
  }

  /**
   * BooleanFilter on a plain FilterSet uses NullBooleanSelect: `true`/`True`/`2` and
   * `false`/`False`/`3`; any other value silently means no filter.
   */
  boolean(key: string): boolean | undefined {
    const raw = lastValue(this.query, key);
    if (raw === 'true' || raw === 'True' || raw === '2') return true;
    if (raw === 'false' || raw === 'False' || raw === '3') return false;
    return undefined;
  }

  /**
   * BooleanFilter on a `django_filters.rest_framework.FilterSet` (generated from
   * `filterset_fields`) uses BooleanWidget: `true`/`false`/`1`/`0` in any case; anything else
   * means no filter.
   */
  drfBoolean(key: string): boolean | undefined {
    const raw = lastValue(this.query, key)?.toLowerCase();
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
    return undefined;
  }

  /** ModelMultipleChoiceFilter over UUID keys: every value must be a UUID. */
  uuidList(key: string): string[] | undefined {
    const raws = allValues(this.query, key).filter((raw) => raw !== '');
    if (raws.length === 0) return undefined;
    const values = raws.map((raw) => parseUuid(raw));
    const bad = raws.find((_raw, index) => values[index] === undefined);
    if (bad !== undefined) {
      this.errors[key] = [`“${bad}” is not a valid UUID.`];
      return undefined;
    }
    return values as string[];
  }

  /** UUIDFilter: empty means no filter, anything unparsable is "Enter a valid UUID.". */
  uuid(key: string): string | undefined {
    const raw = lastValue(this.query, key);
    if (raw === undefined || raw.trim() === '') return undefined;
    const value = parseUuid(raw);
    if (value === undefined) this.errors[key] = [Messages.invalidUuidFilter];
    return value;
  }

  /**
   * NumberFilter on an integer field: the value is a Python Decimal (forms.DecimalField:
   * surrounding whitespace, a sign, `_` between digits, an exponent, Unicode digits; not NaN or
   * infinity), which the integer column's lookup truncates towards zero (`int(Decimal)`).
   * Empty means no filter. A value outside the column's range matches nothing, as Django's
   * overflow-aware integer lookups answer, so the caller compares it as numeric.
   * @see django/forms/fields.py DecimalField, django/db/models/lookups.py IntegerFieldOverflow
   */
  integer(key: string): number | undefined {
    const raw = lastValue(this.query, key);
    if (raw === undefined || raw === '') return undefined;
    const value = pythonDecimal(raw);
    if (value === undefined) {
      this.errors[key] = ['Enter a number.'];
      return undefined;
    }
    return Math.trunc(value);
  }

  /**
   * ModelChoiceFilter over a UUID primary key (a foreign key in `filterset_fields`): the value
   * must name an existing object. This checks the form (Python's `uuid.UUID(hex=...)`, no
   * trimming); the caller checks existence and reports a miss with `fail(key,
   * Messages.invalidModelChoice)`. Empty means no filter.
   * @see django/forms/models.py ModelChoiceField.to_python
   */
  modelChoiceUuid(key: string): string | undefined {
    const raw = lastValue(this.query, key);
    if (raw === undefined || raw === '') return undefined;
    const value = /\s/.test(raw) ? undefined : parseUuid(raw);
    if (value === undefined) this.errors[key] = [Messages.invalidModelChoice];
    return value;
  }

  /** ChoiceFilter: an unknown choice is a 400 with Django's choice message. */
  choice<T extends string>(key: string, choices: readonly T[]): T | undefined {
    const raw = lastValue(this.query, key);
    if (raw === undefined || raw === '') return undefined;
    if ((choices as readonly string[]).includes(raw)) return raw as T;
    this.errors[key] = [`Select a valid choice. ${raw} is not one of the available choices.`];
    return undefined;
  }

  /** IsoDateTimeFilter: Django's datetime parsing; invalid is "Enter a valid date/time.". */
  datetime(key: string, parse: (text: string) => string | undefined): string | undefined {
    const raw = lastValue(this.query, key);
    if (raw === undefined || raw.trim() === '') return undefined;
    const value = parse(raw.trim());
    if (value === undefined) this.errors[key] = ['Enter a valid date/time.'];
    return value;
  }

  /** The parameter's last value as sent (QueryDict.get()), for filters that parse it later. */
  value(key: string): string | undefined {
    return lastValue(this.query, key);
  }

  /** Every value of the parameter as sent, empty ones included (QueryDict.getlist()). */
  rawValues(key: string): string[] {
    return allValues(this.query, key);
  }

  fail(key: string, message: string): void {
    this.errors[key] = [message];
  }

  finish(): void {
    if (Object.keys(this.errors).length > 0) throw ApiError.validation(this.errors);
  }

  /** The collected errors, or undefined when every value was valid. */
  failures(): FieldErrors | undefined {
    return Object.keys(this.errors).length > 0 ? this.errors : undefined;
  }
}
