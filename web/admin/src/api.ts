/**
 * The one client configuration of the admin interface: the official `@goauthentik/api`
 * client against this server's REST API v3, authenticated by the signed-in session. Unsafe
 * methods carry the CSRF cookie's value in `X-authentik-CSRF`, as authentik's web UI sends it
 * (src/api/authentication.ts checks the pair).
 */
import {
  BaseAPI,
  Configuration,
  CoreApi,
  EventsApi,
  FlowsApi,
  ManagedApi,
  RbacApi,
  ResponseError,
  StagesApi,
  type Middleware,
  type RequestOpts,
} from '@goauthentik/api';

export const CSRF_COOKIE = 'authentik_csrf';
export const CSRF_HEADER = 'X-authentik-CSRF';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function cookie(name: string): string | undefined {
  for (const part of document.cookie.split(';')) {
    const index = part.indexOf('=');
    if (index !== -1 && part.slice(0, index).trim() === name) {
      return decodeURIComponent(part.slice(index + 1).trim());
    }
  }
  return undefined;
}

const csrf: Middleware = {
  async pre(context) {
    const method = (context.init.method ?? 'GET').toUpperCase();
    if (SAFE_METHODS.has(method)) return context;
    const token = cookie(CSRF_COOKIE);
    if (token === undefined) return context;
    const headers = new Headers(context.init.headers);
    headers.set(CSRF_HEADER, token);
    return { ...context, init: { ...context.init, headers } };
  },
};

export const configuration = new Configuration({
  basePath: '/api/v3',
  credentials: 'same-origin',
  middleware: [csrf],
});

export const coreApi = new CoreApi(configuration);
export const eventsApi = new EventsApi(configuration);
export const flowsApi = new FlowsApi(configuration);
export const managedApi = new ManagedApi(configuration);
export const rbacApi = new RbacApi(configuration);
export const stagesApi = new StagesApi(configuration);

/**
 * Tessera's documented extensions (docs/compatibility.md) that the official client has no
 * method or field for: the invitation's `max_uses`/`uses` and its `uses/` record. The request
 * is the official client's own (its `...RequestOpts`), sent through the same configuration and
 * middleware; only the extra fields are added to its body or read from the raw JSON.
 */
class ExtensionApi extends BaseAPI {
  async json<T>(opts: RequestOpts, extraBody?: Record<string, unknown>): Promise<T> {
    const body = extraBody ? { ...(opts.body as Record<string, unknown>), ...extraBody } : opts.body;
    const response = await this.request({ ...opts, body });
    return (await response.json()) as T;
  }
  async send(opts: RequestOpts, extraBody?: Record<string, unknown>): Promise<void> {
    const body = extraBody ? { ...(opts.body as Record<string, unknown>), ...extraBody } : opts.body;
    await this.request({ ...opts, body });
  }
}
export const extensionApi = new ExtensionApi(configuration);

/** Settings a form refuses before sending anything; its message is shown as it is. */
export class InputRefusal extends Error {}

/** What a person should read for a failed request: a summary and the errors per field. */
export interface ReadableError {
  message: string;
  fields: Record<string, string[]>;
}

function flatten(value: unknown, prefix = ''): [string, string[]][] {
  if (typeof value === 'string') return [[prefix, [value]]];
  if (Array.isArray(value)) {
    if (value.every((item) => typeof item === 'string')) return [[prefix, value as string[]]];
    return value.flatMap((item, index) => flatten(item, prefix ? `${prefix}.${index}` : String(index)));
  }
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => flatten(item, prefix ? `${prefix}.${key}` : key));
  }
  return [];
}

/**
 * Turns an authentik error body into words: DRF field errors per field (nested lists such as
 * `email_addresses: {"1": [...]}` keep their path), `non_field_errors` and `detail` as the
 * summary. A 403 says it is a missing permission; the server's own text names which when it can.
 */
export async function describeError(error: unknown): Promise<ReadableError> {
  if (error instanceof InputRefusal) return { message: error.message, fields: {} };
  if (!(error instanceof ResponseError)) {
    const text = error instanceof Error ? error.message : String(error);
    return { message: `The server could not be reached: ${text}`, fields: {} };
  }
  const status = error.response.status;
  let body: unknown;
  try {
    body = await error.response.clone().json();
  } catch {
    body = undefined;
  }
  const fields: Record<string, string[]> = {};
  const summary: string[] = [];
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
    for (const [key, value] of Object.entries(body)) {
      if (key === 'detail' || key === 'non_field_errors' || key === 'code') {
        if (key !== 'code') summary.push(...flatten(value).flatMap(([, messages]) => messages));
        continue;
      }
      for (const [path, messages] of flatten(value, key)) fields[path] = messages;
    }
  }
  if (status === 403) {
    const detail = summary.join(' ');
    return {
      message: `Not allowed: ${detail || 'your account lacks the permission this needs.'}`,
      fields,
    };
  }
  if (summary.length > 0) return { message: summary.join(' '), fields };
  if (Object.keys(fields).length > 0) return { message: 'Please correct the fields marked below.', fields };
  if (status === 404) return { message: 'Not found: it may have been deleted.', fields };
  if (status === 429) return { message: 'Too many attempts: wait a minute and try again.', fields };
  return { message: `The server answered ${status} ${error.response.statusText}.`, fields };
}
