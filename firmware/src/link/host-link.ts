// The host link: bytes from on_host_rx through the frame reader to the CCID device, NAK on a bad
// frame, and the partial-frame timer (TIMER_HOST_FRAME).
import { timer_set, timer_cancel } from '../hal';
import { TIMER_HOST_FRAME } from '../timers';
import { HOST_FRAME_TIMEOUT_MS } from '../timing';
import {
  frameReaderInit,
  frameReaderFeed,
  frameReaderInFrame,
  frameReaderTimeout,
  FrameFault,
  FrameHandler,
} from './frame-reader';
import { sendNak } from './frame-writer';
import { countFrameReceived, countFrameError, countGarbageByte } from '../diag/counters';
import { uptimeTouch } from '../diag/uptime';

/** Where the runtime writes host bytes (HAL.md exports host_rx_buffer / host_rx_capacity). */
export const HOST_RX_CAPACITY: i32 = 512;
const hostRx = memory.data(HOST_RX_CAPACITY);

let messageHandler: FrameHandler = ignoreMessage;
let timerArmed: bool = false;

function ignoreMessage(ptr: usize, len: i32): void {}

export function hostRxBuffer(): usize {
  return hostRx;
}

/** `handler` receives every valid CCID message (pointer valid during the call only). */
export function hostLinkInit(handler: FrameHandler): void {
  messageHandler = handler;
  timerArmed = false;
  frameReaderInit(onFrame, onFault, countGarbageByte);
}

export function hostLinkOnRx(len: i32): void {
  // The runtime never reports more than the capacity; if it did, only the buffer is read.
  const n = len < 0 ? 0 : len > HOST_RX_CAPACITY ? HOST_RX_CAPACITY : len;
  frameReaderFeed(hostRx, n);
  updateTimer();
}

export function hostLinkOnTimer(): void {
  timerArmed = false;
  frameReaderTimeout();
  updateTimer();
}

function updateTimer(): void {
  if (frameReaderInFrame()) {
    timer_set(TIMER_HOST_FRAME, HOST_FRAME_TIMEOUT_MS);
    timerArmed = true;
  } else if (timerArmed) {
    timer_cancel(TIMER_HOST_FRAME);
    timerArmed = false;
  }
}

function onFrame(ptr: usize, len: i32): void {
  countFrameReceived();
  uptimeTouch();
  messageHandler(ptr, len);
}

function onFault(fault: i32, fresh: bool): void {
  countFrameError();
  // A stray SYNC in line noise is not a frame the host is waiting on: an unsolicited NAK would
  // sit in libccid's buffer and be read as the answer to its next command (ccid-over-serial
  // §2.3). Only a frame that was really under way is answered with NAK.
  if (fresh && fault != FrameFault.BadControl) sendNak();
}
