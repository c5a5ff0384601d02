/**
 * authentik's page-number pagination (authentik/api/pagination.py, 2026 rules): `page_size`
 * defaults to the tenant default (20), is capped at the tenant maximum (100) and falls back to
 * the default when it is not a strictly positive integer; a bad or out-of-range `page` is
 * 404 "Invalid page."; `next`/`previous` are 0 when there is none.
 */
import { ApiError, Messages } from './errors.js';
import { lastValue, type RawQuery } from './filters.js';
import { pythonInt } from './python-numbers.js';
import type { PageSizeSettings } from '../config.js';

/** The tenant's page-size settings: the default `page_size` and its cap. */
export type { PageSizeSettings };

export interface PageRequest {
  /** Requested page number, or 'last'. */
  page: number | 'last';
  size: number;
}

export interface PaginationBody {
  next: number;
  previous: number;
  count: number;
  current: number;
  total_pages: number;
  start_index: number;
  end_index: number;
}

export function readPage(query: RawQuery, defaults: PageSizeSettings): PageRequest {
  const sizeRaw = lastValue(query, 'page_size');
  let size = defaults.defaultPageSize;
  if (sizeRaw !== undefined) {
    const parsed = pythonInt(sizeRaw);
    if (parsed !== undefined && parsed > 0) size = Math.min(parsed, defaults.maxPageSize);
  }
  const pageRaw = lastValue(query, 'page');
  if (pageRaw === undefined || pageRaw === '') return { page: 1, size };
  if (pageRaw === 'last') return { page: 'last', size };
  const page = pythonInt(pageRaw);
  if (page === undefined || page < 1) throw ApiError.notFound(Messages.invalidPage);
  return { page, size };
}

export function totalPages(count: number, size: number): number {
  return Math.max(1, Math.ceil(count / size));
}

/** Resolves `last` and rejects a page past the end, given the row count. */
export function resolvePage(request: PageRequest, count: number): number {
  const pages = totalPages(count, request.size);
  const page = request.page === 'last' ? pages : request.page;
  if (page > pages) throw ApiError.notFound(Messages.invalidPage);
  return page;
}

export function paginationBody(page: number, size: number, count: number): PaginationBody {
  const pages = totalPages(count, size);
  return {
    next: page < pages ? page + 1 : 0,
    previous: page > 1 ? page - 1 : 0,
    count,
    current: page,
    total_pages: pages,
    start_index: count === 0 ? 0 : (page - 1) * size + 1,
    end_index: page === pages ? count : page * size,
  };
}

export interface Page<T> {
  pagination: PaginationBody;
  results: T[];
  autocomplete: Record<string, unknown>;
}

/**
 * Runs a list with as few statements as possible: one query returning the page and the total
 * count together (a window count); the count alone only when the page came back empty past
 * page 1 or `last` was asked for.
 */
export async function paginate<T>(
  request: PageRequest,
  fetchPage: (limit: number, offset: number) => Promise<{ rows: T[]; total: number | undefined }>,
  count: () => Promise<number>,
): Promise<Page<T>> {
  if (request.page === 'last') {
    const total = await count();
    const page = resolvePage(request, total);
    const { rows } = await fetchPage(request.size, (page - 1) * request.size);
    return { pagination: paginationBody(page, request.size, total), results: rows, autocomplete: {} };
  }
  const { rows, total } = await fetchPage(request.size, (request.page - 1) * request.size);
  if (rows.length === 0) {
    // An empty page: page 1 means zero rows in all; past page 1 it is beyond the end.
    if (request.page > 1) throw ApiError.notFound(Messages.invalidPage);
    return { pagination: paginationBody(1, request.size, 0), results: [], autocomplete: {} };
  }
  return {
    pagination: paginationBody(request.page, request.size, total ?? rows.length),
    results: rows,
    autocomplete: {},
  };
}
