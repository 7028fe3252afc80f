// Incremental reader of libccid's serial framing (ccid-over-serial §2.2) over the chunks the
// host link delivers: `03 06` + CCID message (10-byte header + dwLength bytes) + LRC.
// Bytes are taken a run at a time, not one by one: a scan for SYNC between frames, then the
// header and the body copied with memory.copy and folded into the LRC eight bytes at a time.
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
import { xorOf } from './lrc';

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
/** Set by fail(): the run being consumed stops there. */
let failed: bool = false;
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
  let at: i32 = 0;
  while (at < len) {
    // consume() stops right after a failed candidate: its bytes are rescanned before going on.
    at += consume(ptr + <usize>at, len - at, false, 0);
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
    const start = replayRead;
    failed = false;
    const n = consume(replay + <usize>start, replayEnd - start, true, start);
    // A failure moved replayRead itself (back into the replay buffer, or to a new one).
    if (!failed) replayRead = start + n;
  }
}

/**
 * Takes bytes from a run of `len` at `ptr` (fresh from the host, or replayed from `index` of the
 * replay buffer) a run at a time: a scan for SYNC between frames, memory.copy and one XOR loop
 * for the header and the body. Returns how many it took: all of them, or up to and including
 * the byte that made a candidate fail.
 */
function consume(ptr: usize, len: i32, fromReplay: bool, index: i32): i32 {
  failed = false;
  if (!fromReplay && state != ReadState.Hunt) candFresh = true;
  let i: i32 = 0;
  while (i < len) {
    switch (state) {
      case ReadState.Hunt: {
        const from = i;
        while (i < len && load<u8>(ptr + <usize>i) != SYNC) i++;
        for (let g = from; g < i; g++) onGarbage();
        if (i == len) return len;
        candFromReplay = fromReplay;
        candFresh = !fromReplay;
        candReplayStart = index + i;
        store<u8>(cand, SYNC);
        candLen = 1;
        lrc = SYNC;
        state = ReadState.Ctrl;
        i++;
        break;
      }
      case ReadState.Ctrl: {
        const b = <i32>load<u8>(ptr + <usize>i);
        i++;
        push(b);
        if (b == CTRL_ACK) state = ReadState.Header;
        else if (b == CTRL_NAK) state = ReadState.NakLrc;
        else {
          fail(FrameFault.BadControl);
          return i;
        }
        break;
      }
      case ReadState.NakLrc: {
        const b = <i32>load<u8>(ptr + <usize>i);
        i++;
        push(b);
        // The host has no reason to NAK us (libccid never does); a well-formed one is dropped.
        if (b == NAK_LRC) reset();
        else {
          fail(FrameFault.BadControl);
          return i;
        }
        break;
      }
      case ReadState.Header: {
        i += take(ptr + <usize>i, len - i, 2 + CCID_HEADER_LENGTH);
        if (candLen < 2 + CCID_HEADER_LENGTH) return len;
        // dwLength, u32 LE at message offset 1, compared unsigned: a huge value is oversized.
        const dataLength = load<u32>(cand + 3);
        if (dataLength > <u32>(maxMessage - CCID_HEADER_LENGTH)) {
          fail(FrameFault.Oversized);
          return i;
        }
        candTotal = 2 + CCID_HEADER_LENGTH + <i32>dataLength + 1;
        state = dataLength == 0 ? ReadState.Lrc : ReadState.Body;
        break;
      }
      case ReadState.Body: {
        i += take(ptr + <usize>i, len - i, candTotal - 1);
        if (candLen == candTotal - 1) state = ReadState.Lrc;
        break;
      }
      default: {
        // Lrc
        const b = <i32>load<u8>(ptr + <usize>i);
        i++;
        if (b != (lrc & 0xff)) {
          push(b);
          fail(FrameFault.BadLrc);
          return i;
        }
        const n = candLen - 2;
        reset();
        onFrame(cand + 2, n);
        break;
      }
    }
  }
  return len;
}

/**
 * Copies bytes of the run into the candidate until it holds `upTo` bytes (or the run ends) and
 * folds them into the LRC; returns how many it took. `upTo` ≤ CAPACITY: 12 for the header, and
 * the header check bounds candTotal.
 */
function take(ptr: usize, len: i32, upTo: i32): i32 {
  const want = upTo - candLen;
  const n = want < len ? want : len;
  if (n <= 0) return 0;
  memory.copy(cand + <usize>candLen, ptr, <usize>n);
  candLen += n;
  lrc ^= xorOf(ptr, n);
  return n;
}

function push(b: i32): void {
  // Bounded by the header check: candTotal <= CAPACITY.
  if (candLen >= CAPACITY) return;
  store<u8>(cand + <usize>candLen, <u8>b);
  candLen++;
  lrc ^= b;
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
  failed = true;
  onFault(fault, fresh);
}
