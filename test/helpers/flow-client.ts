/**
 * A browser-like client for flow tests: keeps the cookies the server sets (the session and
 * CSRF cookies), sends them back, and checks every API response against authentik's schema.
 */
import type { FastifyInstance } from 'fastify';
import { assertMatchesAuthentikSchema } from './openapi-contract.js';

export interface FlowResponse<T = any> {
  status: number;
  body: T;
  headers: Record<string, string | string[] | number | undefined>;
}

export class FlowBrowser {
  readonly cookies = new Map<string, string>();

  constructor(
    readonly app: FastifyInstance,
    readonly headers: Record<string, string> = {},
  ) {}

  async request<T = any>(method: 'GET' | 'POST', url: string, body?: unknown): Promise<FlowResponse<T>> {
    const headers: Record<string, string> = { ...this.headers };
    if (this.cookies.size > 0) {
      headers.cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    }
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (method === 'POST' && this.cookies.has('authentik_csrf')) {
      headers['x-authentik-csrf'] = this.cookies.get('authentik_csrf') as string;
    }
    const response = await this.app.inject({
      method,
      url,
      headers,
      payload: body === undefined ? undefined : JSON.stringify(body),
    });
    for (const cookie of response.cookies as { name: string; value: string; maxAge?: number }[]) {
      if (cookie.maxAge === 0 || cookie.value === '') this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, cookie.value);
    }
    const isJson = String(response.headers['content-type'] ?? '').startsWith('application/json');
    const parsed = isJson && response.body !== '' ? JSON.parse(response.body) : response.body;
    assertMatchesAuthentikSchema(method, url, response.statusCode, parsed);
    return { status: response.statusCode, body: parsed, headers: response.headers };
  }

  /** The executor URL the web client uses: the page's query string wrapped in `?query=`. */
  static executorUrl(slug: string, query = ''): string {
    return `/api/v3/flows/executor/${slug}/?query=${encodeURIComponent(query)}`;
  }

  get<T = any>(slug: string, query = '') {
    return this.request<T>('GET', FlowBrowser.executorUrl(slug, query));
  }

  post<T = any>(slug: string, answer: Record<string, unknown>, query = '') {
    return this.request<T>('POST', FlowBrowser.executorUrl(slug, query), answer);
  }

  get sessionKey(): string | undefined {
    return this.cookies.get('authentik_session');
  }
}
