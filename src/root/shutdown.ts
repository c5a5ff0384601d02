/**
 * A bounded shutdown: stop accepting connections, let the requests in flight finish, and close
 * whatever is still open once the grace period is over, so a container runtime's SIGTERM is
 * answered before its SIGKILL comes.
 */
import type { FastifyInstance } from 'fastify';

/**
 * Closes the app (Fastify stops listening, answers 503 to new requests on kept-alive
 * connections and closes the idle ones, then runs its onClose hooks). Requests still running
 * after `graceSeconds` have their connections destroyed. Resolves with whether it had to.
 */
export async function closeWithin(app: FastifyInstance, graceSeconds: number): Promise<{ forced: boolean }> {
  let forced = false;
  const timer = setTimeout(() => {
    forced = true;
    app.log.warn({ graceSeconds }, 'shutdown grace period over: closing the connections still open');
    app.server.closeAllConnections();
  }, graceSeconds * 1000);
  try {
    await app.close();
  } finally {
    clearTimeout(timer);
  }
  return { forced };
}
