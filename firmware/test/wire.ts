// Test helpers for the host side of the wire: CCID commands in libccid's serial framing, and a
// strict reader of what the firmware sends back (frames with their LRC checked, NAKs, 50 xx).
// Kept small and local; the protocol codecs (protocol/) are the product's own.
import { CCID_HEADER_LENGTH } from '../../protocol/ccid-constants.ts';
import {
  CTRL_ACK,
  CTRL_NAK,
  NAK_LRC,
  NOTIFY_SLOT_CHANGE,
  SYNC,
} from '../../protocol/serial-constants.ts';

export interface CommandFields {
  type: number;
  slot?: number;
  seq?: number;
  /** The 3 specific bytes (offsets 7, 8, 9). */
  specific?: [number, number, number];
  data?: ArrayLike<number>;
}

/** A PC_to_RDR message: header + abData. */
export function command(c: CommandFields): Uint8Array {
  const data = Uint8Array.from(c.data ?? []);
  const out = new Uint8Array(CCID_HEADER_LENGTH + data.length);
  const [b7, b8, b9] = c.specific ?? [0, 0, 0];
  out[0] = c.type;
  new DataView(out.buffer).setUint32(1, data.length, true);
  out[5] = c.slot ?? 0;
  out[6] = c.seq ?? 0;
  out[7] = b7;
  out[8] = b8;
  out[9] = b9;
  out.set(data, CCID_HEADER_LENGTH);
  return out;
}

/** `03 06` + message + LRC. */
export function frame(message: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(message.length + 3);
  out[0] = SYNC;
  out[1] = CTRL_ACK;
  out.set(Uint8Array.from(message), 2);
  let lrc = 0;
  for (let i = 0; i < out.length - 1; i++) lrc ^= out[i];
  out[out.length - 1] = lrc;
  return out;
}

export function hex(bytes: ArrayLike<number>): string {
  return Array.from(bytes, (b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ');
}

export function unhex(text: string): Uint8Array {
  const clean = text.replace(/"([^"]*)"/g, (_, s: string) =>
    Array.from(Buffer.from(s, 'latin1'), (b) => b.toString(16).padStart(2, '0')).join(' '),
  );
  const parts = clean.split(/\s+/).filter(Boolean);
  return Uint8Array.from(parts.map((p) => parseInt(p, 16)));
}

export interface Answer {
  type: number;
  length: number;
  slot: number;
  seq: number;
  status: number;
  error: number;
  specific: number;
  data: Uint8Array;
  /** The whole message (header + data). */
  raw: Uint8Array;
}

export type Item =
  { kind: 'frame'; answer: Answer } | { kind: 'nak' } | { kind: 'slot-change'; state: number };

export function decodeAnswer(msg: Uint8Array): Answer {
  const length = new DataView(msg.buffer, msg.byteOffset).getUint32(1, true);
  return {
    type: msg[0],
    length,
    slot: msg[5],
    seq: msg[6],
    status: msg[7],
    error: msg[8],
    specific: msg[9],
    data: msg.slice(CCID_HEADER_LENGTH),
    raw: msg.slice(),
  };
}

/** Splits what the firmware sent into frames, NAKs and slot changes; throws on anything else. */
export function readHostStream(bytes: Uint8Array): Item[] {
  const items: Item[] = [];
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b === NOTIFY_SLOT_CHANGE) {
      if (i + 1 >= bytes.length) throw new Error(`truncated 50 xx at ${i}`);
      items.push({ kind: 'slot-change', state: bytes[i + 1] });
      i += 2;
      continue;
    }
    if (b !== SYNC) throw new Error(`unexpected byte ${hex([b])} at ${i} in ${hex(bytes)}`);
    if (bytes[i + 1] === CTRL_NAK) {
      if (bytes[i + 2] !== NAK_LRC) throw new Error(`bad NAK at ${i}`);
      items.push({ kind: 'nak' });
      i += 3;
      continue;
    }
    if (bytes[i + 1] !== CTRL_ACK) throw new Error(`bad CTRL at ${i + 1}`);
    if (i + 2 + CCID_HEADER_LENGTH > bytes.length) throw new Error(`truncated header at ${i}`);
    const len = new DataView(bytes.buffer, bytes.byteOffset).getUint32(i + 3, true);
    const end = i + 2 + CCID_HEADER_LENGTH + len;
    if (end >= bytes.length) throw new Error(`truncated frame at ${i}`);
    let lrc = 0;
    for (let k = i; k < end; k++) lrc ^= bytes[k];
    if (lrc !== bytes[end]) throw new Error(`bad LRC in frame at ${i}`);
    items.push({ kind: 'frame', answer: decodeAnswer(bytes.slice(i + 2, end)) });
    i = end + 1;
  }
  return items;
}

/** The answers only (frames), in order. */
export function answers(bytes: Uint8Array): Answer[] {
  return readHostStream(bytes).flatMap((it) => (it.kind === 'frame' ? [it.answer] : []));
}
