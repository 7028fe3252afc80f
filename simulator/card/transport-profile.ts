// Checks a card profile's `transport` section once, when the card is built, and derives what the
// card side of ISO 7816-3 needs from its ATR (decoded by protocol/atr.ts). A profile that no real
// card could have is a CardProfileError; reader bytes never are.

import { AtrError, decodeAtr, type Atr } from '../../protocol/atr.ts';
import { ByteFieldError, fromHex } from '../../protocol/bytes.ts';
import { diFromCode, fiFromCode } from '../../protocol/iso7816-tables.ts';
import type { CardTransportProfile, VoltageClassCode } from './contract.ts';
import { CardProfileError } from './errors.ts';

/** The protocols this card side speaks. */
export const SPOKEN_PROTOCOLS: readonly number[] = [0, 1];

/** A NULL byte is a character: 12 etu at least (ISO 7816-3 §7.2). */
const MIN_NULL_INTERVAL_ETU = 12;

const CLASS_CODES: Record<'A' | 'B' | 'C', VoltageClassCode> = { A: 1, B: 2, C: 3 };

export interface CheckedTransport {
  readonly profile: CardTransportProfile;
  readonly atr: Atr;
  /** VCC values the card answers at. */
  readonly classes: ReadonlySet<VoltageClassCode>;
  /** TA1 as sent in the ATR, undefined when absent (the card then offers only Fd/Dd). */
  readonly ta1Sent: number | undefined;
  readonly processingUsByIns: ReadonlyMap<number, number>;
}

export function checkTransportProfile(profile: CardTransportProfile): CheckedTransport {
  const atr = decodeProfileAtr(profile.atr);
  if (!SPOKEN_PROTOCOLS.includes(atr.defaultProtocol)) {
    throw new CardProfileError(
      'atr',
      `the ATR's protocol is T=${atr.defaultProtocol}; a virtual card speaks T=0 or T=1`,
    );
  }
  const ta1Sent = atr.groups[0]?.ta;
  if (
    ta1Sent !== undefined &&
    (fiFromCode(ta1Sent >> 4) === 0 || diFromCode(ta1Sent & 0xf) === 0)
  ) {
    throw new CardProfileError('atr', `TA1 ${hex(ta1Sent)} carries an RFU Fi or Di code`);
  }
  if (atr.t1 !== undefined && (atr.t1.ifsc < 1 || atr.t1.ifsc > 254)) {
    throw new CardProfileError('atr', `IFSC ${atr.t1.ifsc} is outside 1..254 (ISO 7816-3 §11.4.2)`);
  }
  return {
    profile,
    atr,
    classes: checkClasses(profile.classes),
    ta1Sent,
    processingUsByIns: checkTiming(profile),
  };
}

function decodeProfileAtr(text: unknown): Atr {
  if (typeof text !== 'string') throw new CardProfileError('atr', 'the ATR is hex text');
  try {
    return decodeAtr(fromHex(text));
  } catch (e) {
    if (e instanceof AtrError || e instanceof ByteFieldError) {
      throw new CardProfileError('atr', e.message);
    }
    throw e;
  }
}

function checkClasses(classes: unknown): ReadonlySet<VoltageClassCode> {
  if (!Array.isArray(classes) || classes.length === 0) {
    throw new CardProfileError('classes', 'at least one voltage class (A, B or C) is needed');
  }
  const out = new Set<VoltageClassCode>();
  for (const c of classes) {
    const code = CLASS_CODES[c as 'A' | 'B' | 'C'];
    if (code === undefined) throw new CardProfileError('classes', `${String(c)} is not A, B or C`);
    out.add(code);
  }
  return out;
}

function checkTiming(p: CardTransportProfile): ReadonlyMap<number, number> {
  // Out-of-range ATR delays are allowed on purpose: a late card is a fault a reader must survive.
  nonNegative('atrDelayClocks', p.atrDelayClocks);
  nonNegative('processingUs', p.processingUs);
  if (!['accept', 'refuse-silent', 'answer-wrong'].includes(p.pps)) {
    throw new CardProfileError(
      'pps',
      `${String(p.pps)} is not accept, refuse-silent or answer-wrong`,
    );
  }
  if (p.t0NullIntervalEtu !== undefined) {
    nonNegative('t0NullIntervalEtu', p.t0NullIntervalEtu);
    if (p.t0NullIntervalEtu > 0 && p.t0NullIntervalEtu < MIN_NULL_INTERVAL_ETU) {
      throw new CardProfileError(
        't0NullIntervalEtu',
        `${p.t0NullIntervalEtu} etu is shorter than one character (${MIN_NULL_INTERVAL_ETU} etu)`,
      );
    }
  }
  if (p.t1WtxAfterUs !== undefined) nonNegative('t1WtxAfterUs', p.t1WtxAfterUs);
  if (p.t0 !== undefined) {
    if (p.t0.case4 !== '61xx') {
      throw new CardProfileError('t0.case4', `${String(p.t0.case4)} is not 61xx`);
    }
    if (p.t0.wrongLe !== '6Cxx' && p.t0.wrongLe !== 'truncate') {
      throw new CardProfileError('t0.wrongLe', `${String(p.t0.wrongLe)} is not 6Cxx or truncate`);
    }
  }
  const byIns = new Map<number, number>();
  for (const [key, us] of Object.entries(p.processingUsByIns ?? {})) {
    if (!/^[0-9a-fA-F]{2}$/.test(key)) {
      throw new CardProfileError(`processingUsByIns.${key}`, 'keys are two hex digits (the INS)');
    }
    nonNegative(`processingUsByIns.${key}`, us);
    byIns.set(parseInt(key, 16), us);
  }
  return byIns;
}

function nonNegative(field: string, v: unknown): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new CardProfileError(field, `${String(v)} is not a finite number ≥ 0`);
  }
}

function hex(b: number): string {
  return b.toString(16).toUpperCase().padStart(2, '0');
}
