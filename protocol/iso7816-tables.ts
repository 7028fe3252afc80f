// ISO/IEC 7816-3 tables (../shared/reference/iso7816-and-ccid.md §A5): Fi with fmax, and Di,
// indexed by the 4-bit codes of TA1 / PPS1. Portable subset: compiled by asc (firmware) and tsc
// (host, simulator). RFU codes give 0.

/** Fi (clock cycles per etu before division by Di) for FI = 0..15; 0 = RFU. */
export function fiFromCode(fi: i32): i32 {
  switch (fi & 0x0f) {
    case 0:
    case 1:
      return 372;
    case 2:
      return 558;
    case 3:
      return 744;
    case 4:
      return 1116;
    case 5:
      return 1488;
    case 6:
      return 1860;
    case 9:
      return 512;
    case 10:
      return 768;
    case 11:
      return 1024;
    case 12:
      return 1536;
    case 13:
      return 2048;
    default:
      return 0;
  }
}

/** fmax in kHz for FI = 0..15; 0 = RFU. */
export function fmaxKhzFromCode(fi: i32): i32 {
  switch (fi & 0x0f) {
    case 0:
      return 4000;
    case 1:
    case 9:
      return 5000;
    case 2:
      return 6000;
    case 3:
      return 8000;
    case 4:
      return 12000;
    case 10:
      return 7500;
    case 5:
      return 16000;
    case 11:
      return 10000;
    case 12:
      return 15000;
    case 6:
    case 13:
      return 20000;
    default:
      return 0;
  }
}

/** Di for DI = 0..15; 0 = RFU (ISO 7816-3:2006 makes 0 and 10..15 RFU). */
export function diFromCode(di: i32): i32 {
  switch (di & 0x0f) {
    case 1:
      return 1;
    case 2:
      return 2;
    case 3:
      return 4;
    case 4:
      return 8;
    case 5:
      return 16;
    case 6:
      return 32;
    case 7:
      return 64;
    case 8:
      return 12;
    case 9:
      return 20;
    default:
      return 0;
  }
}

/** Clock cycles per etu (F/D) for a TA1 / PPS1 byte, rounded down; 0 if either code is RFU. */
export function clocksPerEtu(ta1: i32): i32 {
  const f = fiFromCode((ta1 >> 4) & 0x0f);
  const d = diFromCode(ta1 & 0x0f);
  if (f == 0 || d == 0) return 0;
  return f / d;
}

/** F and D during the ATR and without TA1 / PPS (§A3): F = 372, D = 1, so etu = 372 / f. */
export const DEFAULT_F = 372;
export const DEFAULT_D = 1;
/** TA1 value meaning the defaults. */
export const DEFAULT_TA1 = 0x11;
/** T=0 waiting integer WI when TC2 is absent. */
export const DEFAULT_WI = 10;
/** T=1 defaults when the specific bytes are absent. */
export const DEFAULT_IFSC = 32;
export const DEFAULT_CWI = 13;
export const DEFAULT_BWI = 4;
/** T=1 block guard time, etu. */
export const T1_BGT_ETU = 22;
/** Largest ATR, TS included. */
export const MAX_ATR_LENGTH = 33;
/** Card answers 400 .. 40 000 clock cycles after RST goes high. */
export const ATR_MIN_DELAY_CLOCKS = 400;
export const ATR_MAX_DELAY_CLOCKS = 40000;
/** Largest time between the leading edges of two ATR characters, etu. */
export const ATR_MAX_CHARACTER_GAP_ETU = 9600;
/** TS values. */
export const TS_DIRECT = 0x3b;
export const TS_INVERSE = 0x3f;
/** TS of an inverse-convention card decoded with the direct convention (and vice versa). */
export const TS_INVERSE_SEEN_DIRECT = 0x03;
export const TS_DIRECT_SEEN_INVERSE = 0x23;
