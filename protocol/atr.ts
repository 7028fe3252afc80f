// Answer-to-Reset decoder (ISO/IEC 7816-3 §8.2–8.3; ../shared/reference/iso7816-and-ccid.md §A4).
// TypeScript only (host and simulator); the firmware parses the ATR character by character.
//
// Layout: TS T0 {TAi TBi TCi TDi}… T1..TK [TCK]. Bytes are given as decoded characters, so an
// inverse-convention card's TS is 0x3F.

import {
  DEFAULT_BWI,
  DEFAULT_CWI,
  DEFAULT_IFSC,
  DEFAULT_TA1,
  DEFAULT_WI,
  MAX_ATR_LENGTH,
  TS_DIRECT,
  TS_DIRECT_SEEN_INVERSE,
  TS_INVERSE,
  TS_INVERSE_SEEN_DIRECT,
  diFromCode,
  fiFromCode,
  fmaxKhzFromCode,
} from './iso7816-tables.ts';

export type AtrErrorCode =
  'too-short' | 'too-long' | 'bad-ts' | 'truncated' | 'bad-tck' | 'trailing';

/** A malformed ATR. `code` says what is wrong, for callers that map it (e.g. to CCID bError). */
export class AtrError extends Error {
  override readonly name = 'AtrError';
  constructor(
    readonly code: AtrErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** One group i of interface bytes (i = 1 for TA1 TB1 TC1 TD1, …). */
export interface InterfaceGroup {
  readonly index: number;
  /**
   * The protocol this group's TAi/TBi/TCi belong to: the T of TD(i-1). Groups 1 and 2 are global
   * (TA1 TB1 TC1, TA2 TB2, and TC2 which is T=0 specific), so this is undefined for them.
   */
  readonly protocol: number | undefined;
  readonly ta?: number;
  readonly tb?: number;
  readonly tc?: number;
  readonly td?: number;
}

/** TA2 (§8.3): the card is in specific mode. */
export interface SpecificMode {
  /** The protocol to use at once. */
  readonly protocol: number;
  /** b8 = 0: the card can change between negotiable and specific mode (ISO 7816-3 §8.3). */
  readonly canChangeMode: boolean;
  /** b5 = 1: Fi/Di are implicit (not those of TA1). */
  readonly implicitParameters: boolean;
}

/** T=1 specific bytes (§11.4): the first TAi/TBi/TCi (i > 2) after a TD(i-1) with T=1. */
export interface AtrT1Parameters {
  readonly ifsc: number;
  readonly bwi: number;
  readonly cwi: number;
  readonly edc: 'lrc' | 'crc';
}

/** TAi (i > 2) after the first T=15 (§8.3): classes and clock stop. */
export interface ClassIndicator {
  readonly raw: number;
  /** Supported classes among A (5 V), B (3 V), C (1.8 V), in that order. */
  readonly classes: readonly ('A' | 'B' | 'C')[];
  /** b8..b7: clock stop not supported, in state L, in state H, or no preference. */
  readonly clockStop: 'not-supported' | 'low' | 'high' | 'no-preference';
}

export interface Atr {
  /** The whole ATR as received. */
  readonly bytes: Uint8Array;
  readonly convention: 'direct' | 'inverse';
  readonly t0: number;
  readonly groups: readonly InterfaceGroup[];
  /** Protocols offered, in the order of the TDi, without repeats; T=15 (global) left out. */
  readonly protocols: readonly number[];
  /** The protocol to use without PPS: TA2's if in specific mode, else the first TDi's, else T=0. */
  readonly defaultProtocol: number;
  readonly historicalBytes: Uint8Array;
  /** TCK when present (it is present unless only T=0 is indicated). */
  readonly tck: number | undefined;
  /** TA1 (default 0x11). */
  readonly ta1: number;
  /** Fi and Di from TA1; 0 when TA1 carries an RFU code. */
  readonly fi: number;
  readonly di: number;
  /** fmax in kHz for TA1's FI; 0 when RFU. */
  readonly fmaxKhz: number;
  /** N, extra guard time = TC1 (default 0); 255 means the minimum guard time. */
  readonly extraGuardTime: number;
  /** WI for T=0 = TC2 (default 10). */
  readonly waitingIntegerT0: number;
  readonly specificMode: SpecificMode | undefined;
  /** Present when T=1 is offered; defaults where the specific bytes are absent. */
  readonly t1: AtrT1Parameters | undefined;
  readonly classIndicator: ClassIndicator | undefined;
}

const hex = (b: number): string => b.toString(16).toUpperCase().padStart(2, '0');

/**
 * How many more bytes the ATR starting with `prefix` needs at least; 0 when `prefix` is a
 * complete ATR. Lets a receiver know when to stop reading. Throws AtrError for a bad TS or a
 * structure longer than MAX_ATR_LENGTH.
 */
export function atrBytesNeeded(prefix: Uint8Array): number {
  const scan = scanStructure(prefix);
  return Math.max(0, scan.length - prefix.length);
}

interface Structure {
  /** Total length, as far as the bytes seen tell (a lower bound while `complete` is false). */
  length: number;
  complete: boolean;
  groups: InterfaceGroup[];
  historicalStart: number;
  k: number;
  tckPresent: boolean;
}

function scanStructure(bytes: Uint8Array): Structure {
  if (bytes.length === 0) {
    return { length: 2, complete: false, groups: [], historicalStart: 0, k: 0, tckPresent: false };
  }
  checkTs(bytes[0]);
  if (bytes.length < 2) {
    return { length: 2, complete: false, groups: [], historicalStart: 0, k: 0, tckPresent: false };
  }
  const t0 = bytes[1];
  const k = t0 & 0x0f;
  const groups: InterfaceGroup[] = [];
  let y = t0 >> 4;
  let pos = 2;
  let protocol: number | undefined;
  let tckPresent = false;
  for (let index = 1; ; index++) {
    const count = popcount4(y);
    if (pos + count > bytes.length) {
      // Not all of this group has arrived: the ATR is at least this long.
      return {
        length: pos + count + k,
        complete: false,
        groups,
        historicalStart: 0,
        k,
        tckPresent,
      };
    }
    const group: { -readonly [P in keyof InterfaceGroup]: InterfaceGroup[P] } = {
      index,
      protocol: index >= 3 ? protocol : undefined,
    };
    if (y & 0x1) group.ta = bytes[pos++];
    if (y & 0x2) group.tb = bytes[pos++];
    if (y & 0x4) group.tc = bytes[pos++];
    if (y & 0x8) group.td = bytes[pos++];
    groups.push(group);
    if (group.td === undefined) break;
    protocol = group.td & 0x0f;
    // §8.2.5: TCK is absent only if T=0 alone is indicated.
    if (protocol !== 0) tckPresent = true;
    y = group.td >> 4;
    if (pos > MAX_ATR_LENGTH) break;
  }
  const length = pos + k + (tckPresent ? 1 : 0);
  if (length > MAX_ATR_LENGTH) {
    throw new AtrError(
      'too-long',
      `ATR structure needs ${length} bytes, more than the ${MAX_ATR_LENGTH} allowed`,
    );
  }
  return { length, complete: bytes.length >= length, groups, historicalStart: pos, k, tckPresent };
}

function popcount4(y: number): number {
  return (y & 1) + ((y >> 1) & 1) + ((y >> 2) & 1) + ((y >> 3) & 1);
}

function checkTs(ts: number): void {
  if (ts === TS_DIRECT || ts === TS_INVERSE) return;
  if (ts === TS_INVERSE_SEEN_DIRECT || ts === TS_DIRECT_SEEN_INVERSE) {
    throw new AtrError(
      'bad-ts',
      `bad TS ${hex(ts)}: looks like the other convention read with the wrong one`,
    );
  }
  throw new AtrError('bad-ts', `bad TS ${hex(ts)}: expected 3B (direct) or 3F (inverse)`);
}

/** Decodes a complete ATR. Throws AtrError when it is malformed. */
export function decodeAtr(input: Uint8Array): Atr {
  if (input.length < 2) {
    throw new AtrError('too-short', `ATR of ${input.length} byte(s): TS and T0 are required`);
  }
  if (input.length > MAX_ATR_LENGTH) {
    throw new AtrError(
      'too-long',
      `ATR of ${input.length} bytes: at most ${MAX_ATR_LENGTH} are allowed`,
    );
  }
  const bytes = Uint8Array.from(input);
  const s = scanStructure(bytes);
  if (!s.complete) {
    throw new AtrError(
      'truncated',
      `ATR truncated: T0 and the TDi announce at least ${s.length} bytes, got ${bytes.length}`,
    );
  }
  if (bytes.length > s.length) {
    throw new AtrError(
      'trailing',
      `ATR has ${bytes.length - s.length} byte(s) after its announced end (${s.length} bytes)`,
    );
  }
  let tck: number | undefined;
  if (s.tckPresent) {
    tck = bytes[s.length - 1];
    // §8.2.5: the XOR of T0 … TCK is 0.
    let x = 0;
    for (let i = 1; i < s.length; i++) x ^= bytes[i];
    if (x !== 0) {
      throw new AtrError('bad-tck', `bad TCK ${hex(tck)}: XOR of T0..TCK is ${hex(x)}, not 00`);
    }
  }
  const groups = s.groups;
  const g1 = groups[0];
  const g2 = groups[1] as InterfaceGroup | undefined;
  const protocols: number[] = [];
  for (const g of groups) {
    if (g.td === undefined) continue;
    const t = g.td & 0x0f;
    if (t !== 15 && !protocols.includes(t)) protocols.push(t);
  }
  const ta1 = g1.ta ?? DEFAULT_TA1;
  const specificMode =
    g2?.ta === undefined
      ? undefined
      : {
          protocol: g2.ta & 0x0f,
          canChangeMode: (g2.ta & 0x80) === 0,
          implicitParameters: (g2.ta & 0x10) !== 0,
        };
  const firstTd = g1.td;
  const defaultProtocol = specificMode?.protocol ?? (firstTd === undefined ? 0 : firstTd & 0x0f);
  return {
    bytes,
    convention: bytes[0] === TS_INVERSE ? 'inverse' : 'direct',
    t0: bytes[1],
    groups,
    protocols: protocols.length === 0 ? [0] : protocols,
    defaultProtocol,
    historicalBytes: bytes.slice(s.historicalStart, s.historicalStart + s.k),
    tck,
    ta1,
    fi: fiFromCode(ta1 >> 4),
    di: diFromCode(ta1 & 0x0f),
    fmaxKhz: fmaxKhzFromCode(ta1 >> 4),
    extraGuardTime: g1.tc ?? 0,
    // TC2 is only there if TD1 announced it; it is T=0 specific (§10.2).
    waitingIntegerT0: g2?.tc ?? DEFAULT_WI,
    specificMode,
    t1: protocols.includes(1) ? t1Parameters(groups) : undefined,
    classIndicator: classIndicator(groups),
  };
}

function t1Parameters(groups: readonly InterfaceGroup[]): AtrT1Parameters {
  let ta: number | undefined;
  let tb: number | undefined;
  let tc: number | undefined;
  for (const g of groups) {
    if (g.protocol !== 1) continue;
    ta ??= g.ta;
    tb ??= g.tb;
    tc ??= g.tc;
  }
  return {
    ifsc: ta ?? DEFAULT_IFSC,
    bwi: tb === undefined ? DEFAULT_BWI : tb >> 4,
    cwi: tb === undefined ? DEFAULT_CWI : tb & 0x0f,
    edc: tc !== undefined && (tc & 0x01) !== 0 ? 'crc' : 'lrc',
  };
}

function classIndicator(groups: readonly InterfaceGroup[]): ClassIndicator | undefined {
  const g = groups.find((x) => x.protocol === 15);
  if (g?.ta === undefined) return undefined;
  const raw = g.ta;
  const classes: ('A' | 'B' | 'C')[] = [];
  if (raw & 0x01) classes.push('A');
  if (raw & 0x02) classes.push('B');
  if (raw & 0x04) classes.push('C');
  const stops = ['not-supported', 'low', 'high', 'no-preference'] as const;
  return { raw, classes, clockStop: stops[raw >> 6] };
}
