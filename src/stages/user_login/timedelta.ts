/**
 * authentik's duration strings (authentik/lib/utils/time.py): `hours=1;minutes=30`, units as
 * Python's timedelta takes them, keys case-insensitive, values floats.
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

/** timedelta_from_string, in seconds; undefined where authentik's parse fails. */
export function parseTimedelta(text: string): number | undefined {
  let total = 0;
  for (const pair of text.split(';')) {
    const parts = pair.split('=');
    if (parts.length !== 2) return undefined;
    const unit = parts[0].trim().toLowerCase();
    const value = parts[1].trim();
    // authentik raises a TypeError (a 500) for an unknown unit; here it is simply invalid.
    if (!(unit in UNITS) || !/^[-+]?(\d+(\.\d*)?|\.\d+)(e[-+]?\d+)?$/i.test(value)) return undefined;
    total += Number(value) * UNITS[unit];
  }
  return Number.isFinite(total) ? total : undefined;
}

/** timedelta_string_validator's message. */
export function invalidTimedelta(value: string): string {
  return `${value} is not in the correct format of 'hours=3;minutes=1'.`;
}
