// Bugs the soak found in code this harness does not own, reported and not yet fixed. A violation
// that matches one is printed as that known issue and does not fail the run (unless --strict),
// so that the soak keeps guarding everything else meanwhile. Each entry says what the bug is,
// whose code it is in and a seed that replays it; delete the entry once it is fixed (the seed
// then passes). See soak/README.md.
import type { Violation } from './monitor.ts';

/** What a life knew when its first violation came. */
export interface LifeFacts {
  /** The driver was to run the native profile. */
  native: boolean;
  /** The visit before the one that failed: its user card's protocol and its line faults. */
  previousVisit?: { protocol: 0 | 1; parityOnUserSlot: boolean };
}

export interface KnownIssue {
  id: string;
  /** Whose code holds the bug. */
  owner: string;
  summary: string;
  /** A seed (with its arguments) that shows it. */
  replay: string;
  matches(v: Violation, facts: LifeFacts): boolean;
}

export const KNOWN_ISSUES: readonly KnownIssue[] = [
  {
    id: 'hello-lost-compat',
    owner: 'host/reader (reader-connection.ts)',
    summary:
      'a new driver whose HELLO answer is lost on a noisy link falls back to compat for good, while ' +
      'the reader stays in the native profile: no PIN pad, TPDU level against an APDU-level reader',
    replay: 'npm run soak -- --seed 109 --strict',
    matches: (v, f) =>
      v.invariant === 'slot-state' && f.native && v.detail.includes('in the compat profile'),
  },
  {
    id: 'compat-slot-probe',
    owner: 'host/reader (reader-connection.ts #probeCompatSlots)',
    summary:
      'in compat, one lost GetSlotStatus answer while probing ends the probe: the driver knows ' +
      'fewer slots than the reader has (the PSAM slot disappears until the next reconnect)',
    replay: 'npm run soak -- --seed 113 --strict',
    matches: (v, f) => {
      if (v.invariant !== 'slot-state' || f.native) return false;
      const m = /sees slots \[([^\]]*)\], the slots hold \[([^\]]*)\]/.exec(v.detail);
      return !!m && m[1].split(',').length < m[2].split(',').length;
    },
  },
  {
    id: 't1-deactivation-leftover',
    owner: 'firmware/src/iso (T=1 error recovery / slot activation)',
    summary:
      'after the T=1 layer deactivates a card (recovery exhausted under parity errors), the next ' +
      "card's first exchange ends with the slot deactivated again (bStatus 01), and every later " +
      'one is ICC_MUTE',
    replay: 'npm run soak -- --seed 138 --strict',
    matches: (v, f) =>
      v.invariant === 'outcome' &&
      f.previousVisit?.protocol === 1 &&
      f.previousVisit.parityOnUserSlot &&
      /does not answer|card-mute|ICC_MUTE|IccMute/i.test(v.detail),
  },
];

export function knownIssueOf(v: Violation, facts: LifeFacts): KnownIssue | undefined {
  return KNOWN_ISSUES.find((k) => k.matches(v, facts));
}
