/**
 * The steps every authentik list runs around its own filters: DRF's filter backends in
 * authentik's order (search first, then ObjectFilter's visibility, then the view's
 * django-filter FilterSet), and page-number pagination over the repository's two statements.
 * @see authentik/root/settings.py DEFAULT_FILTER_BACKENDS, authentik/api/pagination.py
 */
import type { Visibility, VisibilityPermissions } from './permissions.js';
import { requireActor, type Actor, type RequestContext } from './context.js';
import { FilterReader, type RawQuery } from './filters.js';
import { paginate, readPage, type Page, type PageSizeSettings } from './pagination.js';
import { readSearch } from './search.js';

export interface ListScope {
  actor: Actor;
  /** The `search` terms (a NUL already answered with authentik's bare-array 400). */
  searchTerms: string[];
  visibility: Visibility;
  /** The primary keys the caller may see, or undefined when they may see every row. */
  visiblePks: string[] | undefined;
  /** The view's filters; call `finish()` once they are all read. */
  filters: FilterReader;
}

/** Search, then the permission filter (403 when nothing at all is visible), then the filters. */
export async function listScope(
  permissions: VisibilityPermissions,
  ctx: RequestContext,
  query: RawQuery,
  viewPermission: string,
): Promise<ListScope> {
  const actor = requireActor(ctx);
  const searchTerms = readSearch(query);
  const visibility = await permissions.visibility(actor, viewPermission);
  return {
    actor,
    searchTerms,
    visibility,
    visiblePks: visibility.all ? undefined : visibility.pks,
    filters: new FilterReader(query),
  };
}

export interface ListRepository<F, R> {
  listPage(filter: F, limit: number, offset: number): Promise<{ rows: R[]; total: number | undefined }>;
  count(filter: F): Promise<number>;
}

/** The requested page of a filtered list (404 "Invalid page." past the end). */
export function pageOf<F, R>(
  repository: ListRepository<F, R>,
  filter: F,
  query: RawQuery,
  defaults: PageSizeSettings,
): Promise<Page<R>> {
  return paginate(
    readPage(query, defaults),
    (limit, offset) => repository.listPage(filter, limit, offset),
    () => repository.count(filter),
  );
}
