// Test helpers for the host side of the wire: CCID commands in libccid's serial framing, and a
// strict reader of what the firmware sends back through protocol/'s decoders. Commands are built
// byte by byte here, because tests also send what a typed encoder refuses to build.
import { CCID_HEADER_LENGTH } from '../../protocol/ccid-constants.ts';
import { RdrToPc } from '../../protocol/ccid-constants.ts';
import { decodeMessage } from '../../protocol/ccid-codec.ts';
import type { RdrToPcMessage } from '../../protocol/ccid-messages.ts';
import { encodeFrame } from '../../protocol/serial-frame.ts';
import { SerialDecoder } from '../../protocol/serial-decoder.ts';
import { VENDOR_RESPONSE_HEADER } from '../../protocol/native-constants.ts';
import {
  decodeVendorResponse,
  isVendorEscape,
  type VendorResponse,
} from '../../protocol/native/vendor-escape.ts';
import { NATIVE_MAX_MESSAGE_LENGTH } from '../../protocol/serial-constants.ts';

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

/** `03 06` + message + LRC (protocol/'s encoder). */
export function frame(message: ArrayLike<number>): Uint8Array {
  return encodeFrame(Uint8Array.from(message));
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
  /** The answer as protocol/'s codec reads it (absent for a compat echo). */
  decoded?: RdrToPcMessage;
  /** A vendor escape's answer as protocol/'s vendor codec reads it. */
  vendor?: VendorResponse;
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

/**
 * Splits what the firmware sent into frames, NAKs and slot changes with protocol/'s serial
 * decoder, and decodes every answer with protocol/'s CCID codec, so that anything the firmware
 * sends that the host driver could not read fails the test. Frames with a PC_to_RDR type are the
 * compat profile's short echoes: header only.
 */
export function readHostStream(bytes: Uint8Array): Item[] {
  const decoder = new SerialDecoder({ maxMessageLength: NATIVE_MAX_MESSAGE_LENGTH });
  const events = [...decoder.push(bytes), ...decoder.flush()];
  return events.map((e): Item => {
    switch (e.kind) {
      case 'frame': {
        const answer = decodeAnswer(e.message);
        if (answer.type < RdrToPc.DataBlock) {
          if (answer.length !== 0) throw new Error(`echo with data: ${hex(e.message)}`);
        } else {
          answer.decoded = decodeMessage(e.message, 'rdr-to-pc');
          // Our vendor escapes' answers must read with protocol/'s vendor codec too.
          if (
            answer.type === RdrToPc.Escape &&
            isVendorEscape(answer.data) &&
            answer.data.length >= VENDOR_RESPONSE_HEADER
          ) {
            answer.vendor = decodeVendorResponse(answer.data);
          }
        }
        return { kind: 'frame', answer };
      }
      case 'nak':
        return { kind: 'nak' };
      case 'slot-change':
        return { kind: 'slot-change', state: e.state };
      default:
        throw new Error(`the firmware sent something a host cannot read: ${JSON.stringify(e)}`);
    }
  });
}

/** The answers only (frames), in order. */
export function answers(bytes: Uint8Array): Answer[] {
  return readHostStream(bytes).flatMap((it) => (it.kind === 'frame' ? [it.answer] : []));
}
