/**
 * The hash router's address format: `#/<path>[/<param>][?<query>]`. The query holds a list's
 * filters, so a filtered list can be linked to and survives a reload.
 */
export interface HashRoute {
  path: string;
  param: string | undefined;
  query: URLSearchParams;
}

export const DEFAULT_PATH = 'overview';

export function parseHash(hash: string): HashRoute {
  const [location, search = ''] = hash.replace(/^#\/?/, '').split('?', 2);
  const [path, ...rest] = location.split('/').filter(Boolean);
  return {
    path: path ?? DEFAULT_PATH,
    param: rest.length > 0 ? decodeURIComponent(rest.join('/')) : undefined,
    query: new URLSearchParams(search),
  };
}

/** The current address's query. */
export function hashQuery(): URLSearchParams {
  return parseHash(location.hash).query;
}

/** Replaces the current address's query without a navigation (no new history entry). */
export function replaceHashQuery(values: Record<string, string | undefined>): void {
  const { path, param } = parseHash(location.hash);
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) if (value) query.set(key, value);
  const text = query.toString();
  const hash = `#/${path}${param !== undefined ? `/${encodeURIComponent(param)}` : ''}${text ? `?${text}` : ''}`;
  history.replaceState(history.state, '', hash);
}
