/**
 * A bounded shutdown: stop accepting connections, let the requests in flight finish, and close
 * whatever is still open once the grace period is over, so a container runtime's SIGTERM is
 * answered before its SIGKILL comes.
 */
import type { Server } from 'node:http';
import type { FastifyInstance } from 'fastify';

export interface RequestTracker {
  /** Settles when no request is in flight (at once when none is). */
  drained(): Promise<void>;
}

/**
 * Counts the server's requests in flight, from their headers to the end of their response, so
 * that the shutdown knows when the last one is answered: the server's own close waits for
 * connections instead, and a kept-alive one stays open after its answer.
 */
export function trackRequests(server: Server): RequestTracker {
  let inFlight = 0;
  let waiters: (() => void)[] = [];
  server.on('request', (_request, response) => {
    inFlight += 1;
    response.once('close', () => {
      inFlight -= 1;
      if (inFlight === 0) {
        for (const wake of waiters) wake();
        waiters = [];
      }
    });
  });
  return {
    drained: () =>
      inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve)),
  };
}

/**
 * Closes the app: Fastify stops listening and answers 503 to new requests on kept-alive
 * connections. The requests in flight may finish for `graceSeconds`; then the connections
 * still open are destroyed. Resolves, once the app is closed, with whether it had to.
 */
export async function closeWithin(
  app: FastifyInstance,
  graceSeconds: number,
  requests: RequestTracker,
): Promise<{ forced: boolean }> {
  const closing = app.close();
  let timer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<true>((resolve) => {
    timer = setTimeout(() => resolve(true), graceSeconds * 1000);
  });
  const forced = await Promise.race([requests.drained().then(() => false), graceOver]);
  clearTimeout(timer);
  if (forced) {
    app.log.warn({ graceSeconds }, 'shutdown grace period over: closing the connections still open');
    app.server.closeAllConnections();
  } else {
    // A kept-alive connection whose request has been answered would otherwise hold the
    // server open until its keep-alive timeout.
    app.server.closeIdleConnections();
  }
  await closing;
  return { forced };
}
