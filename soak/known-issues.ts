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
  /** The visit before the one that failed: its user card's protocol and its line faults (kept for
   * matchers; `t1-deactivation-leftover`, fixed in bb9a9e6, used them). */
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
      'a HELLO answer garbled in a way the LRC cannot see (two flipped bits in one bit column: ' +
      'heavy noise on a UART) decodes as a foreign escape reply, and the driver takes the reader ' +
      'for one that does not speak native: compat for good against a native reader (the lost-' +
      'answer case was fixed in c071426)',
    replay: 'npm run soak -- --seed 200 --strict',
    matches: (v, f) =>
      v.invariant === 'slot-state' && f.native && v.detail.includes('in the compat profile'),
  },
];

export function knownIssueOf(v: Violation, facts: LifeFacts): KnownIssue | undefined {
  return KNOWN_ISSUES.find((k) => k.matches(v, facts));
}
