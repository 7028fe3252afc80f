// What a T=0 card sends back after a command (ISO 7816-3 §10.3; ../shared/reference/
// kiosk-cards.md §1.4, §1.5): procedure bytes, data and SW1 SW2, including the 61xx / 6Cxx rules.
// Pure functions: t0-card.ts decides when, these decide what.

import { SW, SW1_BYTES_AVAILABLE, SW1_WRONG_LE } from '../../protocol/iso7816/status-words.ts';
import type { CardTransportProfile } from './contract.ts';

/** An SSC Part 5 INS value this layer answers itself (GET RESPONSE: protocol/iso7816/t0-transport.ts). */
export const INS_READ_RECORD = 0xb2;
/** SW1 SW2 as the card sends them. */
const swBytes = (sw: number): Uint8Array => Uint8Array.of(sw >> 8, sw & 0xff);
/** No precise diagnosis (SSC Part 5 §6.6.4: GET RESPONSE, Le = 0, nothing pending). */
const SW_NO_PRECISE_DIAGNOSIS = swBytes(SW.NO_PRECISE_DIAGNOSIS);
/** INS not supported or invalid (6X and 9X cannot be INS in T=0, §10.3.2). */
export const SW_INS_INVALID = swBytes(SW.INS_NOT_SUPPORTED);

/** T=0: one procedure byte per 256 bytes at most; P3 = 00 means 256 for outgoing data. */
const MAX_SHORT_LE = 256;

export type WrongLe = NonNullable<CardTransportProfile['t0']>['wrongLe'];

/** Response data a case-4 command left behind, fetched with GET RESPONSE (§10.3.3, 61xx). */
export interface T0Pending {
  readonly data: Uint8Array;
  readonly sw1: number;
  readonly sw2: number;
}

export interface T0Reply {
  /** Everything the card sends, in order (procedure bytes, data, SW1 SW2). */
  readonly bytes: Uint8Array;
  /** What is pending afterwards (undefined: nothing). */
  readonly pending: T0Pending | undefined;
}

/** xx of 61xx / 6Cxx: the length, with 256 written as 00. */
function lengthByte(n: number): number {
  return Math.min(n, MAX_SHORT_LE) & 0xff;
}

function reply(parts: (number | Uint8Array)[], pending?: T0Pending): T0Reply {
  const out: number[] = [];
  for (const p of parts) {
    if (typeof p === 'number') out.push(p);
    else for (const b of p) out.push(b);
  }
  return { bytes: Uint8Array.from(out), pending };
}

/** ~INS before every byte: one byte at a time, then SW1 may follow (§10.3.3). */
function byteByByte(ins: number, data: Uint8Array): number[] {
  const out: number[] = [];
  for (const b of data) out.push(ins ^ 0xff, b);
  return out;
}

/**
 * Cases 1 and 2 (P3 = Le): the COS returned `data` with SW1 SW2. 6Cxx when the length differs
 * from Le, or (profile `truncate`) the data that fits.
 */
export function replyOutgoing(
  header: Uint8Array,
  data: Uint8Array,
  sw1: number,
  sw2: number,
  wrongLe: WrongLe,
): T0Reply {
  const ins = header[1];
  const p3 = header[4];
  const le = p3 === 0 ? MAX_SHORT_LE : p3;
  if (data.length === 0) return reply([sw1, sw2]);
  // SSC Part 5 §6.10.4 (kiosk-cards.md §1.4): READ RECORD with Le = 00 is answered 6Cxx.
  if (ins === INS_READ_RECORD && p3 === 0) return reply([SW1_WRONG_LE, lengthByte(data.length)]);
  if (data.length === le) return reply([ins, data, sw1, sw2]);
  if (data.length > MAX_SHORT_LE && le === MAX_SHORT_LE) {
    // More than one short response can carry: the first 256 bytes, the rest by GET RESPONSE.
    return moreAvailable(ins, data, le, { data: data.slice(le), sw1, sw2 });
  }
  if (wrongLe === '6Cxx') return reply([SW1_WRONG_LE, lengthByte(data.length)]);
  if (data.length > le) return reply([ins, data.subarray(0, le), sw1, sw2]);
  return reply([...byteByByte(ins, data), sw1, sw2]);
}

/** Cases 3 and 4 (P3 = Lc): data goes back only through 61xx and GET RESPONSE (§12.2.5). */
export function replyIncoming(data: Uint8Array, sw1: number, sw2: number): T0Reply {
  if (data.length === 0) return reply([sw1, sw2]);
  return reply([SW1_BYTES_AVAILABLE, lengthByte(data.length)], { data, sw1, sw2 });
}

/**
 * GET RESPONSE (00 C0 00 00 Le) served from pending data. Returns undefined when nothing is
 * pending and Le ≠ 0: the COS answers that one.
 */
export function replyGetResponse(
  header: Uint8Array,
  pending: T0Pending | undefined,
  wrongLe: WrongLe,
): T0Reply | undefined {
  const ins = header[1];
  const p3 = header[4];
  if (pending === undefined) {
    // SSC Part 5 §6.6.4: Le = 0 and nothing to fetch → 6F00.
    return p3 === 0 ? reply([SW_NO_PRECISE_DIAGNOSIS]) : undefined;
  }
  const available = pending.data.length;
  // SSC Part 5 §6.6.4: Le = 0 with data pending → 6Cxx (the data stays pending). With 256 bytes
  // or more pending, 6C00 would ask for P3 = 00 again: P3 = 00 then means 256 (ISO 7816-3
  // §10.3.2), so that an extended response (ENVELOPE, case 2E/4E) can be fetched whole.
  if (p3 === 0 && available < MAX_SHORT_LE) {
    return reply([SW1_WRONG_LE, lengthByte(available)], pending);
  }
  const le = p3 === 0 ? MAX_SHORT_LE : p3;
  if (le === available) return reply([ins, pending.data, pending.sw1, pending.sw2]);
  if (le < available) {
    return moreAvailable(ins, pending.data, le, { ...pending, data: pending.data.slice(le) });
  }
  if (wrongLe === '6Cxx') return reply([SW1_WRONG_LE, lengthByte(available)], pending);
  return reply([...byteByByte(ins, pending.data), pending.sw1, pending.sw2]);
}

/** `count` bytes now, 61xx for the rest (ISO 7816-4 §5.6, GET RESPONSE chaining). */
function moreAvailable(ins: number, data: Uint8Array, count: number, rest: T0Pending): T0Reply {
  return reply(
    [ins, data.subarray(0, count), SW1_BYTES_AVAILABLE, lengthByte(rest.data.length)],
    rest,
  );
}
