// npm run soak -- --seeds N [--seed S] [--days D] [--jobs J] [--invariant-break <name>]
// Days of kiosk life on the virtual clock, one life per seed; a failing seed prints the command
// that replays it exactly. Exit code 0 when every life kept every invariant, 1 otherwise, 2 for a
// usage error.
import { parseArgs, USAGE, UsageError, type SoakOptions } from './options.ts';
import { KNOWN_ISSUES } from './known-issues.ts';
import { failed as lifeFailed, formatReport, runSeeds } from './run.ts';

let options: SoakOptions;
try {
  options = parseArgs(process.argv.slice(2));
} catch (e) {
  if (!(e instanceof UsageError)) throw e;
  if (e.message) console.error(e.message);
  console.error(USAGE);
  process.exit(e.message ? 2 : 0);
}

const started = performance.now();
console.log(
  `soak: ${options.seeds} ${options.seeds === 1 ? 'life' : 'lives'} of ${options.days} virtual day(s), seeds ${options.seed}..${options.seed + options.seeds - 1}, ${options.jobs} job(s)${options.invariantBreak ? `, invariant broken on purpose: ${options.invariantBreak}` : ''}`,
);
const reports = await runSeeds(options, (r) => {
  if (options.verbose || r.violations.length || options.seeds <= 20)
    console.log(formatReport(r, options.verbose, options));
});
const failed = reports.filter((r) => lifeFailed(r, options));
const known = reports.filter((r) => r.violations.length && !lifeFailed(r, options));
const sum = (f: (r: (typeof reports)[number]) => number): number =>
  reports.reduce((n, r) => n + f(r), 0);
const wall = (performance.now() - started) / 1000;
console.log(
  `soak: ${reports.length - failed.length - known.length}/${reports.length} lives kept every invariant` +
    `${known.length ? ` (${known.length} more hit a known issue)` : ''}; ` +
    `${(sum((r) => r.virtualMs) / 86_400_000).toFixed(1)} virtual days, ${sum((r) => r.visits)} visits, ` +
    `${sum((r) => r.ops)} requests, ${sum((r) => r.pinsTyped)} PINs typed, ` +
    `${(sum((r) => r.hostBytesScanned) / 1e6).toFixed(1)} MB of host-side data searched for them; ${wall.toFixed(1)} s`,
);
if (known.length) {
  const ids = new Set(known.map((r) => r.violations[0].knownIssue));
  console.log(`known issues hit (reported, not yet fixed; --strict fails on them):`);
  for (const k of KNOWN_ISSUES.filter((k) => ids.has(k.id))) {
    const seeds = known.filter((r) => r.violations[0].knownIssue === k.id).map((r) => r.seed);
    console.log(`  ${k.id} in ${k.owner}: ${k.summary}; seeds ${seeds.join(' ')}`);
  }
}
if (failed.length) {
  console.log(`failing seeds: ${failed.map((r) => r.seed).join(' ')}`);
  process.exitCode = 1;
}
