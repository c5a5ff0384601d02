/**
 * The Prometheus side of `Metrics`: prom-client counters and histograms on a registry of the
 * caller's (the server's, or a test's own), with prom-client's default process metrics
 * (event-loop lag, memory, handles) and the database pool's use. Served by `metricsListener`
 * on its own address (AUTHENTIK_LISTEN__METRICS, authentik's `0.0.0.0:9300`), never on the API
 * port, as authentik serves its metrics.
 */
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Database } from '../db/client.js';
import type { Metrics } from '../lib/metrics.js';

export function prometheusMetrics(registry: Registry, database?: Database): Metrics {
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'tessera_http_requests_total',
    help: 'HTTP requests answered, by route pattern, method and status',
    labelNames: ['route', 'method', 'status'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'tessera_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by route pattern, method and status',
    labelNames: ['route', 'method', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const created = new Counter({
    name: 'tessera_invitations_created_total',
    help: 'Invitations created (API and CLI)',
    registers: [registry],
  });
  const used = new Counter({
    name: 'tessera_invitations_used_total',
    help: 'Invitation links accepted by an invitation stage',
    registers: [registry],
  });
  const refused = new Counter({
    name: 'tessera_invitations_refused_total',
    help: 'Invitation links refused by an invitation stage, by reason',
    labelNames: ['reason'],
    registers: [registry],
  });
  const expired = new Counter({
    name: 'tessera_invitations_expired_total',
    help: 'Expired invitations removed by the cleanup task',
    registers: [registry],
  });
  const enrollments = new Counter({
    name: 'tessera_enrollments_total',
    help: 'Users created by enrollment flows',
    registers: [registry],
  });
  const emails = new Counter({
    name: 'tessera_emails_total',
    help: 'Invitation emails by outcome (sent or failed), one per recipient message',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const pool = database?.poolStats;
  if (pool) {
    new Gauge({
      name: 'tessera_db_pool_connections',
      help: 'PostgreSQL pool connections by state (total, idle, waiting clients)',
      labelNames: ['state'],
      registers: [registry],
      collect() {
        const stats = pool();
        this.set({ state: 'total' }, stats.total);
        this.set({ state: 'idle' }, stats.idle);
        this.set({ state: 'waiting' }, stats.waiting);
      },
    });
  }
  return {
    request(route, method, status, seconds) {
      const labels = { route, method, status: String(status) };
      requests.inc(labels);
      latency.observe(labels, seconds);
    },
    invitationsCreated: (count) => created.inc(count),
    invitationUsed: () => used.inc(),
    invitationRefused: (reason) => refused.inc({ reason }),
    invitationsExpired: (count) => expired.inc(count),
    enrollment: () => enrollments.inc(),
    emailSent: () => emails.inc({ outcome: 'sent' }),
    emailFailed: () => emails.inc({ outcome: 'failed' }),
  };
}

/** A plain HTTP listener that answers `GET /metrics` with the registry's text exposition. */
export function metricsListener(registry: Registry): Server {
  return createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found\n');
      return;
    }
    registry.metrics().then(
      (text) => {
        response.writeHead(200, { 'content-type': registry.contentType });
        response.end(request.method === 'HEAD' ? undefined : text);
      },
      () => response.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n'),
    );
  });
}

export { Registry };
