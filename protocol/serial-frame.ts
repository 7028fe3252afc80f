// Encoder for libccid's serial framing (../shared/reference/ccid-over-serial.md §2.2):
// `03 06` + CCID message + LRC, the NAK frame `03 15 16`, and the card-movement pair `50 xx`.

import { ByteFieldError, checkBytes, checkU8 } from './bytes.ts';
import { CCID_HEADER_LENGTH } from './ccid-constants.ts';
import {
  CTRL_ACK,
  CTRL_NAK,
  FRAME_OVERHEAD,
  NAK_LRC,
  NOTIFY_SLOT_CHANGE,
  SYNC,
} from './serial-constants.ts';

/** XOR of `bytes[from..to)`: the LRC of a frame is the XOR of every byte before it. */
export function lrc(bytes: Uint8Array, from = 0, to = bytes.length): number {
  let x = 0;
  for (let i = from; i < to; i++) x ^= bytes[i];
  return x;
}

/** Wraps one CCID message (header + data) in a frame: SYNC, ACK, message, LRC. */
export function encodeFrame(message: Uint8Array): Uint8Array {
  checkBytes('message', message);
  const out = new Uint8Array(message.length + FRAME_OVERHEAD);
  out[0] = SYNC;
  out[1] = CTRL_ACK;
  out.set(message, 2);
  out[out.length - 1] = lrc(out, 0, out.length - 1);
  return out;
}

/** The error frame a receiver sends for a frame it could not read. */
export function encodeNak(): Uint8Array {
  return Uint8Array.of(SYNC, CTRL_NAK, NAK_LRC);
}

/** The card-movement pair `50 bmSlotICCState`, sent between frames (§9). */
export function encodeSlotChangeByte(state: number): Uint8Array {
  return Uint8Array.of(NOTIFY_SLOT_CHANGE, checkU8('state', state));
}

/**
 * The compat profile's "short echo" of a command (§10.5): the same bMessageType, bSlot, bSeq and
 * three specific bytes, with dwLength 0. libccid discards the first frame after each command, and
 * a header-only echo passes its frame-size check whatever the command's length.
 */
export function shortEcho(command: Uint8Array): Uint8Array {
  checkBytes('command', command);
  if (command.length < CCID_HEADER_LENGTH) {
    throw new ByteFieldError('command', `${command.length} bytes, shorter than a CCID header`);
  }
  const out = command.slice(0, CCID_HEADER_LENGTH);
  out[1] = out[2] = out[3] = out[4] = 0;
  return out;
}
