// Card-side time arithmetic: etu, clock cycles and the turnaround delays of ISO 7816-3 §7.2 and
// §11.2. Virtual time is in nanoseconds (simulator/card/contract.ts).

import { T1_BGT_ETU } from '../../protocol/iso7816-tables.ts';
import { T0_TURNAROUND_ETU } from '../../protocol/t1-constants.ts';

export const NS_PER_US = 1_000;
export const NS_PER_S = 1_000_000_000;

/** Start bit, 8 data bits and the parity bit (ISO 7816-3 §7.1). The line calls
 * CardContacts.receive after the frame, so at least this long after the character's leading edge. */
export const CHARACTER_FRAME_ETU = 10;

/** Clock used for etu arithmetic while the reader's clock is stopped or not yet known. */
export const FALLBACK_CLOCK_HZ = 3_571_200;

/** One etu in ns: etu = F / (D · f) (ISO 7816-3 §7.1). */
export function etuNs(f: number, d: number, clockHz: number): number {
  const hz = clockHz > 0 ? clockHz : FALLBACK_CLOCK_HZ;
  return (f / d / hz) * NS_PER_S;
}

/** Clock cycles to ns at a given clock. */
export function clocksToNs(clocks: number, clockHz: number): number {
  return (clocks / clockHz) * NS_PER_S;
}

/**
 * Delay from CardContacts.receive of the reader's last character to the card's first character so
 * that the leading edges are `minimumEtu` apart (the frame itself already took
 * CHARACTER_FRAME_ETU).
 */
export function turnaroundNs(minimumEtu: number, etu: number): number {
  return Math.max(0, minimumEtu - CHARACTER_FRAME_ETU) * etu;
}

/** T=0 turnaround after the reader's last character. */
export function t0TurnaroundNs(etu: number): number {
  return turnaroundNs(T0_TURNAROUND_ETU, etu);
}

/** T=1 block guard time BGT = 22 etu after the reader's last character (ISO 7816-3 §11.2). */
export function t1BlockGuardNs(etu: number): number {
  return turnaroundNs(T1_BGT_ETU, etu);
}
