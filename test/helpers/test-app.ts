/**
 * Builds the real app on a fresh database for a test file, with an admin API token, and a
 * client that checks every response against authentik's OpenAPI document.
 */
import type { FastifyInstance } from 'fastify';
import { after } from 'node:test';
import { buildApp, type BuildOptions } from '../../src/app.js';
import { loadConfig, type Config, type DatabaseConfig } from '../../src/config.js';
import type { Database } from '../../src/db/client.js';
import { openTestDatabase } from './database.js';
import { assertMatchesAuthentikSchema } from './openapi-contract.js';

export const ADMIN_TOKEN = 'test-admin-token';

export interface TestResponse<T = any> {
  status: number;
  body: T;
  text: string;
  headers: Record<string, string | string[] | number | undefined>;
}

export interface RequestOptions {
  token?: string | null;
  body?: unknown;
  headers?: Record<string, string>;
  /** Send this raw payload instead of JSON-encoding `body`. */
  raw?: string;
}

export class TestClient {
  constructor(
    readonly app: FastifyInstance,
    readonly token: string | null = ADMIN_TOKEN,
  ) {}

  /** The same client acting with another token (null: anonymous). */
  as(token: string | null): TestClient {
    return new TestClient(this.app, token);
  }

  async request<T = any>(
    method: string,
    url: string,
    options: RequestOptions = {},
  ): Promise<TestResponse<T>> {
    const token = options.token === undefined ? this.token : options.token;
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (token) headers.authorization = `Bearer ${token}`;
    let payload: string | undefined = options.raw;
    if (payload === undefined && options.body !== undefined) {
      payload = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await this.app.inject({ method: method as 'GET', url, headers, payload });
    const isJson = String(response.headers['content-type'] ?? '').startsWith('application/json');
    const body = isJson && response.body !== '' ? JSON.parse(response.body) : response.body;
    assertMatchesAuthentikSchema(method, url, response.statusCode, body);
    return { status: response.statusCode, body, text: response.body, headers: response.headers };
  }

  get<T = any>(url: string, options?: RequestOptions) {
    return this.request<T>('GET', url, options);
  }
  post<T = any>(url: string, body?: unknown, options?: RequestOptions) {
    return this.request<T>('POST', url, { ...options, body });
  }
  put<T = any>(url: string, body?: unknown, options?: RequestOptions) {
    return this.request<T>('PUT', url, { ...options, body });
  }
  patch<T = any>(url: string, body?: unknown, options?: RequestOptions) {
    return this.request<T>('PATCH', url, { ...options, body });
  }
  delete<T = any>(url: string, options?: RequestOptions) {
    return this.request<T>('DELETE', url, options);
  }
}

export interface TestContext {
  app: FastifyInstance;
  database: Database;
  config: Config;
  client: TestClient;
}

/**
 * Every request of the suite comes from 127.0.0.1, and a file makes far more failed
 * authentications and refused invitation links than the default limit of 20 per minute
 * allows one address. The failures are still counted (the code path runs on each); only the
 * threshold is out of reach. test/security/rate-limit.test.ts sets its own limits.
 */
const SUITE_LIMITS = {
  TESSERA_RATE_LIMIT_FAILED_AUTH: '1000000',
  TESSERA_RATE_LIMIT_FAILED_INVITATIONS: '1000000',
};

/**
 * One app and database for a test file, closed when the file's tests end. Tests assert on the
 * rows they create themselves, so sharing within a file is safe.
 */
export async function buildTestApp(
  env: Record<string, string> = {},
  /**
   * Build options the test sets (a metrics registry, a logger), and a database the file opened
   * itself (pooler and replica tests); a fresh database otherwise.
   */
  options: Pick<BuildOptions, 'metrics' | 'logger'> & {
    opened?: { database: Database; config: DatabaseConfig };
  } = {},
): Promise<TestContext> {
  const { opened, ...buildOptions } = options;
  const { database, config: databaseConfig } = opened ?? (await openTestDatabase());
  const config = loadConfig({ AUTHENTIK_BOOTSTRAP_TOKEN: ADMIN_TOKEN, ...SUITE_LIMITS, ...env });
  config.database = databaseConfig;
  const app = await buildApp(config, { database, logger: false, schedule: false, ...buildOptions });
  await app.ready();
  after(async () => {
    await app.close();
    await database.close();
  });
  return { app, database, config, client: new TestClient(app) };
}
