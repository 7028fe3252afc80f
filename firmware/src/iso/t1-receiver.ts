// Receives one T=1 block from the card, character by character: the first within the block
// waiting time (armed by the sender), the next ones each within CWT (§11.4.3); LEN tells where
// the block ends. A block with a parity error, a bad LEN or a missing character is still read
// to its end (or to the CWT expiry), then judged invalid as a whole (§11.6.3).
import { RxStatus } from '../../hal-constants';
import { card_wait } from '../hal';
import { PENDING } from './iso7816';
import {
  T1_MAX_INF,
  T1_MAX_BLOCK_LENGTH,
  T1_PROLOGUE_LENGTH,
  T1BlockKind,
  t1BlockKind,
  t1EdcLength,
  t1ReplyNad,
  T1RError,
  T1SType,
} from '../../../protocol/t1-constants';
import { edcOk } from './t1-block';
import { Params } from './parameters';

export enum T1RxState {
  Idle,
  Nad,
  Pcb,
  Len,
  Rest,
  Drain,
}

/** onByte / onTimeout results besides PENDING: a block is in, or nothing came within BWT. */
export const RX_BLOCK: i32 = 0;
export const RX_MUTE: i32 = 1;

export class T1Receiver {
  state: T1RxState = T1RxState.Idle;
  length: i32 = 0;
  private expected: i32 = 0;
  private parityError: bool = false;
  private malformed: bool = false;

  constructor(
    readonly slot: i32,
    readonly params: Params,
    readonly buffer: usize,
  ) {}

  /** Ready for the card's next block (the sender armed BWT). */
  begin(): void {
    this.state = T1RxState.Nad;
    this.length = 0;
    this.expected = T1_MAX_BLOCK_LENGTH;
    this.parityError = false;
    this.malformed = false;
  }

  stop(): void {
    this.state = T1RxState.Idle;
  }

  onByte(byte: i32, status: i32): i32 {
    // One call per character: the fields in locals, the bytes after LEN (the common case) first.
    const state = this.state;
    if (state == T1RxState.Idle) return PENDING;
    if (status != RxStatus.Ok) this.parityError = true;
    let length = this.length;
    if (length < T1_MAX_BLOCK_LENGTH) {
      store<u8>(this.buffer + <usize>length, <u8>byte);
      length++;
      this.length = length;
    }
    if (state == T1RxState.Rest) {
      if (length < this.expected) return PENDING;
      this.state = T1RxState.Idle;
      card_wait(this.slot, 0);
      return RX_BLOCK;
    }
    if (state == T1RxState.Nad) card_wait(this.slot, this.params.cwtEtu());
    switch (state) {
      case T1RxState.Nad:
        this.state = T1RxState.Pcb;
        return PENDING;
      case T1RxState.Pcb:
        this.state = T1RxState.Len;
        return PENDING;
      case T1RxState.Len:
        if (byte > T1_MAX_INF) {
          this.malformed = true; // LEN 0xFF is RFU: read on until CWT says the block ended
          this.state = T1RxState.Drain;
          return PENDING;
        }
        this.expected = T1_PROLOGUE_LENGTH + byte + t1EdcLength(this.params.crc);
        this.state = T1RxState.Rest;
        return PENDING;
      default:
        return PENDING; // Drain
    }
  }

  /** The waiting time ran out: BWT before the first character, else CWT inside the block. */
  onTimeout(): i32 {
    if (this.state == T1RxState.Idle) return PENDING;
    const mute = this.state == T1RxState.Nad;
    this.state = T1RxState.Idle;
    if (mute) return RX_MUTE;
    this.malformed = true;
    return RX_BLOCK;
  }

  /** Parity or EDC error: the whole block is unreliable. */
  edcError(): bool {
    return this.parityError || !edcOk(this.buffer, this.length, this.params.crc);
  }

  /**
   * Judges the block just received: 0 if valid, else the R-block error bits (§11.6.2.3):
   * T1RError.Edc for parity and EDC errors, T1RError.Other for anything else.
   */
  check(ifsd: i32): i32 {
    if (this.malformed || this.length < T1_PROLOGUE_LENGTH + 1) return T1RError.Other;
    if (this.edcError()) return T1RError.Edc;
    const nad = <i32>load<u8>(this.buffer);
    const pcb = <i32>load<u8>(this.buffer + 1);
    const len = <i32>load<u8>(this.buffer + 2);
    if (nad != t1ReplyNad(this.params.nad)) return T1RError.Other;
    switch (t1BlockKind(pcb)) {
      case T1BlockKind.I:
        return len > ifsd ? T1RError.Other : 0;
      case T1BlockKind.R:
        return len != 0 || (pcb & 0x2c) != 0 ? T1RError.Other : 0;
      default: {
        const type = pcb & 0x1f;
        if (type > T1SType.Wtx) return T1RError.Other;
        const want = type == T1SType.Ifs || type == T1SType.Wtx ? 1 : 0;
        if (type == T1SType.Abort) return 0;
        return len == want ? 0 : T1RError.Other;
      }
    }
  }

  pcb(): i32 {
    return <i32>load<u8>(this.buffer + 1);
  }

  infLength(): i32 {
    return <i32>load<u8>(this.buffer + 2);
  }

  inf(): usize {
    return this.buffer + T1_PROLOGUE_LENGTH;
  }
}
