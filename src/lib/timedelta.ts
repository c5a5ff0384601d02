/**
 * authentik's duration strings (authentik/lib/utils/time.py): `hours=1;minutes=30`, units as
 * Python's timedelta takes them, keys case-insensitive, values floats. The server's duration
 * settings, a user login stage's `session_duration` and a group's token lifetime attribute all
 * read this form, as they do in authentik.
 */
const UNITS: Record<string, number> = {
  weeks: 604800,
  days: 86400,
  hours: 3600,
  minutes: 60,
  seconds: 1,
  milliseconds: 0.001,
  microseconds: 0.000001,
};

const FLOAT_RE = /^[-+]?(\d+(\.\d*)?|\.\d+)(e[-+]?\d+)?$/i;

/** timedelta_from_string, in seconds; undefined where authentik's parse fails. */
export function parseTimedelta(text: string): number | undefined {
  // authentik collects the pairs into timedelta's keyword arguments, so a repeated unit
  // replaces the earlier value rather than adding to it.
  const values = new Map<string, number>();
  for (const pair of text.split(';')) {
    const parts = pair.split('=');
    if (parts.length !== 2) return undefined;
    const unit = parts[0].trim().toLowerCase();
    const value = parts[1].trim();
    // authentik raises a TypeError (a 500) for an unknown unit; here it is simply invalid.
    if (!(unit in UNITS) || !FLOAT_RE.test(value)) return undefined;
    values.set(unit, Number(value));
  }
  let total = 0;
  for (const [unit, value] of values) total += value * UNITS[unit];
  return Number.isFinite(total) ? total : undefined;
}

/** timedelta_string_validator's message. */
export function invalidTimedelta(value: string): string {
  return `${value} is not in the correct format of 'hours=3;minutes=1'.`;
}

/**
 * timedelta_string_validator on several fields (the user_login and email stages' durations):
 * each set field whose value does not parse, with the validator's message, in field order.
 */
export function timedeltaErrors(
  values: Record<string, unknown>,
  fields: readonly string[],
): Record<string, string[]> {
  const errors: Record<string, string[]> = {};
  for (const field of fields) {
    const value = values[field];
    if (typeof value === 'string' && parseTimedelta(value) === undefined)
      errors[field] = [invalidTimedelta(value)];
  }
  return errors;
}
