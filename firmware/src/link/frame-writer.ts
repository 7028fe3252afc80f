// Frames towards the host in libccid's serial framing (ccid-over-serial §2.2):
// `03 06` + CCID message + LRC, where LRC is the XOR of every preceding byte; NAK is `03 15 16`.
// host_send copies at once (HAL.md, host link), so one static buffer serves every frame.
import { host_send } from '../hal';
import {
  SYNC,
  CTRL_ACK,
  CTRL_NAK,
  NAK_LRC,
  FRAME_OVERHEAD,
  NATIVE_MAX_MESSAGE_LENGTH,
} from '../../../protocol/serial-constants';
import { countNakSent } from '../diag/counters';
import { xorOf } from './lrc';

/** Room for the largest message of either profile. */
export const TX_MESSAGE_CAPACITY: i32 = NATIVE_MAX_MESSAGE_LENGTH;
const tx = memory.data(NATIVE_MAX_MESSAGE_LENGTH + FRAME_OVERHEAD);
const nak = memory.data(FRAME_OVERHEAD);

/** Where the next message is built: 2 bytes after the frame start (SYNC, CTRL go before it). */
export function txMessage(): usize {
  return tx + 2;
}

/** Frames and sends the message of `len` bytes already at txMessage(). */
export function sendTxMessage(len: i32): void {
  sendFramed(tx, len);
}

/**
 * Frames and sends a message of `len` bytes at buf + 2; buf must have room for SYNC and CTRL
 * before the message and the LRC after it.
 */
export function sendFramed(buf: usize, len: i32): void {
  store<u8>(buf, SYNC);
  store<u8>(buf, CTRL_ACK, 1);
  store<u8>(buf + 2 + <usize>len, <u8>xorOf(buf, len + 2));
  host_send(buf, len + FRAME_OVERHEAD);
}

/** `03 15 16`: the host's frame was not received correctly. */
export function sendNak(): void {
  store<u8>(nak, SYNC);
  store<u8>(nak, CTRL_NAK, 1);
  store<u8>(nak, NAK_LRC, 2);
  host_send(nak, FRAME_OVERHEAD);
  countNakSent();
}
