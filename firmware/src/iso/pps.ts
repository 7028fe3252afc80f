// Protocol and parameters selection (ISO 7816-3 §9): the request PPSS PPS0 [PPS1] PCK, the
// card's response, and the check that it confirms the request (§9.3). Only the reader starts a
// PPS, once, right after the ATR.
import { CcidError } from '../../../protocol/ccid-constants';
import {
  fiFromCode,
  diFromCode,
  fmaxKhzFromCode,
  DEFAULT_TA1,
} from '../../../protocol/iso7816-tables';
import { RxStatus } from '../../hal-constants';
import { card_send, card_wait } from '../hal';
import {
  PENDING,
  PPSS,
  PPS0_PPS1,
  PPS0_PPS2,
  PPS0_PPS3,
  PPS_MAX_LENGTH,
  INITIAL_WAITING_TIME_ETU,
} from './iso7816';
import { fiDiSupported } from './parameters';
import { AtrInfo } from './atr-info';

export enum PpsState {
  Idle,
  Ppss,
  Pps0,
  Optional,
  Pck,
  Done,
}

/** Standard Di codes 7 … 1 (D = 64 … 1), fastest first, for stepping down from TA1. */
const DI_STEP_DOWN: i32 = 7;

/**
 * The PPS1 to propose: the card's TA1 (negotiable mode, §9.1) if the reader's UART can run it;
 * else the same Fi with the largest standard Di the UART can run; 0 when nothing is faster than
 * Fd/Dd. The clock stays at the activation frequency (the social security card specification
 * forbids changing it after the ATR), so an Fi whose fmax is below that clock is not proposed.
 */
export function choosePps1(info: AtrInfo, clockKhz: i32): i32 {
  if (info.ta1 < 0 || info.specific()) return 0;
  const fi = (info.ta1 >> 4) & 0x0f;
  const f = fiFromCode(fi);
  const cardD = diFromCode(info.ta1 & 0x0f);
  if (f == 0 || cardD == 0 || fmaxKhzFromCode(fi) < clockKhz) return 0;
  let pps1 = info.ta1;
  if (!fiDiSupported(pps1)) {
    pps1 = 0;
    for (let di = DI_STEP_DOWN; di >= 1; di--) {
      if (diFromCode(di) < cardD && fiDiSupported((fi << 4) | di)) {
        pps1 = (fi << 4) | di;
        break;
      }
    }
    if (pps1 == 0) return 0;
  }
  // Faster than Fd/Dd = 372/1 means fewer clocks per etu.
  return f < 372 * diFromCode(pps1 & 0x0f) ? pps1 : 0;
}

export class Pps {
  state: PpsState = PpsState.Idle;
  requestLength: i32 = 0;
  responseLength: i32 = 0;
  private optional: i32 = 0;
  /**
   * The reader's own PPS: characters before PPSS are not its response. A character that comes
   * while the request may still be queued (one trailing a whole ATR) cannot answer it, and
   * failing on it would warm-reset the card with the request still going out during the reset.
   * A card that never sends PPSS meets the initial waiting time, counted once the request is out.
   */
  private skipStray: bool = false;

  constructor(
    readonly slot: i32,
    readonly request: usize,
    readonly response: usize,
  ) {}

  /** Reader-driven PPS (APDU level): protocol T and PPS1. */
  start(protocol: i32, pps1: i32): void {
    const pps0 = PPS0_PPS1 | (protocol & 0x0f);
    store<u8>(this.request, <u8>PPSS);
    store<u8>(this.request + 1, <u8>pps0);
    store<u8>(this.request + 2, <u8>pps1);
    store<u8>(this.request + 3, <u8>(PPSS ^ pps0 ^ pps1));
    this.requestLength = 4;
    this.skipStray = true;
    this.send();
  }

  /** Host-driven PPS (TPDU level): the host's bytes, sent as they are. */
  startRaw(ptr: usize, len: i32): void {
    const n = len > PPS_MAX_LENGTH ? PPS_MAX_LENGTH : len;
    memory.copy(this.request, ptr, <usize>n);
    this.requestLength = n;
    this.skipStray = false; // the host judges whatever comes back
    card_send(this.slot, ptr, len);
    card_wait(this.slot, INITIAL_WAITING_TIME_ETU);
    this.begin();
  }

  private send(): void {
    card_send(this.slot, this.request, this.requestLength);
    // §9.3: the card answers within the initial waiting time, else the PPS failed.
    card_wait(this.slot, INITIAL_WAITING_TIME_ETU);
    this.begin();
  }

  private begin(): void {
    this.state = PpsState.Ppss;
    this.responseLength = 0;
    this.optional = 0;
  }

  /** One response character: PENDING, 0 when the response is complete, or a CcidError. */
  onByte(byte: i32, status: i32): i32 {
    if (this.state == PpsState.Idle || this.state == PpsState.Done) return PENDING;
    if (this.state == PpsState.Ppss && this.skipStray && (status != RxStatus.Ok || byte != PPSS))
      return PENDING;
    if (status != RxStatus.Ok) return CcidError.XfrParityError;
    store<u8>(this.response + <usize>this.responseLength, <u8>byte);
    this.responseLength++;
    switch (this.state) {
      case PpsState.Ppss:
        if (byte != PPSS) {
          this.state = PpsState.Done; // not a PPS response: the caller judges it
          return 0;
        }
        this.state = PpsState.Pps0;
        break;
      case PpsState.Pps0:
        this.optional = popcnt<i32>(byte & (PPS0_PPS1 | PPS0_PPS2 | PPS0_PPS3));
        this.state = this.optional > 0 ? PpsState.Optional : PpsState.Pck;
        break;
      case PpsState.Optional:
        this.optional--;
        if (this.optional == 0) this.state = PpsState.Pck;
        break;
      default:
        this.state = PpsState.Done;
        card_wait(this.slot, 0);
        return 0;
    }
    return PENDING;
  }

  /**
   * §9.3 successful exchange: PPSS and PPS0 b1-b4 echoed; PPS1 echoed or absent (then Fd/Dd);
   * PPS2, PPS3 absent as we send none; PCK right. Returns the FI/DI now in force, or -1.
   */
  accepted(): i32 {
    if (this.state != PpsState.Done || this.responseLength < 3) return -1;
    let check: i32 = 0;
    for (let i: i32 = 0; i < this.responseLength; i++) {
      check ^= <i32>load<u8>(this.response + <usize>i);
    }
    if (check != 0 || load<u8>(this.response) != PPSS) return -1;
    const req0 = <i32>load<u8>(this.request + 1);
    const rsp0 = <i32>load<u8>(this.response + 1);
    if ((req0 & 0x0f) != (rsp0 & 0x0f)) return -1;
    if (rsp0 & (PPS0_PPS2 | PPS0_PPS3) & ~req0) return -1;
    if ((rsp0 & PPS0_PPS1) == 0) return DEFAULT_TA1;
    if ((req0 & PPS0_PPS1) == 0) return -1;
    const pps1 = <i32>load<u8>(this.response + 2);
    return pps1 == <i32>load<u8>(this.request + 2) ? pps1 : -1;
  }

  /** The protocol the response confirmed (PPS0 b1-b4). */
  protocol(): i32 {
    return (<i32>load<u8>(this.response + 1)) & 0x0f;
  }
}
