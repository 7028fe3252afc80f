// Answers to the host: the RDR_to_PC message, preceded in compat by the short echo.
//
// libccid's serial driver drops the first frame of every read as the echo of its command
// (ReadSerial, ccid-over-serial §2.4), and reads again after each time extension; so in compat
// every answer frame, time extensions included, follows its own echo. The echo is the
// header-only frame of ccid-over-serial §10.5 (same bMessageType, bSlot, bSeq and specific
// bytes, dwLength 0): it suits GemPCTwin and GemPCPinPad alike.
import { CCID_HEADER_LENGTH } from '../../../protocol/ccid-constants';
import { FRAME_OVERHEAD } from '../../../protocol/serial-constants';
import { txMessage, sendTxMessage, sendFramed } from '../link/frame-writer';
import { writeU32LE } from './message';

const echoFrame = memory.data(CCID_HEADER_LENGTH + FRAME_OVERHEAD);

/** `specific` packs the 3 specific bytes: b7 | b8 << 8 | b9 << 16. */
export function sendShortEcho(type: i32, slot: i32, seq: i32, specific: i32): void {
  writeHeader(echoFrame + 2, type, 0, slot, seq, specific);
  sendFramed(echoFrame, CCID_HEADER_LENGTH);
}

/** Where answer data goes before sendAnswer: after the header of the message being built. */
export function answerData(): usize {
  return txMessage() + CCID_HEADER_LENGTH;
}

/** Sends the message whose `dataLength` data bytes are already at answerData(). */
export function sendAnswer(
  type: i32,
  slot: i32,
  seq: i32,
  status: i32,
  error: i32,
  specific: i32,
  dataLength: i32,
): void {
  const specifics = (status & 0xff) | ((error & 0xff) << 8) | ((specific & 0xff) << 16);
  writeHeader(txMessage(), type, dataLength, slot, seq, specifics);
  sendTxMessage(CCID_HEADER_LENGTH + dataLength);
}

function writeHeader(
  ptr: usize,
  type: i32,
  dataLength: i32,
  slot: i32,
  seq: i32,
  specific: i32,
): void {
  store<u8>(ptr, <u8>type);
  writeU32LE(ptr + 1, <u32>dataLength);
  store<u8>(ptr, <u8>slot, 5);
  store<u8>(ptr, <u8>seq, 6);
  store<u8>(ptr, <u8>(specific & 0xff), 7);
  store<u8>(ptr, <u8>((specific >> 8) & 0xff), 8);
  store<u8>(ptr, <u8>((specific >> 16) & 0xff), 9);
}
