/**
 * Read replicas: which statements may be answered by one.
 *
 * authentik's router sends every ORM read to a randomly chosen replica and stays on the
 * primary inside a transaction. Tessera is stricter, because a replica lags behind:
 * - only GET and HEAD requests to the API (lists and retrieves) read from a replica, and only
 *   their plain SELECT statements outside a transaction; the flow executor and pages never do,
 *   since a flow reads back the plan it has just written;
 * - authentication runs before routing starts, on the primary, so a token made a moment ago
 *   works at once;
 * - once a request has written, the rest of it reads from the primary, and so does every
 *   request from the same client (its Authorization header, else its session cookie, else its
 *   address) for TESSERA_POSTGRESQL_READ_REPLICA_PIN_SECONDS after a request that wrote;
 * - a replica that cannot be reached is skipped for a while and the statement is answered by
 *   the primary;
 * - a replica that has fallen behind is skipped until it catches up: every
 *   TESSERA_POSTGRESQL_READ_REPLICA_LAG_CHECK_SECONDS the primary's WAL position is compared
 *   with what each replica has replayed, and a replica that has not reached the position the
 *   primary had one check earlier is left out;
 * - a statement a replica answers with no rows is asked again of the primary: a lagging replica
 *   lacks rows the primary has (an object made a moment ago, the user of a new token), so
 *   "not found" is only believed from the primary.
 * The pin lives in the instance that served the write: behind a load balancer that does not
 * keep a client on one instance, a client may read a lagging replica through another one
 * (docs/operations.md).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type pg from 'pg';

interface RouteScope {
  /** This request may read from a replica. */
  replica: boolean;
  /** This request has written (or opened a transaction): it stays on the primary. */
  wrote: boolean;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** How long a replica that failed to answer is left out. */
const REPLICA_RETRY_MS = 5000;
const MAX_PINS = 10_000;

/** A statement a hot standby can answer and that changes nothing. */
export function isReadOnlyStatement(text: string): boolean {
  return (
    /^\s*select\b/i.test(text) &&
    !/\bfor\s+(update|share|no\s+key\s+update|key\s+share)\b/i.test(text) &&
    !/\b(nextval|setval|pg_notify|pg_advisory\w*)\s*\(/i.test(text)
  );
}

function clientKey(request: FastifyRequest): string {
  const authorization = request.headers.authorization;
  if (authorization) return `a:${authorization}`;
  const session = /(?:^|;\s*)authentik_session=([^;]+)/.exec(request.headers.cookie ?? '');
  return session ? `s:${session[1]}` : `i:${request.ip}`;
}

function mayUseReplica(request: FastifyRequest): boolean {
  return (
    (request.method === 'GET' || request.method === 'HEAD') &&
    request.url.startsWith('/api/v3/') &&
    !request.url.startsWith('/api/v3/flows/executor/')
  );
}

type QueryArgs = unknown[];

export class ReadRouting {
  private readonly scope = new AsyncLocalStorage<RouteScope>();
  private readonly scopes = new WeakMap<FastifyRequest, RouteScope>();
  /** Client key → until when its reads stay on the primary (epoch ms). */
  private readonly pins = new Map<string, number>();
  private readonly unavailableUntil: number[];
  private readonly behind: boolean[];
  private turn = 0;
  private lagTimer: NodeJS.Timeout | undefined;
  /** Statements sent to a replica (tests and benchmarks read it). */
  replicaStatements = 0;

  constructor(
    private readonly replicas: pg.Pool[],
    private readonly pinMs: number,
  ) {
    this.unavailableUntil = replicas.map(() => 0);
    this.behind = replicas.map(() => false);
  }

  /** True while replica `index` is left out for having fallen behind. */
  isBehind(index: number): boolean {
    return this.behind[index];
  }

  /** Compares the replicas' replay positions with the primary's every `seconds` (0: never). */
  checkLag(primary: pg.Pool, seconds: number): void {
    if (seconds <= 0) return;
    let previous: bigint | undefined;
    const check = async () => {
      const current = lsn(
        (await primary.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0].lsn,
      );
      await Promise.all(
        this.replicas.map(async (replica, index) => {
          try {
            const { rows } = await replica.query<{ lsn: string | null }>(
              'SELECT pg_last_wal_replay_lsn()::text AS lsn',
            );
            this.behind[index] = previous !== undefined && lsn(rows[0].lsn ?? '0/0') < previous;
          } catch {
            this.unavailableUntil[index] = Date.now() + REPLICA_RETRY_MS;
          }
        }),
      );
      previous = current;
    };
    this.lagTimer = setInterval(() => void check().catch(() => undefined), seconds * 1000);
    this.lagTimer.unref();
  }

  /**
   * Routes the primary pool's one-off statements. Transactions take a client of their own with
   * `connect()` and stay on the primary; pg-pool's own `query` passes a callback to `connect`,
   * which is how the two are told apart.
   */
  attach(primary: pg.Pool): void {
    const query = primary.query.bind(primary) as (...args: QueryArgs) => Promise<unknown>;
    const connect = primary.connect.bind(primary) as (...args: unknown[]) => Promise<pg.PoolClient>;
    primary.query = ((...args: QueryArgs) => this.route(args, query)) as typeof primary.query;
    primary.connect = ((...args: unknown[]) => {
      const scope = this.scope.getStore();
      if (scope && args.length === 0) scope.wrote = true;
      return connect(...args);
    }) as typeof primary.connect;
  }

  private route(args: QueryArgs, primary: (...args: QueryArgs) => Promise<unknown>): Promise<unknown> {
    const scope = this.scope.getStore();
    if (!scope || typeof args[args.length - 1] === 'function') return primary(...args);
    const [first] = args;
    const text = typeof first === 'string' ? first : ((first as { text?: string } | null)?.text ?? '');
    if (!isReadOnlyStatement(text)) {
      scope.wrote = true;
      return primary(...args);
    }
    const index = scope.replica && !scope.wrote ? this.pick() : -1;
    if (index < 0) return primary(...args);
    this.replicaStatements += 1;
    return (this.replicas[index].query as (...a: QueryArgs) => Promise<unknown>)(...args).then(
      (result) => ((result as { rowCount?: number | null }).rowCount === 0 ? primary(...args) : result),
      (error: unknown) => {
        // A standby cancels a read that conflicts with the recovery it is replaying (40001):
        // the primary answers that one.
        if ((error as { code?: string } | null)?.code === '40001') return primary(...args);
        if (!isConnectionFailure(error)) throw error;
        this.unavailableUntil[index] = Date.now() + REPLICA_RETRY_MS;
        return primary(...args);
      },
    );
  }

  /** The next replica in turn that is not left out, or -1. */
  private pick(): number {
    const now = Date.now();
    for (let tried = 0; tried < this.replicas.length; tried += 1) {
      const index = this.turn++ % this.replicas.length;
      if (this.unavailableUntil[index] <= now && !this.behind[index]) return index;
    }
    return -1;
  }

  private pinned(key: string): boolean {
    const until = this.pins.get(key);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.pins.delete(key);
    return false;
  }

  private pin(key: string): void {
    if (this.pins.size >= MAX_PINS) {
      const now = Date.now();
      for (const [other, until] of this.pins) if (until <= now) this.pins.delete(other);
      if (this.pins.size >= MAX_PINS) this.pins.clear();
    }
    this.pins.set(key, Date.now() + this.pinMs);
  }

  /**
   * Registers the hooks that open a routing scope for each request and pin its client after a
   * write. Registered after authentication, whose statements therefore run on the primary.
   */
  register(app: FastifyInstance): void {
    app.addHook('onRequest', (request, _reply, done) => {
      const scope: RouteScope = {
        replica: mayUseReplica(request) && !this.pinned(clientKey(request)),
        wrote: false,
      };
      this.scopes.set(request, scope);
      this.scope.run(scope, done);
    });
    app.addHook('onResponse', (request, _reply, done) => {
      const scope = this.scopes.get(request);
      if (this.pinMs > 0 && (!SAFE_METHODS.has(request.method) || scope?.wrote)) this.pin(clientKey(request));
      done();
    });
  }

  async close(): Promise<void> {
    if (this.lagTimer) clearInterval(this.lagTimer);
    await Promise.all(this.replicas.map((replica) => replica.end()));
  }
}

/** A WAL position (`16/B374D848`) as a number. */
function lsn(text: string): bigint {
  const [high, low] = text.split('/');
  return (BigInt(`0x${high}`) << 32n) + BigInt(`0x${low}`);
}

/** The replica did not answer at all (as opposed to answering with an error). */
function isConnectionFailure(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  if (code && /^(E[A-Z]+|08\w{3}|57P0[1-3]|53300)$/.test(code)) return true;
  return /Connection terminated|timeout expired/i.test(message ?? '');
}
