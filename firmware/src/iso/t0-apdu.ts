// A whole APDU over T=0 (ISO 7816-3 §12.2), for the APDU level of the native profile: the case
// decides the TPDU; the reader itself follows 61xx with GET RESPONSE and 6Cxx with a re-issue,
// and carries a command data field over 255 bytes in ENVELOPE commands (§12.2.7): the whole
// C-APDU in pieces of 255 bytes, then an empty ENVELOPE whose answer is the command's.
//
// Not done on purpose: ISO's case 4S.2 GET RESPONSE after a plain 9000 — cards of the field
// answer that GET RESPONSE with an error, which would replace the command's 9000.
import { MAX_APDU_DATA } from '../../../protocol/serial-constants';
import { CcidError, ERROR_INDEX_DATA } from '../../../protocol/ccid-constants';
import {
  INS_GET_RESPONSE,
  INS_ENVELOPE,
  SW1_BYTES_AVAILABLE,
  SW1_WRONG_LE,
  interindustryCla,
} from '../../../protocol/iso7816/t0-transport';
import {
  PENDING,
  T0_MAX_DATA,
  T0_MAX_COMMAND_DATA,
  T0_MAX_REISSUES,
  T0_MAX_TPDUS_PER_APDU,
} from './iso7816';
import { Apdu } from './apdu';
import { T0Tpdu } from './t0-tpdu';

export enum T0Step {
  Command,
  GetResponse,
  Envelope,
  EnvelopeEnd,
}

export class T0Apdu {
  step: T0Step = T0Step.Command;
  /** R-APDU length at `response` once done. */
  responseLength: i32 = 0;
  private apdu: Apdu = new Apdu();
  private command: usize = 0;
  private commandLength: i32 = 0;
  private envelopeOffset: i32 = 0;
  private envelopeChunk: i32 = 0;
  private reissues: i32 = 0;
  private tpdus: i32 = 0;
  private tpduStart: i32 = 0;
  private incoming: bool = false;

  constructor(
    readonly tpdu: T0Tpdu,
    readonly response: usize,
  ) {}

  /** Starts the APDU of `len` bytes at `command`: PENDING or a CcidError. */
  start(command: usize, len: i32): i32 {
    if (!this.apdu.parse(command, len)) return ERROR_INDEX_DATA;
    this.command = command;
    this.commandLength = len;
    this.reissues = 0;
    this.tpdus = 0;
    this.responseLength = 0;
    this.tpdu.destination = this.response;
    this.tpdu.received = 0;
    this.tpdu.capacity = MAX_APDU_DATA;
    const kind = this.apdu.kind;
    if ((kind == 3 || kind == 4) && this.apdu.nc > T0_MAX_COMMAND_DATA) {
      this.envelopeOffset = 0;
      return this.sendEnvelope();
    }
    this.step = T0Step.Command;
    if (kind == 1) return this.send(<i32>load<u8>(command), 0, false, 0);
    if (kind == 2) {
      const n = this.apdu.ne > T0_MAX_DATA ? T0_MAX_DATA : this.apdu.ne;
      return this.send(<i32>load<u8>(command), n, false, 0);
    }
    return this.send(<i32>load<u8>(command), this.apdu.nc, true, this.apdu.dataOffset);
  }

  /** The current TPDU ended with SW1 SW2: PENDING (next TPDU sent), 0, or a CcidError. */
  onTpduDone(): i32 {
    const sw1 = this.tpdu.sw1;
    const sw2 = this.tpdu.sw2;
    if (this.step == T0Step.Envelope) {
      if (sw1 != 0x90 || sw2 != 0) return this.finish();
      this.envelopeOffset += this.envelopeChunk;
      if (this.envelopeOffset < this.commandLength) return this.sendEnvelope();
      this.step = T0Step.EnvelopeEnd;
      return this.sendRaw(interindustryCla(this.cla()), INS_ENVELOPE, 0, 0, 0, true, 0);
    }
    // §12.2.3 case 2S.3: wrong length, the card says how many — same header, P3 = xx.
    if (sw1 == SW1_WRONG_LE && this.incoming && this.reissues < T0_MAX_REISSUES) {
      this.reissues++;
      this.tpdu.received = this.tpduStart;
      const na = sw2 == 0 ? T0_MAX_DATA : sw2;
      const h = this.tpdu.header;
      return this.sendRaw(
        <i32>load<u8>(h),
        <i32>load<u8>(h + 1),
        <i32>load<u8>(h + 2),
        <i32>load<u8>(h + 3),
        na,
        false,
        0,
      );
    }
    // §12.2.4/12.2.5 (cases 2 and 4): 61xx, xx more bytes — GET RESPONSE while Ne wants more.
    const ne = this.apdu.ne;
    if (sw1 == SW1_BYTES_AVAILABLE && ne > this.tpdu.received) {
      const la = sw2 == 0 ? T0_MAX_DATA : sw2;
      const want = ne - this.tpdu.received < la ? ne - this.tpdu.received : la;
      this.step = T0Step.GetResponse;
      this.reissues = 0;
      return this.sendRaw(interindustryCla(this.cla()), INS_GET_RESPONSE, 0, 0, want, false, 0);
    }
    return this.finish();
  }

  private cla(): i32 {
    return <i32>load<u8>(this.command);
  }

  private finish(): i32 {
    let n = this.tpdu.received;
    if (this.apdu.ne > 0 && n > this.apdu.ne) n = this.apdu.ne; // 6Cxx gave more than Ne
    store<u8>(this.response + <usize>n, <u8>this.tpdu.sw1);
    store<u8>(this.response + <usize>n + 1, <u8>this.tpdu.sw2);
    this.responseLength = n + 2;
    return 0;
  }

  private sendEnvelope(): i32 {
    this.step = T0Step.Envelope;
    const left = this.commandLength - this.envelopeOffset;
    this.envelopeChunk = left > T0_MAX_COMMAND_DATA ? T0_MAX_COMMAND_DATA : left;
    return this.sendRaw(
      interindustryCla(this.cla()),
      INS_ENVELOPE,
      0,
      0,
      this.envelopeChunk,
      true,
      this.envelopeOffset,
    );
  }

  /** The command's own header with P3 = count. */
  private send(cla: i32, count: i32, toCard: bool, dataOffset: i32): i32 {
    const c = this.command;
    return this.sendRaw(
      cla,
      <i32>load<u8>(c + 1),
      <i32>load<u8>(c + 2),
      <i32>load<u8>(c + 3),
      count,
      toCard,
      dataOffset,
    );
  }

  /** One TPDU: header CLA INS P1 P2 P3 (count, 256 → 00); data from command + dataOffset. */
  private sendRaw(
    cla: i32,
    ins: i32,
    p1: i32,
    p2: i32,
    count: i32,
    toCard: bool,
    dataOffset: i32,
  ): i32 {
    this.tpdus++;
    if (this.tpdus > T0_MAX_TPDUS_PER_APDU) return CcidError.XfrOverrun;
    const h = this.tpdu.header;
    store<u8>(h, <u8>cla);
    store<u8>(h + 1, <u8>ins);
    store<u8>(h + 2, <u8>p1);
    store<u8>(h + 3, <u8>p2);
    store<u8>(h + 4, <u8>count); // 256 → 0
    this.incoming = !toCard && count > 0;
    this.tpduStart = this.tpdu.received;
    this.tpdu.start(toCard, this.command + <usize>dataOffset, count);
    return PENDING;
  }
}
