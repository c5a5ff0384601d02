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
 * is why this is off by default and loopback-only.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';

function fromLoopback(request: FastifyRequest): boolean {
  const address = request.socket.remoteAddress ?? '';
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}

export async function debugRoutes(app: FastifyInstance): Promise<void> {
  const { stats } = app.database;
  app.addHook('onRequest', async (request, reply) => {
    if (!fromLoopback(request)) return reply.code(404).send();
  });
  app.get('/-/debug/stats/', { schema: { hide: true } }, async () => ({
    statements: stats.statements,
    rss: process.memoryUsage().rss,
  }));
  app.post('/-/debug/capture/', { schema: { hide: true } }, async (_request, reply) => {
    stats.capture = [];
    return reply.code(204).send();
  });
  app.get('/-/debug/capture/', { schema: { hide: true } }, async () => {
    const captured = stats.capture ?? [];
    stats.capture = null;
    return { statements: captured };
  });
}
