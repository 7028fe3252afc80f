// Key scripts: a space-separated list of 0–9, enter, cancel, clear, backspace, f1–f4 and
// wait:<ms> (simulator/README.md). Keys follow one another KEY_INTERVAL_MS apart, as a person
// types; wait:<ms> adds a pause before the next key.
import { Key } from '../../firmware/hal.ts';
import { KeyScriptError } from '../errors.ts';

export type KeyStep = { kind: 'key'; key: Key } | { kind: 'wait'; ms: number };

/** Time from one key press to the next when the script does not say otherwise. */
export const KEY_INTERVAL_MS = 200;
/** The longest pause a script may ask for (one hour). */
export const MAX_WAIT_MS = 3_600_000;

const NAMED_KEYS: Record<string, Key> = {
  enter: Key.Enter,
  cancel: Key.Cancel,
  clear: Key.Clear,
  backspace: Key.Backspace,
  f1: Key.F1,
  f2: Key.F2,
  f3: Key.F3,
  f4: Key.F4,
};

export function parseKeyScript(script: string): KeyStep[] {
  const steps: KeyStep[] = [];
  for (const token of script.trim().split(/\s+/).filter(Boolean)) {
    const lower = token.toLowerCase();
    if (/^[0-9]$/.test(lower)) {
      steps.push({ kind: 'key', key: Number(lower) as Key });
    } else if (lower in NAMED_KEYS) {
      steps.push({ kind: 'key', key: NAMED_KEYS[lower] });
    } else if (lower.startsWith('wait:')) {
      const ms = Number(lower.slice(5));
      if (!/^\d+$/.test(lower.slice(5)) || ms > MAX_WAIT_MS)
        throw new KeyScriptError(
          token,
          `wait needs whole milliseconds 0..${MAX_WAIT_MS}: "${token}"`,
        );
      steps.push({ kind: 'wait', ms });
    } else {
      // The token may be a PIN typed with a typo: never echo digits in the message.
      const shown = token.replace(/[0-9]/g, '#');
      throw new KeyScriptError(
        shown,
        `unknown key "${shown}" (keys: 0-9, enter, cancel, clear, backspace, f1-f4, wait:<ms>)`,
      );
    }
  }
  return steps;
}

/** How a key appears in traces and logs: digits never show. */
export function keyLabel(key: Key): string {
  if (key >= Key.Digit0 && key <= Key.Digit9) return '*';
  for (const [name, value] of Object.entries(NAMED_KEYS)) if (value === key) return name;
  return `key ${key}`;
}
