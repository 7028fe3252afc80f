// Receives the Answer-to-Reset character by character (ISO 7816-3 §8): TS and the convention,
// T0, every interface byte group, the historical bytes and TCK. What the bytes mean is decoded
// afterwards by AtrInfo (atr-info.ts).
import { CcidError } from '../../../protocol/ccid-constants';
import {
  MAX_ATR_LENGTH,
  TS_DIRECT,
  TS_INVERSE,
  TS_INVERSE_SEEN_DIRECT,
  TS_DIRECT_SEEN_INVERSE,
  DEFAULT_F,
  DEFAULT_D,
} from '../../../protocol/iso7816-tables';
import { RxStatus, UartFlag } from '../../hal-constants';
import { card_uart } from '../hal';
import { PENDING } from './iso7816';

export enum AtrState {
  Ts,
  T0,
  Interface,
  Historical,
  Tck,
  Done,
}

/** Y bits of T0 / TDi: which of TAi, TBi, TCi, TDi follow. */
const Y_TD: i32 = 0x8;

export class AtrReader {
  state: AtrState = AtrState.Ts;
  length: i32 = 0;
  inverse: bool = false;
  /** Interface bytes still announced in the current group (b1 TA … b4 TD). */
  private y: i32 = 0;
  private historical: i32 = 0;
  /** ISO 7816-3 §8.2.5: TCK is absent only if T=0 alone is indicated. */
  private tckPresent: bool = false;

  constructor(
    readonly slot: i32,
    readonly buffer: usize,
  ) {}

  /** Before each reset: the UART is back at the direct convention. */
  begin(): void {
    this.state = AtrState.Ts;
    this.length = 0;
    this.inverse = false;
    this.y = 0;
    this.historical = 0;
    this.tckPresent = false;
  }

  /** One ATR character; returns PENDING, 0 when the ATR is complete, or a CcidError. */
  onByte(byte: i32, status: i32): i32 {
    if (this.state == AtrState.Done) return PENDING; // bytes after the end are not the ATR's
    if (this.state == AtrState.Ts) return this.onTs(byte, status);
    if (status != RxStatus.Ok) return CcidError.XfrParityError;
    if (this.length >= MAX_ATR_LENGTH) return CcidError.XfrOverrun;
    store<u8>(this.buffer + <usize>this.length, <u8>byte);
    this.length++;
    switch (this.state) {
      case AtrState.T0:
        this.y = byte >> 4;
        this.historical = byte & 0x0f;
        break;
      case AtrState.Interface: {
        const bit = this.y & -this.y; // TA, TB, TC, TD come in this order
        this.y &= ~bit;
        if (bit == Y_TD) {
          this.y = byte >> 4;
          if ((byte & 0x0f) != 0) this.tckPresent = true;
        }
        break;
      }
      case AtrState.Historical:
        this.historical--;
        break;
      case AtrState.Tck: {
        this.state = AtrState.Done;
        let check: i32 = 0; // XOR of T0 … TCK is 0
        for (let i: i32 = 1; i < this.length; i++) check ^= <i32>load<u8>(this.buffer + <usize>i);
        return check == 0 ? 0 : CcidError.BadAtrTck;
      }
    }
    this.state = this.next();
    return this.state == AtrState.Done ? 0 : PENDING;
  }

  private onTs(byte: i32, status: i32): i32 {
    // A card of the other convention decodes as 03 (inverse seen direct) or 23 (direct seen
    // inverse), usually with a parity error: switch the UART and take TS as read correctly.
    let ts: i32 = 0;
    if (!this.inverse && byte == TS_INVERSE_SEEN_DIRECT) {
      this.inverse = true;
      ts = TS_INVERSE;
    } else if (this.inverse && byte == TS_DIRECT_SEEN_INVERSE) {
      this.inverse = false;
      ts = TS_DIRECT;
    } else if (status == RxStatus.Ok && byte == (this.inverse ? TS_INVERSE : TS_DIRECT)) {
      ts = byte;
    } else {
      return CcidError.BadAtrTs;
    }
    if (ts != byte) {
      card_uart(this.slot, DEFAULT_F, DEFAULT_D, 0, this.inverse ? UartFlag.Inverse : 0);
    }
    store<u8>(this.buffer, <u8>ts);
    this.length = 1;
    this.state = AtrState.T0;
    return PENDING;
  }

  private next(): AtrState {
    if (this.y != 0) return AtrState.Interface;
    if (this.historical > 0) return AtrState.Historical;
    if (this.tckPresent) return AtrState.Tck;
    return AtrState.Done;
  }
}
