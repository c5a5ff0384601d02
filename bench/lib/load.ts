/** The load driver: autocannon, used programmatically, bounded in duration and connections. */
import autocannon from 'autocannon';

export interface LoadRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  headers?: Record<string, string>;
  /** A body, or a function giving a fresh one per request (creates need unique names). */
  body?: string | (() => string);
}

export interface LoadResult {
  requests: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  non2xx: number;
  errors: number;
  statusCodes: Record<string, number>;
}

export async function runLoad(
  baseUrl: string,
  request: LoadRequest,
  options: { connections: number; duration: number },
): Promise<LoadResult> {
  const statusCodes: Record<string, number> = {};
  const body = request.body;
  const instance = autocannon({
    url: baseUrl,
    connections: options.connections,
    duration: options.duration,
    requests: [
      {
        method: request.method ?? 'GET',
        path: request.path,
        headers: {
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...request.headers,
        },
        ...(typeof body === 'function'
          ? { setupRequest: (req: Record<string, unknown>) => ({ ...req, body: body() }) }
          : body !== undefined
            ? { body }
            : {}),
      },
    ],
  });
  instance.on('response', (_client: unknown, statusCode: number) => {
    statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1;
  });
  const result = await instance;
  const total = result.requests.total;
  return {
    requests: total,
    rps: total / result.duration,
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    statusCodes,
  };
}
