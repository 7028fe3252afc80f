// ATRs the ISO layer's tests use.
import { withTck } from './card-line.ts';

/** A 3rd-generation social security card (kiosk-cards.md §1.1): T=0, TB1 TC1, no TCK. */
export const SSC_ATR = [
  0x3b, 0x6d, 0x00, 0x00, 0x00, 0x81, 0x4a, 0x44, 0x46, 0x86, 0x60, 0x51, 0x99, 0x00, 0x00, 0x01,
  0xac,
];

/** §A4 worked decode: only T=0, two historical bytes. */
export const MINIMAL_T0_ATR = [0x3b, 0x02, 0x14, 0x50];

/** T=0 in negotiable mode offering TA1 = 13 (F 372, D 4): T0 = 0x12 → TA1, 2 historical. */
export const T0_FAST_ATR = [0x3b, 0x12, 0x13, 0x41, 0x42];

/** T=1: TA1 96 (512/32), TD1 T=1, TD2 T=1 with TA3 IFSC = 254 and TB3 BWI 4 / CWI 5. */
export function t1Atr(ta1 = 0x96, ifsc = 0xfe, tb3 = 0x45, crc = false): number[] {
  // T0 = 0x92 (TA1, TD1; K = 2), TD1 = 0x81 (TD2, T=1), TD2 = 0x31 | 0x40 when TC3 follows.
  const td2 = crc ? 0x71 : 0x31;
  const tail = crc ? [ifsc, tb3, 0x01] : [ifsc, tb3];
  return withTck([0x3b, 0x92, ta1, 0x81, td2, ...tail, 0x41, 0x42]);
}

/** Specific mode: TA2 = `ta2` (b1-b4 = T), TA1 = `ta1`. T0 = 0x90 (TA1, TD1), TD1 = 0x10 T=0. */
export function specificAtr(ta1: number, ta2: number): number[] {
  const t = ta2 & 0x0f;
  const atr = [0x3b, 0x91, ta1, 0x10 | t, ta2, 0x55];
  return t === 0 ? atr : withTck(atr);
}
