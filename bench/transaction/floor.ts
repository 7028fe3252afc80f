// The floor of a kiosk transaction (../shared/design/ARCHITECTURE.md §6): the card-line time of
// the same characters at the best rate the card allows, plus the cards' own processing time, plus
// one host round trip. Nothing a reader or driver does can go below it, short of sending fewer
// characters or running the two slots at once (the floor adds the slots one after the other).
//
// Rates, per ISO 7816-3: the ATR and a PPS exchange run at Fd = 372, Dd = 1 (§8.1, §9.1); after
// the PPS the card's TA1 (Fi, Di) holds. The clock is the highest the card's voltage class
// allows during activation (5 MHz class A, 4 MHz class B) and never changes afterwards (the
// social security card specification forbids it, kiosk-cards.md §1.1), capped by fmax of Fi.
// A character takes 12 etu + N etu (TC1); with N = 255, 12 etu in T=0 and 11 etu in T=1 (§7.2,
// §11.2). Before the ATR: at least 400 clocks with RST low (§6.2.2), then the card's own delay.
import { diFromCode, fiFromCode, fmaxKhzFromCode } from '../../protocol/iso7816-tables.ts';

export const DEFAULT_F = 372;
export const DEFAULT_D = 1;
/** ISO 7816-3 §6.2.2: RST stays low for at least 400 clock cycles after the clock starts. */
export const RESET_LOW_CLOCKS = 400;
export const CLASS_MAX_CLOCK_HZ = { A: 5_000_000, B: 4_000_000, C: 4_000_000 } as const;

export interface SlotFloorInput {
  /** Card voltage classes (its profile): the reader may use the fastest clock of the best one. */
  classes: readonly ('A' | 'B' | 'C')[];
  /** TA1 from the ATR, undefined when absent (the card runs at Fd/Dd only). */
  ta1: number | undefined;
  /** TC1 (extra guard time N), 0 when absent. */
  n: number;
  protocol: 0 | 1;
  /** Card clocks from RST high to TS (the card profile's ATR delay). */
  atrDelayClocks: number;
  /** Characters of the ATR and the PPS exchange (both at Fd/Dd). */
  atrCharacters: number;
  ppsCharacters: number;
  /** Every other character on the line, both directions, at the best rate. */
  characters: number;
  /** The card's processing time for each command, ns. */
  processingNs: readonly number[];
}

export interface SlotFloor {
  clockHz: number;
  /** F and D after the PPS (the card's TA1 when the clock allows it, else Fd/Dd). */
  f: number;
  d: number;
  characterNs: number;
  activationNs: number;
  atrNs: number;
  ppsNs: number;
  lineNs: number;
  processingNs: number;
  totalNs: number;
}

export function bestClockHz(input: Pick<SlotFloorInput, 'classes' | 'ta1'>): number {
  const byClass = Math.max(...input.classes.map((c) => CLASS_MAX_CLOCK_HZ[c]));
  if (input.ta1 === undefined) return byClass;
  return Math.min(byClass, fmaxKhzFromCode(input.ta1 >> 4) * 1000);
}

/** Time of one character, ns, at F/D and the given clock. */
export function characterNs(
  f: number,
  d: number,
  clockHz: number,
  n: number,
  protocol: 0 | 1,
): number {
  const etuNs = (f / (d * clockHz)) * 1e9;
  const etus = n === 255 ? (protocol === 1 ? 11 : 12) : 12 + n;
  return etus * etuNs;
}

export function slotFloor(input: SlotFloorInput): SlotFloor {
  const clockHz = bestClockHz(input);
  const f = input.ta1 === undefined ? DEFAULT_F : fiFromCode(input.ta1 >> 4);
  const d = input.ta1 === undefined ? DEFAULT_D : diFromCode(input.ta1 & 0x0f);
  // The ATR's guard time is 12 etu whatever TC1 says (TC1 applies after the ATR).
  const defaultCharacterNs = characterNs(DEFAULT_F, DEFAULT_D, clockHz, 0, 0);
  const best = characterNs(f, d, clockHz, input.n, input.protocol);
  const activationNs = ((RESET_LOW_CLOCKS + input.atrDelayClocks) / clockHz) * 1e9;
  const atrNs = input.atrCharacters * defaultCharacterNs;
  // The PPS runs in the frame of the ATR (T=0 character frame), with TC1's guard time.
  const ppsNs = input.ppsCharacters * characterNs(DEFAULT_F, DEFAULT_D, clockHz, input.n, 0);
  const lineNs = input.characters * best;
  const processingNs = input.processingNs.reduce((a, b) => a + b, 0);
  return {
    clockHz,
    f,
    d,
    characterNs: best,
    activationNs,
    atrNs,
    ppsNs,
    lineNs,
    processingNs,
    totalNs: activationNs + atrNs + ppsNs + lineNs + processingNs,
  };
}

export interface TransactionFloor {
  slots: SlotFloor[];
  hostRoundTripNs: number;
  totalNs: number;
}

export function transactionFloor(
  slots: readonly SlotFloorInput[],
  hostRoundTripNs: number,
): TransactionFloor {
  const floors = slots.map(slotFloor);
  return {
    slots: floors,
    hostRoundTripNs,
    totalNs: floors.reduce((a, s) => a + s.totalNs, 0) + hostRoundTripNs,
  };
}
