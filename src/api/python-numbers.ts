/**
 * Python's `int()` and `Decimal()` on query text, which Django's and DRF's fields call: both
 * take surrounding whitespace, a sign, `_` between digits and any Unicode decimal digit, so
 * `page_size=２０` and `?id=1_0` parse in authentik and must parse here.
 */

const INT_RE = /^[-+]?\p{Nd}+(?:_\p{Nd}+)*$/u;
const DECIMAL_RE =
  /^[-+]?(?:\p{Nd}(?:_?\p{Nd})*(?:\.(?:\p{Nd}(?:_?\p{Nd})*)?)?|\.\p{Nd}(?:_?\p{Nd})*)(?:[eE][-+]?\p{Nd}(?:_?\p{Nd})*)?$/u;

/** Python's `int(text)` for values a double holds exactly; undefined when invalid or larger. */
export function pythonInt(raw: string): number | undefined {
  const text = raw.trim().normalize('NFKC');
  if (!INT_RE.test(text)) return undefined;
  const value = Number(asciiNumeral(text));
  return Number.isSafeInteger(value) ? value : undefined;
}

/** Python's `Decimal(text)` for finite values, as a JS number; undefined when invalid. */
export function pythonDecimal(raw: string): number | undefined {
  const text = raw.trim().normalize('NFKC');
  if (!DECIMAL_RE.test(text)) return undefined;
  const value = Number(asciiNumeral(text));
  // A finite Decimal beyond a double's range (1e999) still parses; it matches no integer row.
  if (!Number.isFinite(value)) return value > 0 ? Number.MAX_VALUE : -Number.MAX_VALUE;
  return value;
}

/** The numeral with `_` dropped and every Unicode decimal digit written as its ASCII digit. */
function asciiNumeral(text: string): string {
  return text.replace(/_/g, '').replace(/\p{Nd}/gu, (digit) => String(digitValue(digit)));
}

/**
 * The value of a decimal digit. Unicode's decimal digits come in runs of ten starting at a
 * zero, so the value is the distance back to the run's first digit. The longer runs (the
 * mathematical digits) are gone by here: NFKC turns them into ASCII.
 */
function digitValue(digit: string): number {
  const code = digit.codePointAt(0) ?? 48;
  let zero = code;
  while (zero > code - 9 && /\p{Nd}/u.test(String.fromCodePoint(zero - 1))) zero -= 1;
  return code - zero;
}
