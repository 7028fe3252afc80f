// What a benchmark section reports: figures, each with its unit, an optional target and the
// verdict against it. A verdict is computed from the measured value, never written by hand.

export interface Target {
  /** The figure must be at most (`<=`) or at least (`>=`) `value`. */
  op: '<=' | '>=';
  value: number;
}

export type Verdict = 'met' | 'missed' | 'info';

export interface Figure {
  /** Short and stable, e.g. "firmware.size" — the key in results.json. */
  id: string;
  label: string;
  value: number;
  unit: string;
  /** Digits after the decimal point in the table. */
  digits: number;
  target?: Target;
  verdict: Verdict;
  /** How it was measured, or why it is what it is. */
  note?: string;
}

export interface SectionResult {
  id: string;
  title: string;
  /** Set when the section could not run: one line saying what is missing. */
  skipped?: string;
  figures: Figure[];
  /** Extra lines printed under the table (breakdowns, caveats). */
  notes: string[];
  /** Anything else worth keeping in results.json (sequences, per-command details). */
  details?: Record<string, unknown>;
}

export function verdictOf(value: number, target: Target | undefined): Verdict {
  if (!target || !Number.isFinite(value)) return target ? 'missed' : 'info';
  return (target.op === '<=' ? value <= target.value : value >= target.value) ? 'met' : 'missed';
}

export function figure(
  id: string,
  label: string,
  value: number,
  unit: string,
  options: { digits?: number; target?: Target; note?: string } = {},
): Figure {
  return {
    id,
    label,
    value,
    unit,
    digits: options.digits ?? 0,
    ...(options.target ? { target: options.target } : {}),
    verdict: verdictOf(value, options.target),
    ...(options.note ? { note: options.note } : {}),
  };
}

export function atMost(value: number): Target {
  return { op: '<=', value };
}

export function atLeast(value: number): Target {
  return { op: '>=', value };
}

/** A section that could not run, with the one line that says why. */
export function skipped(id: string, title: string, why: string): SectionResult {
  return { id, title, skipped: why, figures: [], notes: [] };
}
