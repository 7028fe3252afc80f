// Runs many lives: in this process one after the other, or in `jobs` child processes (each life is
// a fresh simulation, so where it runs changes nothing in it). Reports come back in seed order.
import { fork, type ChildProcess } from 'node:child_process';
import { appendFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runLife, type LifeOptions, type LifeReport } from './life.ts';
import { clockText } from './monitor.ts';
import { replayCommand, type SoakOptions } from './options.ts';

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));

export async function runSeeds(
  options: SoakOptions,
  onReport: (report: LifeReport) => void,
): Promise<LifeReport[]> {
  const seeds = Array.from({ length: options.seeds }, (_, i) => (options.seed + i) >>> 0);
  const life = (seed: number): LifeOptions => ({
    seed,
    days: options.days,
    invariantBreak: options.invariantBreak,
    log: options.log ? (line: string) => console.log(line) : undefined,
    trace: options.trace ? traceFile(options.trace) : undefined,
    naive: options.naiveApps,
  });
  if (options.jobs <= 1) {
    const reports: LifeReport[] = [];
    for (const seed of seeds) {
      const r = await runLife(life(seed));
      reports.push(r);
      onReport(r);
    }
    return reports;
  }
  const done = new Map<number, LifeReport>();
  let next = 0;
  let reported = 0;
  const flush = (): void => {
    while (reported < seeds.length && done.has(seeds[reported])) {
      onReport(done.get(seeds[reported])!);
      reported++;
    }
  };
  const workers: Promise<void>[] = [];
  for (let j = 0; j < options.jobs; j++) {
    workers.push(
      new Promise<void>((resolve, reject) => {
        // The same loader (tsx) as this process.
        const child: ChildProcess = fork(WORKER, [], { execArgv: process.execArgv });
        const give = (): void => {
          if (next >= seeds.length) {
            child.send({ kind: 'exit' });
            return;
          }
          child.send({ kind: 'life', options: life(seeds[next++]) });
        };
        child.on('message', (m: { kind: 'report'; report: LifeReport }) => {
          done.set(m.report.seed, m.report);
          flush();
          give();
        });
        child.on('exit', (code) => {
          if (code === 0) resolve();
          else reject(new Error(`a soak worker exited with ${code}`));
        });
        child.on('error', reject);
        give();
      }),
    );
  }
  await Promise.all(workers);
  flush();
  return seeds.map((s) => done.get(s)!);
}

function traceFile(path: string): (line: string) => void {
  writeFileSync(path, '');
  let buffer: string[] = [];
  const flush = (): void => {
    appendFileSync(path, buffer.join(''));
    buffer = [];
  };
  process.on('exit', flush);
  return (line) => {
    buffer.push(line + '\n');
    if (buffer.length >= 10_000) flush();
  };
}

const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const days = (ms: number): string => `${(ms / 86_400_000).toFixed(2)} d`;

/** Whether a life failed: a violation that is no known issue (or any, with --strict). */
export function failed(r: LifeReport, options: SoakOptions): boolean {
  const first = r.violations[0];
  return first !== undefined && (options.strict || first.knownIssue === undefined);
}

/** One line per life; a failing one with its violations and the command that replays it. */
export function formatReport(r: LifeReport, verbose: boolean, options: SoakOptions): string {
  const known = r.violations[0]?.knownIssue;
  const verdict = failed(r, options) ? 'FAIL' : known ? 'KNOWN' : 'ok  ';
  const head = `seed ${r.seed}: ${verdict} ${days(r.virtualMs)} virtual, ${r.visits} visits, ${r.ops} requests (${r.ok} answered, ${r.typedErrors} typed errors), ${r.pinsTyped} PINs typed, ${secs(r.wallMs)} [${r.setup}]`;
  const lines = [head];
  if (verbose || r.violations.length) {
    const faults = Object.entries(r.faults)
      .map(([k, v]) => `${k} ×${v}`)
      .join(', ');
    const codes = Object.entries(r.errorCodes)
      .map(([k, v]) => `${k} ×${v}`)
      .join(', ');
    if (faults) lines.push(`    faults: ${faults}`);
    if (codes) lines.push(`    typed errors: ${codes}`);
    if (verbose)
      for (const [code, example] of Object.entries(r.errorExamples))
        lines.push(`      ${code}, e.g. ${example}`);
    lines.push(`    digest ${r.digest}`);
  }
  for (const v of r.violations) {
    const issue = v.knownIssue ? ` [known issue ${v.knownIssue}]` : '';
    lines.push(
      `    VIOLATION ${v.invariant} at ${clockText(v.atMs)} (virtual)${issue}: ${v.detail}`,
    );
  }
  if (r.violations.length) lines.push(`    replay: ${replayCommand(r.seed, options)}`);
  return lines.join('\n');
}
