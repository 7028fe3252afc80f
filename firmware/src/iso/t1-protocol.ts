// The T=1 block protocol (ISO 7816-3 §11), reader side.
//
// APDU level: the C-APDU goes out in I-blocks of at most IFSC bytes (chaining, §11.6.2), the
// card's I-blocks are acknowledged and joined (LEN = 0 blocks inside a chain included); the
// card's S-requests are answered (WTX → also slotWaiting, IFS, ABORT); the reader's own
// S(IFS request) announces IFSD 254 as the first block. Error recovery (§11.6.3.2): an invalid
// block or a BWT expiry gets an R-block with the error bits (rule 7.1), or the S-request again
// (rule 7.2); after two retransmissions a RESYNCH (rule 7.4.2 → 6); after three failed
// RESYNCH the card is deactivated (rule 6.4). A successful RESYNCH mid-exchange fails that
// exchange — its command may have run already — and leaves the card ready for the next one.
//
// TPDU level (compat profile): the host runs the protocol; one host block goes out as it is and
// the card's next complete block comes back. A block with a parity error comes back with a
// wrong EDC, so that the host asks for it again.
import { DiagnosticsTag } from '../../../protocol/native-constants';
import { CcidError, ERROR_INDEX_LENGTH } from '../../../protocol/ccid-constants';
import { card_send, card_wait } from '../hal';
import { slotWaiting } from '../ccid/slot-events';
import {
  PENDING,
  T1_IFSD,
  T1_DEFAULT_IFSD,
  T1_MAX_RETRANSMISSIONS,
  T1_MAX_RESYNCH,
} from './iso7816';
import {
  T1_MAX_BLOCK_LENGTH,
  T1_PROLOGUE_LENGTH,
  T1BlockKind,
  t1BlockKind,
  PCB_R_BLOCK,
  PCB_S_BLOCK,
  PCB_I_NS,
  PCB_I_MORE,
  PCB_R_NR,
  PCB_S_RESPONSE,
  T1RError,
  T1SType,
} from '../../../protocol/t1-constants';
import { buildBlock, edcOk } from './t1-block';
import { T1Receiver, RX_MUTE } from './t1-receiver';
import { Params } from './parameters';
import { count } from './counters';

export enum T1Phase {
  Idle,
  /** An I-block with M = 1 is out; the card's R-block acknowledges it. */
  Sending,
  /** The last I-block is out; the card's I-blocks come back. */
  Receiving,
  /** An S(IFS request) is out. */
  SRequest,
  /** An S(RESYNCH request) is out. */
  Resynch,
  /** TPDU level: one host block is out. */
  Tpdu,
}

export enum T1Task {
  Ifs,
  Apdu,
}

export class T1Protocol {
  phase: T1Phase = T1Phase.Idle;
  /** After three failed RESYNCH: the slot must deactivate the card. */
  dead: bool = false;
  /** The sequence numbers are unknown (host-run blocks, abort): RESYNCH before the next APDU. */
  needResynch: bool = false;
  needIfs: bool = true;
  ifsc: i32 = 0;
  ifsd: i32 = T1_DEFAULT_IFSD;
  responseLength: i32 = 0;
  readonly rx: T1Receiver;
  private task: T1Task = T1Task.Apdu;
  private tpdu: bool = false;
  private ns: i32 = 0;
  private nr: i32 = 0;
  private command: usize = 0;
  private commandLength: i32 = 0;
  private offset: i32 = 0;
  private chunk: i32 = 0;
  private capacity: i32 = 0;
  private overflow: bool = false;
  private acked: bool = false;
  private retries: i32 = 0;
  private resynchs: i32 = 0;
  private recovery: bool = false;
  private wtx: i32 = 1;
  private failure: i32 = 0;
  private sInf: i32 = 0;

  constructor(
    readonly slot: i32,
    readonly params: Params,
    readonly tx: usize,
    rxBuffer: usize,
    readonly response: usize,
  ) {
    this.rx = new T1Receiver(slot, params, rxBuffer);
  }

  /** After the ATR or a PPS: N(S) = 0 on both sides, IFSC from the ATR, IFSD 32 (§11.4.2). */
  reset(): void {
    this.phase = T1Phase.Idle;
    this.dead = false;
    this.needResynch = false;
    this.needIfs = true;
    this.ns = 0;
    this.nr = 0;
    this.ifsc = this.params.ifsc;
    this.ifsd = T1_DEFAULT_IFSD;
    this.wtx = 1;
    this.rx.stop();
  }

  /** Ends whatever runs; the card may be mid-block, so the next APDU starts with RESYNCH. */
  abort(): void {
    if (this.phase != T1Phase.Idle) this.needResynch = true;
    this.phase = T1Phase.Idle;
    this.rx.stop();
  }

  /** Wipes the block buffer: it may have carried a PIN. */
  wipe(): void {
    memory.fill(this.tx, 0, <usize>T1_MAX_BLOCK_LENGTH);
  }

  /** S(IFS request) with IFSD 254 as the first block after activation (§11.4.2). */
  startIfs(): i32 {
    this.begin(T1Task.Ifs);
    return this.sendIfsRequest();
  }

  /** APDU level: the `len`-byte C-APDU at `command`; the R-APDU goes to `response`. */
  startApdu(command: usize, len: i32, capacity: i32): i32 {
    this.begin(T1Task.Apdu);
    this.command = command;
    this.commandLength = len;
    this.capacity = capacity;
    if (this.needResynch) return this.startResynch(false);
    if (this.needIfs) return this.sendIfsRequest();
    return this.beginApdu();
  }

  /** TPDU level: sends the host's block and returns the card's next one. */
  startBlock(block: usize, len: i32): i32 {
    if (len < T1_PROLOGUE_LENGTH + 1 || len > T1_MAX_BLOCK_LENGTH) return ERROR_INDEX_LENGTH;
    this.failure = 0;
    // The host answered a WTX request: the card has that many BWTs for its next block.
    const pcb = <i32>load<u8>(block + 1);
    let multiplier: i32 = 1;
    if (pcb == (PCB_S_BLOCK | PCB_S_RESPONSE | T1SType.Wtx) && load<u8>(block + 2) == 1) {
      multiplier = <i32>load<u8>(block + 3);
    }
    this.needResynch = true; // the host moves the sequence numbers now
    this.tpdu = true;
    this.phase = T1Phase.Tpdu;
    card_send(this.slot, block, len);
    card_wait(this.slot, this.params.bwtEtu(multiplier));
    this.rx.begin();
    return PENDING;
  }

  /** Where the answer is once an exchange returned 0: the card's block, or the R-APDU. */
  answer(): usize {
    return this.tpdu ? this.rx.buffer : this.response;
  }

  answerLength(): i32 {
    return this.tpdu ? this.rx.length : this.responseLength;
  }

  onByte(byte: i32, status: i32): i32 {
    if (this.phase == T1Phase.Idle) return PENDING;
    if (this.rx.onByte(byte, status) == PENDING) return PENDING;
    return this.phase == T1Phase.Tpdu ? this.tpduBlock() : this.onBlock();
  }

  onTimeout(): i32 {
    if (this.phase == T1Phase.Idle) return PENDING;
    const r = this.rx.onTimeout();
    if (r == PENDING) return PENDING;
    if (this.phase == T1Phase.Tpdu) {
      if (r == RX_MUTE) return this.end(CcidError.IccMute);
      return this.tpduBlock();
    }
    if (r == RX_MUTE) return this.onError(T1RError.Other, CcidError.IccMute);
    return this.onBlock();
  }

  private begin(task: T1Task): void {
    this.task = task;
    this.tpdu = false;
    this.dead = false;
    this.retries = 0;
    this.resynchs = 0;
    this.failure = 0;
    this.responseLength = 0;
    this.overflow = false;
    this.wtx = 1;
  }

  private tpduBlock(): i32 {
    const rx = this.rx;
    this.phase = T1Phase.Idle;
    if (rx.edcError() && edcOk(rx.buffer, rx.length, this.params.crc)) {
      const last = rx.buffer + <usize>rx.length - 1;
      store<u8>(last, load<u8>(last) ^ 0xff); // parity error: make the host's EDC check fail
    }
    return 0;
  }

  private beginApdu(): i32 {
    this.offset = 0;
    this.acked = false;
    return this.sendChunk();
  }

  private onBlock(): i32 {
    const bits = this.rx.check(this.ifsd);
    if (bits != 0) {
      return this.onError(
        bits,
        bits == T1RError.Edc ? CcidError.XfrParityError : CcidError.ProcedureByteConflict,
      );
    }
    const pcb = this.rx.pcb();
    switch (t1BlockKind(pcb)) {
      case T1BlockKind.I:
        return this.onIBlock(pcb);
      case T1BlockKind.R:
        return this.onRBlock(pcb);
      default:
        return this.onSBlock(pcb);
    }
  }

  private onIBlock(pcb: i32): i32 {
    // Only the expected N(S), and only once our chain is out (§11.6.2).
    if (this.phase != T1Phase.Receiving || ((pcb & PCB_I_NS) != 0 ? 1 : 0) != this.nr) {
      return this.onError(T1RError.Other, CcidError.ProcedureByteConflict);
    }
    if (!this.acked) {
      this.acked = true; // the card's I-block acknowledges our last one
      this.ns ^= 1;
    }
    const len = this.rx.infLength();
    if (this.responseLength + len > this.capacity) this.overflow = true;
    else {
      memory.copy(this.response + <usize>this.responseLength, this.rx.inf(), <usize>len);
      this.responseLength += len;
    }
    this.nr ^= 1;
    this.retries = 0;
    if ((pcb & PCB_I_MORE) != 0) return this.sendR(0); // acknowledge, ask for the next one
    return this.end(this.overflow ? CcidError.XfrOverrun : 0);
  }

  private onRBlock(pcb: i32): i32 {
    const nr = (pcb & PCB_R_NR) != 0 ? 1 : 0;
    if (this.phase == T1Phase.Sending || (this.phase == T1Phase.Receiving && !this.acked)) {
      if (this.phase == T1Phase.Sending && nr != this.ns) {
        this.ns ^= 1; // acknowledged: next piece of the chain
        this.offset += this.chunk;
        this.retries = 0;
        return this.sendChunk();
      }
      if (nr == this.ns) return this.retransmit(); // the card asks for our I-block again
      return this.onError(T1RError.Other, CcidError.ProcedureByteConflict);
    }
    if (this.phase == T1Phase.Receiving) return this.retransmit(); // our R-block got lost
    return this.onError(T1RError.Other, CcidError.ProcedureByteConflict);
  }

  private onSBlock(pcb: i32): i32 {
    const type = pcb & 0x1f;
    const inf = this.rx.infLength() > 0 ? <i32>load<u8>(this.rx.inf()) : 0;
    if ((pcb & PCB_S_RESPONSE) == 0) {
      switch (type) {
        case T1SType.Wtx:
          // §11.6.2.3 rule 3: a card asks for more time to process the I-block it received, so
          // only while one of ours is out. Answering the reader's S(IFS) or S(RESYNCH) with it
          // is an invalid block (a card that did could stretch the activation without end).
          if (this.phase != T1Phase.Sending && this.phase != T1Phase.Receiving) {
            return this.onError(T1RError.Other, CcidError.ProcedureByteConflict);
          }
          // §11.6.2.4: the next BWT is multiplied; the CCID layer gets a time extension.
          this.wtx = inf < 1 ? 1 : inf;
          slotWaiting(this.slot, this.wtx);
          return this.sendS(PCB_S_RESPONSE | T1SType.Wtx, inf, 1);
        case T1SType.Ifs:
          if (inf < 1 || inf > 0xfe) {
            return this.onError(T1RError.Other, CcidError.ProcedureByteConflict);
          }
          this.ifsc = inf;
          return this.sendS(PCB_S_RESPONSE | T1SType.Ifs, inf, 1);
        case T1SType.Abort:
          this.sendS(PCB_S_RESPONSE | T1SType.Abort, 0, 0);
          this.phase = T1Phase.Idle;
          this.rx.stop();
          card_wait(this.slot, 0);
          return CcidError.CmdAborted;
        default: // only the reader may ask for RESYNCH
          return this.onError(T1RError.Other, CcidError.ProcedureByteConflict);
      }
    }
    if (this.phase == T1Phase.SRequest && type == T1SType.Ifs && inf == this.sInf) {
      this.ifsd = inf;
      this.needIfs = false;
      this.retries = 0;
      if (this.task == T1Task.Apdu) return this.beginApdu();
      return this.end(0);
    }
    if (this.phase == T1Phase.Resynch && type == T1SType.Resynch) {
      // §11.6.3.2 rule 6.3: the sequence numbers and IFSC / IFSD start again.
      this.ns = 0;
      this.nr = 0;
      this.ifsc = this.params.ifsc;
      this.ifsd = T1_DEFAULT_IFSD;
      this.needIfs = true;
      this.needResynch = false;
      this.retries = 0;
      if (!this.recovery) return this.sendIfsRequest(); // planned, before an APDU
      return this.end(this.task == T1Task.Ifs ? 0 : this.failure);
    }
    return this.onError(T1RError.Other, CcidError.ProcedureByteConflict);
  }

  /** Invalid block or BWT expiry: rules 7.1, 7.2, 7.4.2 and 6.4. */
  private onError(bits: i32, cause: i32): i32 {
    this.failure = cause;
    if (this.phase == T1Phase.Resynch) {
      if (this.resynchs >= T1_MAX_RESYNCH) {
        this.dead = true;
        return this.end(cause);
      }
      this.resynchs++;
      count(this.slot, DiagnosticsTag.SlotT1Resynchs);
      return this.sendS(T1SType.Resynch, 0, 0);
    }
    this.retries++;
    if (this.retries > T1_MAX_RETRANSMISSIONS) return this.startResynch(true);
    count(this.slot, DiagnosticsTag.SlotT1Retransmissions);
    if (this.phase == T1Phase.SRequest) return this.sendS(T1SType.Ifs, this.sInf, 1);
    return this.sendR(bits);
  }

  private retransmit(): i32 {
    this.retries++;
    if (this.retries > T1_MAX_RETRANSMISSIONS) return this.startResynch(true);
    count(this.slot, DiagnosticsTag.SlotT1Retransmissions);
    if (this.phase == T1Phase.Receiving && this.acked) return this.sendR(0);
    return this.sendChunk();
  }

  private startResynch(recovery: bool): i32 {
    count(this.slot, DiagnosticsTag.SlotT1Resynchs);
    this.recovery = recovery;
    this.resynchs = 1;
    this.phase = T1Phase.Resynch;
    return this.sendS(T1SType.Resynch, 0, 0);
  }

  private sendIfsRequest(): i32 {
    this.phase = T1Phase.SRequest;
    this.sInf = T1_IFSD;
    return this.sendS(T1SType.Ifs, T1_IFSD, 1);
  }

  private sendChunk(): i32 {
    const left = this.commandLength - this.offset;
    this.chunk = left > this.ifsc ? this.ifsc : left;
    const more = this.offset + this.chunk < this.commandLength;
    const pcb = (this.ns != 0 ? PCB_I_NS : 0) | (more ? PCB_I_MORE : 0);
    this.phase = more ? T1Phase.Sending : T1Phase.Receiving;
    const len = buildBlock(
      this.tx,
      this.params.nad,
      pcb,
      this.command + <usize>this.offset,
      this.chunk,
      this.params.crc,
    );
    return this.transmit(len);
  }

  private sendR(bits: i32): i32 {
    const pcb = PCB_R_BLOCK | (this.nr != 0 ? PCB_R_NR : 0) | bits;
    return this.transmit(buildBlock(this.tx, this.params.nad, pcb, 0, 0, this.params.crc));
  }

  /** S-block `type` (with PCB_S_RESPONSE for an answer) and `len` (0 or 1) INF byte `inf`. */
  private sendS(type: i32, inf: i32, len: i32): i32 {
    store<u8>(this.tx + T1_PROLOGUE_LENGTH, <u8>inf); // INF is built in place
    const n = buildBlock(
      this.tx,
      this.params.nad,
      PCB_S_BLOCK | type,
      this.tx + T1_PROLOGUE_LENGTH,
      len,
      this.params.crc,
    );
    return this.transmit(n);
  }

  private transmit(len: i32): i32 {
    card_send(this.slot, this.tx, len);
    card_wait(this.slot, this.params.bwtEtu(this.wtx));
    this.wtx = 1;
    this.rx.begin();
    return PENDING;
  }

  private end(result: i32): i32 {
    this.phase = T1Phase.Idle;
    this.rx.stop();
    card_wait(this.slot, 0);
    return result;
  }
}
