// Host-side timeouts of one CCID command, derived from the card's parameters the way libccid
// derives them (ifdhandler.c T0_card_timeout / T1_card_timeout; ../shared/reference/
// iso7816-and-ccid.md §A6, ccid-over-serial.md §4). They bound a whole card exchange; the reader
// stretches them with time-extension answers (bError = multiplier) while a card is slow.
import type { ProtocolParameters } from '../../protocol/ccid-parameters.ts';
import { ProtocolNum } from '../../protocol/ccid-constants.ts';
import {
  ATR_MAX_CHARACTER_GAP_ETU,
  ATR_MAX_DELAY_CLOCKS,
  DEFAULT_F,
  MAX_ATR_LENGTH,
  diFromCode,
  fiFromCode,
} from '../../protocol/iso7816-tables.ts';

/** libccid defs.h DEFAULT_COM_READ_TIMEOUT: every command that does not touch the card. */
export const CONTROL_TIMEOUT_MS = 3000;
/** libccid ccid_serial.c: the first Escape at open waits 2 s for a reader to answer at all. */
export const PROBE_TIMEOUT_MS = 2000;
/**
 * The card clock libccid assumes for a serial reader (dwDefaultClock, ccid-over-serial.md §7).
 * Our reader clocks class A cards at 5 MHz; the lower figure only makes timeouts longer.
 */
export const DEFAULT_CLOCK_KHZ = 4000;

/**
 * IccPowerOn: the ATR may start 40 000 clocks after reset, and each of its (at most 33)
 * characters may come 9600 etu after the previous one (ISO 7816-3 §8.1); the reader retries
 * once with a warm reset, then negotiates (PPS, IFSD) — libccid allows 60 s for the same.
 */
export function powerOnTimeoutMs(clockKhz = DEFAULT_CLOCK_KHZ): number {
  const atrClocks = ATR_MAX_DELAY_CLOCKS + MAX_ATR_LENGTH * ATR_MAX_CHARACTER_GAP_ETU * DEFAULT_F;
  return Math.ceil((2 * atrClocks) / clockKhz) + CONTROL_TIMEOUT_MS;
}

/** Extra guard time in ms; N = 255 means the minimum guard time, so no extra (ISO 7816-3 §8.3). */
function extraGuardMs(etuMs: number, n: number): number {
  return n === 255 ? 0 : n * etuMs;
}

/**
 * One XfrBlock. T=0: max(261·EGT + 6·WWT, 5·EGT + 260·WWT) — 256 bytes in, or 256 bytes out,
 * each character allowed a whole work waiting time. T=1: 260·EGT + BWT + 260·CWT + 1 s.
 * Never below CONTROL_TIMEOUT_MS. RFU F/D codes fall back to the defaults.
 */
export function exchangeTimeoutMs(p: ProtocolParameters, clockKhz = DEFAULT_CLOCK_KHZ): number {
  const f = fiFromCode(p.fi) || DEFAULT_F;
  const d = diFromCode(p.di) || 1;
  const etuMs = f / d / clockKhz;
  const egt = 12 * etuMs + extraGuardMs(etuMs, p.guardTime);
  let t: number;
  if (p.protocol === ProtocolNum.T0) {
    // WWT = 960 · WI · Fi / f (§A6).
    const wwt = (960 * p.waitingInteger * f) / clockKhz;
    t = Math.max(261 * egt + 6 * wwt, 5 * egt + 260 * wwt);
  } else {
    // BWT = 11 etu + 2^BWI · 960 · 372 / f (Fd = 372); CWT = (11 + 2^CWI) etu.
    const bwt = 11 * etuMs + ((1 << p.bwi) * 960 * DEFAULT_F) / clockKhz;
    const cwt = (11 + (1 << p.cwi)) * etuMs;
    t = 260 * egt + bwt + 260 * cwt + 1000;
  }
  return Math.max(CONTROL_TIMEOUT_MS, Math.ceil(t));
}
