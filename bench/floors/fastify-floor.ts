/**
 * Floor 1, what the framework costs: a bare Fastify route that answers every GET with a
 * stored copy of Tessera's response bytes for the case (no database, no validation, no
 * serialization). Started by the suite: `node --import tsx bench/floors/fastify-floor.ts`
 * with FLOOR_PORT and FLOOR_BODY_FILE.
 */
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

const body = readFileSync(process.env.FLOOR_BODY_FILE ?? '');
const app = Fastify({ logger: false });
app.get('/*', async (_request, reply) => reply.type('application/json').send(body));
app.get('/-/health/ready/', async (_request, reply) => reply.send());
await app.listen({ host: '127.0.0.1', port: Number(process.env.FLOOR_PORT) });
