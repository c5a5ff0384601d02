import type { LoadDriver } from './load.js';

/**
 * Command-line options of `npm run bench`. Sizes are rows; durations are seconds.
 *
 *   npm run bench                                  full run (about 15 minutes on 2 cores)
 *   npm run bench -- --quick                       smoke run (about 2 minutes)
 *   npm run bench -- --invitations 1000000 --events 10000000 --duration 10
 */
export interface BenchOptions {
  quick: boolean;
  /** Invitation stages (the seed endpoint's table); half are bound to one to three flows. */
  stages: number;
  flows: number;
  users: number;
  /** Final invitation count; the invitation cases also run at the smaller steps below it. */
  invitations: number;
  invitationSteps: number[];
  events: number;
  eventSteps: number[];
  /** Seconds of load per case. */
  duration: number;
  connections: number;
  /** The load driver asked for (`--driver`); wrk falls back to autocannon where it cannot be had. */
  driver: LoadDriver;
  /** Skip the PGlite run. */
  pglite: boolean;
  /** Only run cases whose id contains one of these strings. */
  only: string[];
  pgHost: string;
  pgPort: number;
  pgUser: string;
  pgDatabase: string;
  out: string;
}

function steps(final: number, smallest: number): number[] {
  const result: number[] = [];
  for (let size = smallest; size < final; size *= 10) result.push(size);
  result.push(final);
  return result;
}

function parseSize(raw: string, name: string): number {
  const match = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(raw);
  if (!match) throw new Error(`--${name}: expected a number such as 100000, 100k or 1m, got "${raw}"`);
  const factor = { '': 1, k: 1e3, K: 1e3, m: 1e6, M: 1e6 }[match[2]] ?? 1;
  return Math.round(Number(match[1]) * factor);
}

export function parseArgs(argv: string[]): BenchOptions {
  const quick = argv.includes('--quick');
  const options: BenchOptions = {
    quick,
    stages: 1000,
    flows: 100,
    users: quick ? 1000 : 10000,
    invitations: quick ? 100_000 : 1_000_000,
    invitationSteps: [],
    events: quick ? 200_000 : 10_000_000,
    eventSteps: [],
    duration: quick ? 3 : 8,
    connections: 16,
    driver: 'wrk',
    pglite: true,
    only: [],
    pgHost: process.env.TESSERA_BENCH_PG_HOST ?? '127.0.0.1',
    pgPort: Number(process.env.TESSERA_BENCH_PG_PORT ?? 5432),
    pgUser: process.env.TESSERA_BENCH_PG_USER ?? 'postgres',
    pgDatabase: process.env.TESSERA_BENCH_PG_DATABASE ?? 'tessera_bench',
    out: 'bench/results',
  };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    const value = () => {
      const next = argv[i + 1];
      if (next === undefined) throw new Error(`${arg} needs a value`);
      i += 1;
      return next;
    };
    switch (arg) {
      case '--quick':
        break;
      case '--stages':
      case '--flows':
      case '--users':
      case '--invitations':
      case '--events': {
        const name = arg.slice(2) as 'stages' | 'flows' | 'users' | 'invitations' | 'events';
        options[name] = parseSize(value(), name);
        break;
      }
      case '--duration':
        options.duration = Number(value());
        break;
      case '--connections':
        options.connections = Number(value());
        break;
      case '--driver': {
        const driver = value();
        if (driver !== 'wrk' && driver !== 'autocannon') throw new Error('--driver: wrk or autocannon');
        options.driver = driver;
        break;
      }
      case '--no-pglite':
        options.pglite = false;
        break;
      case '--only':
        options.only.push(...value().split(','));
        break;
      case '--out':
        options.out = value();
        break;
      case '--help':
      case '-h':
        console.log(
          'usage: npm run bench -- [--quick] [--stages N] [--flows N] [--users N] [--invitations N]\n' +
            '       [--events N] [--duration S] [--connections N] [--driver wrk|autocannon] [--no-pglite] [--only case,case] [--out DIR]',
        );
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${arg} (try --help)`);
    }
  }
  if (options.flows < 3) throw new Error('--flows must be at least 3');
  if (options.users < 1) throw new Error('--users must be at least 1');
  options.invitationSteps = steps(options.invitations, Math.min(10_000, options.invitations));
  options.eventSteps = steps(options.events, Math.min(quick ? 10_000 : 100_000, options.events));
  return options;
}
