// Incremental reader of libccid's serial framing (ccid-over-serial §2.2) over the chunks the
// host link delivers: `03 06` + CCID message (10-byte header + dwLength bytes) + LRC.
//
// Bounded: a candidate frame is kept from its SYNC in one static buffer of the largest native
// frame; a header announcing more than the profile's maximum message is refused at once.
// Resynchronising: when a candidate fails (bad CTRL, oversized, bad LRC, timed out), the bytes
// after its SYNC are scanned again, so a valid frame hidden behind garbage is still found.
// A failure is reported as fresh when the candidate holds bytes not scanned before (the link
// answers NAK); failures found while rescanning old bytes are counted only, so one bad frame
// costs the host one NAK.
import {
  SYNC,
  CTRL_ACK,
  CTRL_NAK,
  NAK_LRC,
  FRAME_OVERHEAD,
  COMPAT_MAX_MESSAGE_LENGTH,
  NATIVE_MAX_MESSAGE_LENGTH,
} from '../../../protocol/serial-constants';
import { CCID_HEADER_LENGTH } from '../../../protocol/ccid-constants';

enum ReadState {
  /** Waiting for SYNC; anything else is garbage. */
  Hunt,
  /** After SYNC: ACK (a message follows) or NAK. */
  Ctrl,
  /** After `03 15`: the NAK's LRC. */
  NakLrc,
  /** Collecting the 10-byte CCID header. */
  Header,
  /** Collecting dwLength data bytes. */
  Body,
  /** Expecting the LRC. */
  Lrc,
}

export enum FrameFault {
  /** A byte other than ACK or NAK after SYNC, or a NAK with a wrong LRC. */
  BadControl = 1,
  /** dwLength larger than the current profile allows. */
  Oversized = 2,
  /** The LRC does not match. */
  BadLrc = 3,
  /** The rest of the frame did not arrive in time. */
  Timeout = 4,
}

/** (message pointer, message length): a valid frame; the bytes are valid during the call only. */
export type FrameHandler = (ptr: usize, len: i32) => void;
/** (fault, fresh): a candidate failed; `fresh` when it holds bytes not scanned before. */
export type FaultHandler = (fault: i32, fresh: bool) => void;

function ignoreFrame(ptr: usize, len: i32): void {}
function ignoreFault(fault: i32, fresh: bool): void {}

const CAPACITY: i32 = NATIVE_MAX_MESSAGE_LENGTH + FRAME_OVERHEAD;
/** The current candidate, from its SYNC. */
const cand = memory.data(NATIVE_MAX_MESSAGE_LENGTH + FRAME_OVERHEAD);
/** Bytes to scan again after a failed candidate, before any fresh byte. */
const replay = memory.data(NATIVE_MAX_MESSAGE_LENGTH + FRAME_OVERHEAD);

let state: ReadState = ReadState.Hunt;
let candLen: i32 = 0;
/** Total candidate length (SYNC … LRC) once the header is known. */
let candTotal: i32 = 0;
let lrc: i32 = 0;
/** Whether the candidate began in replayed bytes, and where; whether it holds a fresh byte. */
let candFromReplay: bool = false;
let candFresh: bool = false;
let candReplayStart: i32 = 0;
let replayRead: i32 = 0;
let replayEnd: i32 = 0;
let maxMessage: i32 = COMPAT_MAX_MESSAGE_LENGTH;
let onFrame: FrameHandler = ignoreFrame;
let onFault: FaultHandler = ignoreFault;
let onGarbage: () => void = ignoreGarbage;

function ignoreGarbage(): void {}

export function frameReaderInit(
  frame: FrameHandler,
  fault: FaultHandler,
  garbage: () => void,
): void {
  onFrame = frame;
  onFault = fault;
  onGarbage = garbage;
  state = ReadState.Hunt;
  candLen = 0;
  replayRead = 0;
  replayEnd = 0;
}

/** Largest CCID message (header + data) accepted from now on: the current profile's maximum. */
export function frameReaderSetMaxMessage(len: i32): void {
  maxMessage =
    len < CCID_HEADER_LENGTH
      ? CCID_HEADER_LENGTH
      : len > NATIVE_MAX_MESSAGE_LENGTH
        ? NATIVE_MAX_MESSAGE_LENGTH
        : len;
}

/** True while a candidate frame is incomplete (the link then runs the frame timer). */
export function frameReaderInFrame(): bool {
  return state != ReadState.Hunt;
}

/** Feeds `len` fresh bytes at `ptr`. */
export function frameReaderFeed(ptr: usize, len: i32): void {
  for (let i = 0; i < len; i++) {
    step(<i32>load<u8>(ptr + <usize>i), false, 0);
    drainReplay();
  }
}

/** The frame timer ran out: the candidate in progress fails. */
export function frameReaderTimeout(): void {
  if (state == ReadState.Hunt) return;
  fail(FrameFault.Timeout);
  drainReplay();
}

function drainReplay(): void {
  while (replayRead < replayEnd) {
    const index = replayRead;
    replayRead++;
    step(<i32>load<u8>(replay + <usize>index), true, index);
  }
}

function step(b: i32, fromReplay: bool, replayIndex: i32): void {
  if (!fromReplay) candFresh = true;
  switch (state) {
    case ReadState.Hunt: {
      if (b != SYNC) {
        onGarbage();
        return;
      }
      candFromReplay = fromReplay;
      candFresh = !fromReplay;
      candReplayStart = replayIndex;
      candLen = 0;
      push(b);
      state = ReadState.Ctrl;
      return;
    }
    case ReadState.Ctrl: {
      push(b);
      if (b == CTRL_ACK) state = ReadState.Header;
      else if (b == CTRL_NAK) state = ReadState.NakLrc;
      else fail(FrameFault.BadControl);
      return;
    }
    case ReadState.NakLrc: {
      push(b);
      // The host has no reason to NAK us (libccid never does); a well-formed one is dropped.
      if (b == NAK_LRC) reset();
      else fail(FrameFault.BadControl);
      return;
    }
    case ReadState.Header: {
      push(b);
      if (candLen < 2 + CCID_HEADER_LENGTH) return;
      // dwLength, u32 LE at message offset 1, compared unsigned: a huge value is oversized.
      const dataLength = load<u32>(cand + 3);
      if (dataLength > <u32>(maxMessage - CCID_HEADER_LENGTH)) {
        fail(FrameFault.Oversized);
        return;
      }
      candTotal = 2 + CCID_HEADER_LENGTH + <i32>dataLength + 1;
      state = dataLength == 0 ? ReadState.Lrc : ReadState.Body;
      return;
    }
    case ReadState.Body: {
      push(b);
      if (candLen == candTotal - 1) state = ReadState.Lrc;
      return;
    }
    case ReadState.Lrc: {
      if (b != (lrc & 0xff)) {
        push(b);
        fail(FrameFault.BadLrc);
        return;
      }
      const len = candLen - 2;
      reset();
      onFrame(cand + 2, len);
      return;
    }
  }
}

function push(b: i32): void {
  // Bounded by the header check: candTotal <= CAPACITY.
  if (candLen >= CAPACITY) return;
  store<u8>(cand + <usize>candLen, <u8>b);
  candLen++;
  if (candLen == 1) lrc = b;
  else lrc ^= b;
}

function reset(): void {
  state = ReadState.Hunt;
  candLen = 0;
}

/** The candidate failed: report it, then scan every byte after its SYNC again. */
function fail(fault: FrameFault): void {
  const fresh = candFresh;
  if (replayRead < replayEnd && candFromReplay) {
    // The candidate lies wholly in the replay buffer: rewind to the byte after its SYNC.
    replayRead = candReplayStart + 1;
  } else {
    const n = candLen - 1;
    memory.copy(replay, cand + 1, <usize>n);
    replayRead = 0;
    replayEnd = n;
  }
  reset();
  onFault(fault, fresh);
}
