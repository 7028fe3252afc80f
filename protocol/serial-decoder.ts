// Incremental decoder for libccid's serial framing (../shared/reference/ccid-over-serial.md §2).
// Takes the byte stream in chunks of any size and yields, in stream order:
//   frame         `03 06` + CCID message + LRC, the LRC checked (libccid only logs a bad one;
//                 we reject it, §2.3)
//   nak           `03 15 16`
//   slot-change   `50 xx` between frames (§9)
//   time-request  one byte 0x80..0xFF between frames (§3)
//   error         bad LRC, oversized frame, bad CTRL, bad NAK, garbage between frames, or an
//                 incomplete frame abandoned by flush()
//
// Resynchronisation: a candidate frame starts at a SYNC byte and is buffered until it can be
// judged. When it is rejected, scanning restarts at the byte after its SYNC, so a real frame that
// began inside the rejected bytes is still found. Memory: the buffer never holds more than one
// frame of the largest allowed message (maxMessageLength + FRAME_OVERHEAD bytes); an oversized
// dwLength is rejected as soon as its 4 bytes have arrived. With `checkLengths`, so is a dwLength
// its message type cannot have (a SlotStatus with data), and a candidate inside whose data a
// whole, checked CCID frame arrives is given up for it: one flipped bit or doubled byte in a
// dwLength must not make the decoder swallow the frames that follow, a `50 xx` card event among
// them, until thousands of bytes have come (found by the soak, seeds 1044, 1038 and 42).

import { checkBytes, checkInt, readU32LE } from './bytes.ts';
import { isMessageType } from './ccid-codec.ts';
import {
  CCID_HEADER_LENGTH,
  DATA_RATE_AND_CLOCK_LENGTH,
  PcToRdr,
  RdrToPc,
  T0_PARAMETERS_LENGTH,
  T1_PARAMETERS_LENGTH,
} from './ccid-constants.ts';
import {
  CTRL_ACK,
  CTRL_NAK,
  FRAME_OVERHEAD,
  NAK_LRC,
  NOTIFY_SLOT_CHANGE,
  SYNC,
  TIME_REQUEST_MIN,
} from './serial-constants.ts';
import { lrc } from './serial-frame.ts';

export type SerialErrorCode =
  | 'bad-lrc'
  | 'oversized'
  | 'bad-length'
  | 'interrupted'
  | 'bad-control'
  | 'bad-nak'
  | 'garbage'
  | 'incomplete';

/** `offset` is the position in the whole stream (bytes pushed since construction) of the event. */
export type SerialEvent =
  | { readonly kind: 'frame'; readonly offset: number; readonly message: Uint8Array }
  | { readonly kind: 'nak'; readonly offset: number }
  | { readonly kind: 'slot-change'; readonly offset: number; readonly state: number }
  | { readonly kind: 'time-request'; readonly offset: number; readonly byte: number }
  | {
      readonly kind: 'error';
      readonly code: SerialErrorCode;
      readonly offset: number;
      /** Number of bytes the error covers (the rejected candidate, or the garbage run). */
      readonly length: number;
      readonly message: string;
    };

export interface SerialDecoderOptions {
  /** Largest CCID message (header + data) accepted: COMPAT_ or NATIVE_MAX_MESSAGE_LENGTH. */
  readonly maxMessageLength: number;
  /**
   * Reject a frame at its header when its bMessageType is a CCID message whose dwLength is
   * fixed (FIXED_DATA_LENGTHS) and the header says otherwise; and give up an unfinished frame
   * when a whole frame of a CCID message type, its LRC right, arrives inside its data (its
   * dwLength was wrong; the rescan then finds that frame). Off by default: the framing alone does
   * not look at bMessageType.
   */
  readonly checkLengths?: boolean;
}

/**
 * The dwLength values a CCID message of fixed size may have (CCID rev 1.1 §6.1, §6.2). A command
 * may also come back as the compat profile's short echo, dwLength 0 (PROTOCOL.md §2).
 */
export const FIXED_DATA_LENGTHS: ReadonlyMap<number, readonly number[]> = new Map<
  number,
  readonly number[]
>([
  [PcToRdr.IccPowerOn, [0]],
  [PcToRdr.IccPowerOff, [0]],
  [PcToRdr.GetSlotStatus, [0]],
  [PcToRdr.GetParameters, [0]],
  [PcToRdr.ResetParameters, [0]],
  [PcToRdr.SetParameters, [0, T0_PARAMETERS_LENGTH, T1_PARAMETERS_LENGTH]],
  [PcToRdr.IccClock, [0]],
  [PcToRdr.T0Apdu, [0]],
  [PcToRdr.Mechanical, [0]],
  [PcToRdr.Abort, [0]],
  [PcToRdr.SetDataRateAndClockFrequency, [0, DATA_RATE_AND_CLOCK_LENGTH]],
  [RdrToPc.SlotStatus, [0]],
  [RdrToPc.Parameters, [0, T0_PARAMETERS_LENGTH, T1_PARAMETERS_LENGTH]],
  [RdrToPc.DataRateAndClockFrequency, [DATA_RATE_AND_CLOCK_LENGTH]],
]);

/** SYNC, CTRL and the first 5 header bytes (bMessageType, dwLength): enough to know the size. */
const SIZE_KNOWN = 2 + 5;

export class SerialDecoder {
  readonly maxMessageLength: number;
  readonly checkLengths: boolean;
  /** With checkLengths: a decoder of the current candidate's bytes after its SYNC. */
  private inner: SerialDecoder | undefined;
  private isInner = false;
  /** The candidate frame (starting with SYNC) or a lone 0x50 waiting for its state byte. */
  private readonly buf: Uint8Array;
  private len = 0;
  /** Stream offset of buf[0]. */
  private bufOffset = 0;
  /** Stream offset of the next pushed byte. */
  private streamOffset = 0;
  private garbageOffset = 0;
  private garbageLength = 0;
  /** Segments still to scan: the chunk being pushed, and the rest of rejected candidates. */
  private readonly work: { bytes: Uint8Array; offset: number; pos: number }[] = [];
  private events: SerialEvent[] = [];

  constructor(options: SerialDecoderOptions) {
    this.maxMessageLength = checkInt(
      'maxMessageLength',
      options?.maxMessageLength,
      CCID_HEADER_LENGTH,
      1 << 24,
    );
    this.checkLengths = options?.checkLengths === true;
    this.buf = new Uint8Array(this.maxMessageLength + FRAME_OVERHEAD);
  }

  /** Bytes held between calls; never more than maxMessageLength + FRAME_OVERHEAD. */
  get bufferedBytes(): number {
    return this.len;
  }

  /** Largest value bufferedBytes can take. */
  get capacity(): number {
    return this.buf.length;
  }

  /** Feeds the next bytes of the stream; returns the events they complete, in stream order. */
  push(chunk: Uint8Array): SerialEvent[] {
    checkBytes('chunk', chunk);
    this.work.push({ bytes: chunk, offset: this.streamOffset, pos: 0 });
    this.streamOffset += chunk.length;
    this.drain();
    this.endGarbage();
    return this.take();
  }

  /**
   * The line has gone quiet: whatever is buffered will not be completed. Reports it as
   * 'incomplete' and rescans the bytes after its SYNC (which may hold complete frames or more
   * incomplete ones), until nothing is buffered.
   */
  flush(): SerialEvent[] {
    while (this.len > 0) {
      this.reject('incomplete', `${this.len} bytes of an unfinished frame abandoned`);
      this.drain();
    }
    this.endGarbage();
    return this.take();
  }

  /** Forgets everything buffered (the port was reopened); stream offsets keep counting. */
  reset(): void {
    this.len = 0;
    this.inner = undefined;
    this.garbageLength = 0;
  }

  private take(): SerialEvent[] {
    const out = this.events;
    this.events = [];
    return out;
  }

  private drain(): void {
    while (this.work.length > 0) {
      const seg = this.work[this.work.length - 1];
      if (seg.pos >= seg.bytes.length) {
        this.work.pop();
        continue;
      }
      const offset = seg.offset + seg.pos;
      const b = seg.bytes[seg.pos++];
      this.scan(b, offset);
    }
  }

  private scan(b: number, offset: number): void {
    if (this.len === 0) {
      this.between(b, offset);
      return;
    }
    const first = this.buf[0];
    this.buf[this.len++] = b;
    if (first === NOTIFY_SLOT_CHANGE) {
      this.emit({ kind: 'slot-change', offset: this.bufOffset, state: b });
      this.len = 0;
      return;
    }
    // first === SYNC
    if (this.len === 2) {
      if (b !== CTRL_ACK && b !== CTRL_NAK) {
        this.reject('bad-control', `SYNC followed by ${hex(b)}, not ACK 06 or NAK 15`);
      }
      return;
    }
    if (this.buf[1] === CTRL_NAK) {
      if (b === NAK_LRC) {
        this.emit({ kind: 'nak', offset: this.bufOffset });
        this.len = 0;
      } else {
        this.reject('bad-nak', `NAK followed by ${hex(b)}, not its LRC 16`);
      }
      return;
    }
    if (this.len < SIZE_KNOWN) return;
    const messageLength = CCID_HEADER_LENGTH + readU32LE(this.buf, 3);
    if (this.len === SIZE_KNOWN && messageLength > this.maxMessageLength) {
      this.reject(
        'oversized',
        `dwLength announces a ${messageLength}-byte message, more than ${this.maxMessageLength}`,
      );
      return;
    }
    if (this.len === SIZE_KNOWN && this.checkLengths) {
      const allowed = FIXED_DATA_LENGTHS.get(this.buf[2]);
      const dwLength = messageLength - CCID_HEADER_LENGTH;
      if (allowed && !allowed.includes(dwLength)) {
        this.reject(
          'bad-length',
          `dwLength ${dwLength} for message ${hex(this.buf[2])}, which carries ${allowed.join(' or ')}`,
        );
        return;
      }
    }
    const frameLength = messageLength + FRAME_OVERHEAD;
    if (this.len < frameLength) {
      if (this.checkLengths && !this.isInner) this.watchInside(b);
      return;
    }
    this.inner = undefined;
    if (lrc(this.buf, 0, frameLength) !== 0) {
      this.reject('bad-lrc', `LRC ${hex(this.buf[frameLength - 1])} does not match`);
      return;
    }
    this.emit({
      kind: 'frame',
      offset: this.bufOffset,
      message: this.buf.slice(2, frameLength - 1),
    });
    this.len = 0;
  }

  /** A byte outside any frame. */
  private between(b: number, offset: number): void {
    if (b === SYNC || b === NOTIFY_SLOT_CHANGE) {
      this.endGarbage();
      this.buf[0] = b;
      this.len = 1;
      this.bufOffset = offset;
    } else if (b >= TIME_REQUEST_MIN) {
      this.emit({ kind: 'time-request', offset, byte: b });
    } else if (this.garbageLength > 0 && this.garbageOffset + this.garbageLength === offset) {
      this.garbageLength++;
    } else {
      this.endGarbage();
      this.garbageOffset = offset;
      this.garbageLength = 1;
    }
  }

  /** Gives the candidate up when a whole CCID frame completes inside it (see checkLengths). */
  private watchInside(b: number): void {
    let events: SerialEvent[];
    if (!this.inner) {
      this.inner = new SerialDecoder({
        maxMessageLength: this.maxMessageLength,
        checkLengths: true,
      });
      this.inner.isInner = true;
      events = this.inner.push(this.buf.subarray(1, this.len));
    } else {
      events = this.inner.push(Uint8Array.of(b));
    }
    const whole = events.find(
      (e) =>
        e.kind === 'frame' &&
        (isMessageType(e.message[0], 'rdr-to-pc') || isMessageType(e.message[0], 'pc-to-rdr')),
    );
    if (whole) {
      this.reject(
        'interrupted',
        `a whole frame came ${whole.offset + 1} bytes into a ${this.len}-byte candidate that announced more`,
      );
    }
  }

  /** Drops the candidate and schedules a rescan from the byte after its SYNC. */
  private reject(code: SerialErrorCode, message: string): void {
    this.inner = undefined;
    this.emit({ kind: 'error', code, offset: this.bufOffset, length: this.len, message });
    if (this.len > 1) {
      this.work.push({ bytes: this.buf.slice(1, this.len), offset: this.bufOffset + 1, pos: 0 });
    }
    this.len = 0;
  }

  private endGarbage(): void {
    if (this.garbageLength === 0) return;
    this.events.push({
      kind: 'error',
      code: 'garbage',
      offset: this.garbageOffset,
      length: this.garbageLength,
      message: `${this.garbageLength} byte(s) outside any frame`,
    });
    this.garbageLength = 0;
  }

  private emit(e: SerialEvent): void {
    this.endGarbage();
    this.events.push(e);
  }
}

const hex = (b: number): string => b.toString(16).toUpperCase().padStart(2, '0');
