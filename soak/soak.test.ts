// CI's short soak: 20 short lives must keep every invariant (known issues, reported elsewhere,
// excepted), and a deliberately broken invariant must be caught and replay from its seed.
// `npm run soak` runs longer lives on demand.
import { describe, expect, it } from 'vitest';
import { runLife, type LifeReport } from './life.ts';
import { parseArgs, replayCommand, UsageError, type SoakOptions } from './options.ts';
import { failed, formatReport } from './run.ts';
import { KNOWN_ISSUES } from './known-issues.ts';

/** Three opening hours a life: about seven holders at the kiosk. */
const CI_DAYS = 0.125;
const CI_SEEDS = 20;

function options(argv: string[]): SoakOptions {
  return parseArgs(argv);
}

async function life(o: SoakOptions, seed = o.seed): Promise<LifeReport> {
  return runLife({ seed, days: o.days, invariantBreak: o.invariantBreak, naive: o.naiveApps });
}

describe('the short soak', () => {
  it(`${CI_SEEDS} lives keep every invariant`, { timeout: 600_000 }, async () => {
    const o = options(['--seeds', String(CI_SEEDS), '--days', String(CI_DAYS)]);
    const reports: LifeReport[] = [];
    for (let seed = o.seed; seed < o.seed + CI_SEEDS; seed++) reports.push(await life(o, seed));
    const bad = reports.filter((r) => failed(r, o));
    expect(bad.map((r) => formatReport(r, true, o)).join('\n')).toBe('');
    // The lives did something: holders, answers, errors and PINs.
    const sum = (f: (r: LifeReport) => number): number => reports.reduce((n, r) => n + f(r), 0);
    expect(sum((r) => r.visits)).toBeGreaterThan(5 * CI_SEEDS);
    expect(sum((r) => r.ok)).toBeGreaterThan(20 * CI_SEEDS);
    expect(sum((r) => r.typedErrors)).toBeGreaterThan(CI_SEEDS);
    expect(sum((r) => r.pinsTyped)).toBeGreaterThan(CI_SEEDS);
    // The debug firmware's heap top was read in every life without the service (whose embedded
    // reader runs the release build).
    expect(reports.filter((r) => !r.setup.includes('service')).every((r) => r.heapTop)).toBe(true);
  });
});

describe('a broken invariant', () => {
  for (const [name, invariant] of [
    ['card-identity', 'card-identity'],
    ['pin-leak', 'pin-leak'],
    ['answer', 'answer'],
  ] as const) {
    it(
      `--invariant-break ${name} is caught, and its replay command fails the same way`,
      {
        timeout: 120_000,
      },
      async () => {
        const o = options(['--seed', '7', '--days', String(CI_DAYS), '--invariant-break', name]);
        const first = await life(o);
        expect(first.violations[0]).toMatchObject({ invariant });
        expect(failed(first, o)).toBe(true);
        const printed = formatReport(first, false, o);
        const command = replayCommand(7, o);
        expect(printed).toContain(`replay: ${command}`);
        expect(command).toBe(
          `npm run soak -- --seed 7 --days ${CI_DAYS} --invariant-break ${name}`,
        );

        // The printed command, parsed as the CLI would, gives the same life.
        const again = await life(options(command.split(' ').slice(4)));
        expect(again.violations).toEqual(first.violations);
        expect(again.digest).toBe(first.digest);
      },
    );
  }

  it(
    'a life without the switch keeps the invariant on the same seed',
    { timeout: 120_000 },
    async () => {
      const r = await life(options(['--seed', '7', '--days', String(CI_DAYS)]));
      expect(r.violations).toEqual([]);
    },
  );
});

describe('command line', () => {
  it('reads seeds, days, jobs and the switches', () => {
    expect(parseArgs(['--seeds', '200'])).toMatchObject({ seed: 1, seeds: 200, days: 1, jobs: 2 });
    expect(parseArgs(['--seed', '42'])).toMatchObject({ seed: 42, seeds: 1, jobs: 1 });
    expect(parseArgs(['--seed', '3', '--days', '2.5', '--log'])).toMatchObject({
      days: 2.5,
      log: true,
      jobs: 1,
    });
  });

  it('refuses what it does not know, with the reason', () => {
    for (const argv of [
      ['--seeds', '0'],
      ['--seed', '-1'],
      ['--days', '0'],
      ['--invariant-break', 'nothing'],
      ['--frobnicate'],
      ['--seeds', '2', '--trace', '/tmp/x'],
    ]) {
      expect(() => parseArgs(argv), argv.join(' ')).toThrow(UsageError);
    }
  });

  it('every known issue names its owner and a replay', () => {
    for (const k of KNOWN_ISSUES) {
      expect(k.owner).not.toBe('');
      expect(k.replay).toMatch(/^npm run soak -- --seed \d+/);
    }
  });
});
