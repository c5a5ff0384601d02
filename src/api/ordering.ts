/**
 * DRF's OrderingFilter: a comma-separated list of fields, `-` for descending; unknown fields
 * are silently dropped and the view's default applies when nothing valid remains. There is no
 * implicit tie-breaker.
 * @see rest_framework/filters.py OrderingFilter.get_ordering / remove_invalid_fields
 */
import { lastValue, type RawQuery } from './filters.js';

export interface OrderTerm<F extends string> {
  field: F;
  descending: boolean;
}

export function readOrdering<F extends string>(
  query: RawQuery,
  allowed: readonly F[],
  fallback: readonly string[],
): OrderTerm<F>[] {
  const raw = lastValue(query, 'ordering');
  const parse = (terms: readonly string[]) =>
    terms
      .map((term) => term.trim())
      .filter((term) => (allowed as readonly string[]).includes(term.startsWith('-') ? term.slice(1) : term))
      .map((term) => ({
        field: (term.startsWith('-') ? term.slice(1) : term) as F,
        descending: term.startsWith('-'),
      }));
  const requested = raw ? parse(raw.split(',')) : [];
  return requested.length > 0 ? requested : parse(fallback);
}
