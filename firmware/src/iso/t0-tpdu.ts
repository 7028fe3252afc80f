// One T=0 command TPDU (ISO 7816-3 §10.3): the header CLA INS P1 P2 P3, then the card's
// procedure bytes — NULL 0x60, INS (all remaining data), INS ^ FF (one byte), SW1 6X/9X — and
// the data in the direction the command gives. Any other procedure byte ends the exchange with
// PROCEDURE_BYTE_CONFLICT (osmo-ccid-firmware asserted instead).
import { CcidError } from '../../../protocol/ccid-constants';
import { RxStatus } from '../../hal-constants';
import { card_send, card_wait, now_ms } from '../hal';
import { slotWaiting } from '../ccid/slot-events';
import { PENDING, T0_NULL, T0_HEADER_LENGTH, WAITING_REPORT_MS } from './iso7816';
import { Params } from './parameters';

export enum T0State {
  Idle,
  Procedure,
  RxData,
  RxSingle,
  Sw2,
}

export class T0Tpdu {
  state: T0State = T0State.Idle;
  sw1: i32 = 0;
  sw2: i32 = 0;
  /** Where incoming data goes, how many bytes are there, and how many fit. */
  destination: usize = 0;
  received: i32 = 0;
  capacity: i32 = 0;
  private ins: i32 = 0;
  private toCard: bool = false;
  private next: usize = 0;
  private remaining: i32 = 0;
  /** While receiving data: the value of `received` at which the procedure bytes resume. */
  private stopAt: i32 = 0;
  private lastReportMs: i32 = 0;
  private reported: bool = false;

  constructor(
    readonly slot: i32,
    readonly params: Params,
    readonly header: usize,
  ) {}

  /**
   * Sends the 5-byte header already at `header`. Towards the card: `count` bytes at `data`
   * (P3 = count). From the card: up to `count` bytes (P3 = 0 means 256) appended at
   * destination + received.
   */
  start(toCard: bool, data: usize, count: i32): void {
    this.ins = <i32>load<u8>(this.header + 1);
    this.toCard = toCard;
    this.next = data;
    this.remaining = count;
    this.sw1 = 0;
    this.sw2 = 0;
    this.reported = false;
    this.state = T0State.Procedure;
    card_send(this.slot, this.header, T0_HEADER_LENGTH);
    this.arm();
  }

  private arm(): void {
    // WWT runs between any two characters in either direction; card_wait restarts it on each.
    card_wait(this.slot, this.params.wwtEtu());
  }

  /** One character from the card: PENDING, 0 when SW1 SW2 are in, or a CcidError. */
  onByte(byte: i32, status: i32): i32 {
    // One call per character: the fields in locals, data bytes (the common case) first.
    const state = this.state;
    if (state == T0State.Idle) return PENDING;
    if (status != RxStatus.Ok) return this.fail(CcidError.XfrParityError);
    if (state == T0State.RxData || state == T0State.RxSingle) {
      const received = this.received;
      if (received >= this.capacity) return this.fail(CcidError.XfrOverrun);
      store<u8>(this.destination + <usize>received, <u8>byte);
      this.received = received + 1;
      if (received + 1 == this.stopAt) {
        this.state = T0State.Procedure;
        this.arm();
      }
      return PENDING;
    }
    if (state == T0State.Procedure) return this.onProcedure(byte);
    // Sw2
    this.sw2 = byte;
    this.state = T0State.Idle;
    card_wait(this.slot, 0);
    return 0;
  }

  private onProcedure(byte: i32): i32 {
    // §10.3.3: NULL may come at any time, also where SW1 is expected (osmo 8bb7693).
    if (byte == T0_NULL) {
      this.reportWaiting();
      this.arm();
      return PENDING;
    }
    const high = byte & 0xf0;
    if (high == 0x60 || high == 0x90) {
      this.sw1 = byte;
      this.state = T0State.Sw2;
      this.arm();
      return PENDING;
    }
    const all = byte == this.ins;
    if (!all && byte != (this.ins ^ 0xff)) return this.fail(CcidError.ProcedureByteConflict);
    if (this.remaining <= 0) return this.fail(CcidError.ProcedureByteConflict);
    const count = all ? this.remaining : 1;
    this.remaining -= count;
    if (this.toCard) {
      card_send(this.slot, this.next, count);
      this.next += <usize>count;
    } else {
      this.state = all ? T0State.RxData : T0State.RxSingle;
      this.stopAt = this.received + count;
    }
    this.arm();
    return PENDING;
  }

  /** The card asked for time: tell the CCID layer, at most once per WAITING_REPORT_MS. */
  private reportWaiting(): void {
    const now = now_ms();
    if (this.reported && now - this.lastReportMs < WAITING_REPORT_MS) return;
    this.reported = true;
    this.lastReportMs = now;
    slotWaiting(this.slot, 1);
  }

  /** WWT ran out. */
  onTimeout(): i32 {
    if (this.state == T0State.Idle) return PENDING;
    return this.fail(CcidError.IccMute);
  }

  stop(): void {
    this.state = T0State.Idle;
  }

  private fail(error: i32): i32 {
    this.state = T0State.Idle;
    card_wait(this.slot, 0);
    return error;
  }
}
