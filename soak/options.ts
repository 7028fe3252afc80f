// The soak's command line: `npm run soak -- --seeds N [--seed S] [--days D] [--jobs J]
// [--invariant-break <name>] [--verbose]`, and the command that replays one seed exactly.
import { INVARIANT_BREAKS, type InvariantBreak } from './life.ts';

export interface SoakOptions {
  /** First seed. */
  seed: number;
  /** How many seeds, from `seed` on. */
  seeds: number;
  /** Virtual days per life. */
  days: number;
  /** Processes running lives side by side. */
  jobs: number;
  invariantBreak: InvariantBreak | undefined;
  verbose: boolean;
  /** Print every answer, card and fault as it happens (one job). */
  log: boolean;
  /** Write the simulator's trace to this file (one seed). */
  trace: string | undefined;
  /** Known issues (known-issues.ts) fail the run too. */
  strict: boolean;
  /** Applications go on after failed commands and leave cards powered. */
  naiveApps: boolean;
}

export const DEFAULT_DAYS = 1;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const USAGE = `usage: npm run soak -- [--seeds N] [--seed S] [--days D] [--jobs J]
                        [--invariant-break ${INVARIANT_BREAKS.join('|')}] [--verbose] [--log]
                        [--trace FILE] [--strict] [--naive-apps]

  --seeds N    lives to run, seeds S .. S+N-1 (default 1)
  --seed S     the first seed (default 1); alone, replays that seed
  --days D     virtual days per life (default ${DEFAULT_DAYS}; fractions allowed)
  --jobs J     processes side by side (default: 2, or 1 for a single seed)
  --invariant-break NAME
               the harness breaks one invariant on purpose, to show it is caught
  --verbose    one line per life even when it passes, with its faults and error codes
  --log        every card, fault and answer as it happens (to follow a replay)
  --trace FILE the simulator's trace of the life (card lines, host link, firmware log) in FILE
  --strict     known issues (soak/known-issues.ts) fail the run too
  --naive-apps applications go on after a failed command and leave the card powered`;

export function parseArgs(argv: string[]): SoakOptions {
  const o: SoakOptions = {
    seed: 1,
    seeds: 1,
    days: DEFAULT_DAYS,
    jobs: 0,
    invariantBreak: undefined,
    verbose: false,
    log: false,
    trace: undefined,
    strict: false,
    naiveApps: false,
  };
  const int = (name: string, v: string | undefined, min: number): number => {
    const n = Number(v);
    if (v === undefined || !/^\d+$/.test(v) || n < min || !Number.isSafeInteger(n))
      throw new UsageError(`${name} needs a whole number ≥ ${min}, got ${v ?? 'nothing'}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    switch (arg) {
      case '--seeds':
        o.seeds = int(arg, argv[++i], 1);
        break;
      case '--seed':
        o.seed = int(arg, argv[++i], 0);
        if (o.seed > 0xffff_ffff) throw new UsageError('--seed must fit in 32 bits');
        break;
      case '--days': {
        const v = argv[++i];
        const d = Number(v);
        if (v === undefined || !(d > 0) || d > 365)
          throw new UsageError(`--days needs a number of days in (0, 365], got ${v ?? 'nothing'}`);
        o.days = d;
        break;
      }
      case '--jobs':
        o.jobs = int(arg, argv[++i], 1);
        break;
      case '--invariant-break': {
        const v = argv[++i];
        if (!INVARIANT_BREAKS.includes(v as InvariantBreak))
          throw new UsageError(
            `--invariant-break takes ${INVARIANT_BREAKS.join(', ')}; got ${v ?? 'nothing'}`,
          );
        o.invariantBreak = v as InvariantBreak;
        break;
      }
      case '--verbose':
        o.verbose = true;
        break;
      case '--log':
        o.log = true;
        break;
      case '--strict':
        o.strict = true;
        break;
      case '--naive-apps':
        o.naiveApps = true;
        break;
      case '--trace': {
        const v = argv[++i];
        if (!v) throw new UsageError('--trace needs a file');
        o.trace = v;
        break;
      }
      case '--help':
      case '-h':
        throw new UsageError('');
      default:
        throw new UsageError(`unknown argument ${JSON.stringify(arg)}`);
    }
  }
  if (o.jobs === 0) o.jobs = o.seeds > 1 && !o.log ? 2 : 1;
  if (o.log || o.trace) o.jobs = 1;
  if (o.trace && o.seeds > 1) throw new UsageError('--trace takes one seed');
  o.jobs = Math.min(o.jobs, o.seeds);
  return o;
}

/** The command that replays one life exactly. */
export function replayCommand(seed: number, options: SoakOptions): string {
  return [
    'npm run soak --',
    `--seed ${seed}`,
    ...(options.days !== DEFAULT_DAYS ? [`--days ${options.days}`] : []),
    ...(options.invariantBreak ? [`--invariant-break ${options.invariantBreak}`] : []),
    ...(options.naiveApps ? ['--naive-apps'] : []),
    ...(options.strict ? ['--strict'] : []),
  ].join(' ');
}
