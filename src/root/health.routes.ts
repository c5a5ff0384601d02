/**
 * authentik's health endpoints: `/-/health/live/` answers while the process runs,
 * `/-/health/ready/` only while the database answers (503 otherwise).
 */
import type { FastifyInstance } from 'fastify';
import { sql } from 'drizzle-orm';

export async function healthRoutes(app: FastifyInstance): Promise<void> {
  app.get('/-/health/live/', { schema: { hide: true } }, async (_request, reply) => reply.code(200).send());
  app.get('/-/health/ready/', { schema: { hide: true } }, async (request, reply) => {
    try {
      await app.database.db.execute(sql`SELECT 1`);
      return reply.code(200).send();
    } catch (error) {
      request.log.warn({ err: error }, 'database not ready');
      return reply.code(503).send();
    }
  });
}
