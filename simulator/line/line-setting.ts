// Character-frame settings of one side of the card line and the timing rules that follow from
// them (ISO 7816-3 §7.1–§7.3, §10.2, §11.2; firmware/HAL.md `card_uart`).
import type { CardUartSetting } from '../card/contract.ts';
import { MIN_CLOCKS_PER_ETU, UartFlag } from '../../firmware/hal.ts';
import { LineError } from '../errors.ts';

/** Power-on defaults (HAL.md): F = 372, D = 1, N = 0, direct convention, T=0 frame. */
export const POWER_ON_SETTING: Readonly<CardUartSetting> = {
  f: 372,
  d: 1,
  n: 0,
  inverse: false,
  t1: false,
};

/** ISO 7816-3 §7.3: a character is repeated at most this many times (EMV and HAL.md: 3). */
export const MAX_REPETITIONS = 3;

/** etu = F / (D · f), in ns. */
export function etuNs(s: CardUartSetting, clockHz: number): number {
  return (s.f / (s.d * clockHz)) * 1e9;
}

/**
 * Minimum delay between the leading edges of two characters in the same direction, in etu:
 * 12 etu + N etu (GT = 12 etu + R · N / f with R = F/D), and with N = 255 the minimum: 12 etu in
 * the T=0 frame, 11 etu in the T=1 frame (§7.2, §11.2).
 */
export function guardEtu(s: CardUartSetting): number {
  if (s.n === 255) return s.t1 ? 11 : 12;
  return 12 + s.n;
}

/**
 * Minimum delay between the leading edges of the last character received and the first one sent
 * (direction change): 16 etu in T=0 (§10.2), the block guard time BGT = 22 etu in T=1 (§11.2).
 */
export function turnaroundEtu(s: CardUartSetting): number {
  return s.t1 ? 22 : 16;
}

/** The reader's `card_uart(slot, f, d, n, flags)` as a setting. */
export function settingFromHal(f: number, d: number, n: number, flags: number): CardUartSetting {
  return {
    f,
    d,
    n,
    inverse: (flags & UartFlag.Inverse) !== 0,
    t1: (flags & UartFlag.T1) !== 0,
  };
}

/** Why a setting is outside the model, or undefined when it is fine. */
export function settingProblem(s: CardUartSetting): string | undefined {
  if (!Number.isInteger(s.f) || s.f < 1 || s.f > 4096) return `F must be 1..4096, got ${s.f}`;
  if (!Number.isInteger(s.d) || s.d < 1 || s.d > 64) return `D must be 1..64, got ${s.d}`;
  if (s.f / s.d < MIN_CLOCKS_PER_ETU)
    return `F/D = ${s.f}/${s.d} is below ${MIN_CLOCKS_PER_ETU} clocks per etu`;
  if (!Number.isInteger(s.n) || s.n < 0 || s.n > 255) return `N must be 0..255, got ${s.n}`;
  return undefined;
}

export function checkSetting(s: CardUartSetting): CardUartSetting {
  const problem = settingProblem(s);
  if (problem) throw new LineError(problem);
  return { f: s.f, d: s.d, n: s.n, inverse: !!s.inverse, t1: !!s.t1 };
}
