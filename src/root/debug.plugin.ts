/**
 * Opt-in instrumentation for the benchmark suite (bench/), enabled only by
 * TESSERA_DEBUG_STATS=1 and answered only to loopback clients:
 *
 * - `GET /-/debug/stats/`: statements issued since start (deltas over N sequential requests
 *   give the statements per request) and the process's memory.
 * - `POST /-/debug/capture/`: start recording the text and parameters of every statement;
 *   `GET /-/debug/capture/` returns what was recorded and stops. The suite replays a case's
 *   statements with plain `pg` to measure what the database alone costs.
 *
 * Captured parameters include whatever the requests carried (token keys among them), which
 * is why this is off by default and loopback-only. Without the setting the root feature does not
 * register this plugin: the database has no statement listener and no route exists.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';

const MAX_CAPTURED = 1000;

function fromLoopback(request: FastifyRequest): boolean {
  const address = request.socket.remoteAddress ?? '';
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}

export async function debugPlugin(app: FastifyInstance): Promise<void> {
  let statements = 0;
  let capture: { sql: string; params: unknown[] }[] | null = null;
  const stop = app.database.onStatement((sql, params) => {
    statements += 1;
    if (capture && capture.length < MAX_CAPTURED) capture.push({ sql, params });
  });
  app.addHook('onClose', async () => stop());
  app.addHook('onRequest', async (request, reply) => {
    if (!fromLoopback(request)) return reply.code(404).send();
  });
  // The capture must see a request's statements as it runs with warm caches: these requests
  // change nothing, so they leave the caches be.
  const config = { cacheNeutral: true };
  app.get('/-/debug/stats/', { schema: { hide: true }, config }, async () => ({
    statements,
    rss: process.memoryUsage().rss,
  }));
  app.post('/-/debug/capture/', { schema: { hide: true }, config }, async (_request, reply) => {
    capture = [];
    return reply.code(204).send();
  });
  app.get('/-/debug/capture/', { schema: { hide: true }, config }, async () => {
    const captured = capture ?? [];
    capture = null;
    return { statements: captured };
  });
}
