/**
 * DRF's SearchFilter term splitting, which authentik's QLSearch falls back to for every view
 * without query-language fields (the invitation stage and invitation lists among them).
 * @see rest_framework/filters.py search_smart_split, django/utils/text.py smart_split
 */
import { ApiError, Messages } from './errors.js';
import { lastValue, type RawQuery } from './filters.js';

// django.utils.text.smart_split_re: runs of non-space text with quoted phrases kept whole.
const SMART_SPLIT_RE = /((?:[^\s'"]*(?:(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')[^\s'"]*)+)|\S+)/g;

function unescapeStringLiteral(term: string): string {
  const quote = term[0];
  return term.slice(1, -1).split(`\\${quote}`).join(quote).split('\\\\').join('\\');
}

/** Splits a search value into AND-ed terms exactly as DRF does. */
export function searchTerms(value: string): string[] {
  const terms: string[] = [];
  for (const match of value.matchAll(SMART_SPLIT_RE)) {
    const term = match[0].replace(/^,+|,+$/g, '');
    if ((term.startsWith('"') || term.startsWith("'")) && term[0] === term[term.length - 1]) {
      terms.push(unescapeStringLiteral(term));
    } else {
      for (const sub of term.split(',')) if (sub) terms.push(sub.trim());
    }
  }
  return terms;
}

/**
 * The `search` parameter's terms. A NUL character is rejected by the CharField DRF runs the
 * raw value through. authentik answers that with a bare JSON array (`["Null characters are not
 * allowed."]`), which its own schema does not allow for a 400 (ValidationError is an object);
 * Tessera names the parameter as every other filter error does.
 */
export function readSearch(query: RawQuery): string[] {
  const raw = lastValue(query, 'search');
  if (raw === undefined || raw === '') return [];
  if (raw.includes('\0')) throw ApiError.validation({ search: [Messages.nullCharacters] });
  return searchTerms(raw);
}

/** Escapes a term for a LIKE pattern (Django's icontains escapes %, _ and \). */
export function likeContains(term: string): string {
  return `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
