// Test support (never imported by production code): a scripted reader on one end of a Duplex,
// speaking the protocol codecs — serial framing, CCID messages, our vendor escapes — so the
// driver can be tested before (and besides) the real firmware in the simulator. Deliberately
// simple: it answers at once unless a card is slow, and it records what it received.
import type { Duplex } from 'node:stream';
import { decodeMessage, encodeMessage } from '../../../protocol/ccid-codec.ts';
import {
  CcidError,
  CommandStatus,
  IccStatus,
  PcToRdr,
  ProtocolNum,
  RdrToPc,
} from '../../../protocol/ccid-constants.ts';
import type { PcToRdrMessage, RdrToPcMessage } from '../../../protocol/ccid-messages.ts';
import type { ProtocolParameters } from '../../../protocol/ccid-parameters.ts';
import {
  Profile,
  ReaderFeature,
  SlotKind,
  VendorCommand,
  VendorStatus,
} from '../../../protocol/native-constants.ts';
import {
  decodeVendorRequest,
  encodeVendorResponse,
  isVendorEscape,
  type VendorRequest,
} from '../../../protocol/native/vendor-escape.ts';
import { READER_CONFIG_SCHEMA, type ReaderConfig } from '../../../protocol/native/device-info.ts';
import { NATIVE_MAX_MESSAGE_LENGTH, MAX_APDU_DATA } from '../../../protocol/serial-constants.ts';
import { SerialDecoder } from '../../../protocol/serial-decoder.ts';
import { encodeFrame, encodeNak, shortEcho } from '../../../protocol/serial-frame.ts';
import { decodeAtr } from '../../../protocol/atr.ts';
import type { Clock, TimerHandle } from '../../clock.ts';

/** A card: its ATR and a function from command to response (data ‖ SW). */
export interface FakeCard {
  atr: Uint8Array;
  respond(command: Uint8Array): Uint8Array;
  /** Card processing time per command, ms (virtual). */
  delayMs?: number;
}

export interface FakeReaderOptions {
  clock: Clock;
  /**
   * 'native': knows HELLO and SET_PROFILE. 'stock': a GemPC Twin, refuses our escapes.
   * 'silent': a stock reader that does not answer escapes it does not know at all.
   */
  kind?: 'native' | 'stock' | 'silent';
  slots?: number;
  /** While a card works longer than this, send a time extension this often (native and compat). */
  timeExtensionMs?: number;
  serialNumber?: string;
  /** Answers ConfigRead with these settings (the tags asked for); without it, UnknownCommand. */
  config?: ReaderConfig;
}

export interface Received {
  type: PcToRdr;
  slot: number;
  seq: number;
  data?: Uint8Array;
}

interface SlotState {
  card: FakeCard | undefined;
  active: boolean;
  pending: { seq: number; timer: TimerHandle; te: TimerHandle | undefined } | undefined;
  parameters: ProtocolParameters | undefined;
}

export class FakeReader {
  readonly received: Received[] = [];
  readonly displayed: string[] = [];
  beeps = 0;
  profile = Profile.Compat;
  /** Answer nothing at all (a hung reader). */
  mute = false;
  /** NAK the next n frames instead of reading them. */
  nakNext = 0;
  /** Reads a command this returns true for, but its answer is lost (line noise). */
  dropAnswer: ((m: PcToRdrMessage) => boolean) | undefined;
  #swallow = false;
  readonly #clock: Clock;
  readonly #kind: 'native' | 'stock' | 'silent';
  readonly #slots: SlotState[];
  readonly #teMs: number;
  readonly #serial: string;
  readonly #config: ReaderConfig | undefined;
  #stream: Duplex | undefined;
  #decoder = new SerialDecoder({ maxMessageLength: NATIVE_MAX_MESSAGE_LENGTH });

  constructor(options: FakeReaderOptions) {
    this.#clock = options.clock;
    this.#kind = options.kind ?? 'native';
    this.#teMs = options.timeExtensionMs ?? 1000;
    this.#serial = options.serialNumber ?? 'FAKE0001';
    this.#config = options.config;
    this.#slots = Array.from({ length: options.slots ?? 3 }, () => ({
      card: undefined,
      active: false,
      pending: undefined,
      parameters: undefined,
    }));
  }

  /** Plugs the reader into one end of a duplex pair (a fresh decoder: a new connection). */
  attach(stream: Duplex): void {
    this.#stream = stream;
    this.#decoder = new SerialDecoder({ maxMessageLength: NATIVE_MAX_MESSAGE_LENGTH });
    stream.on('data', (chunk: Buffer) => this.#onBytes(new Uint8Array(chunk)));
    stream.on('error', () => {});
  }

  /** Unplugs: the host sees its link end. The reader keeps its state (profile, cards). */
  unplug(): void {
    this.#stream?.destroy();
    this.#stream = undefined;
  }

  /** Power cycle: back to compat, cards off. */
  reset(): void {
    this.profile = Profile.Compat;
    for (const s of this.#slots) {
      this.#cancelPending(s);
      s.active = false;
    }
  }

  insert(slot: number, card: FakeCard): void {
    this.#slots[slot].card = card;
    this.#slots[slot].active = false;
    this.#notify(slot);
  }

  /** Pulls the card: an exchange in progress fails as the firmware's does (no ICC, ICC_MUTE). */
  pull(slot: number): void {
    const s = this.#slots[slot];
    s.card = undefined;
    s.active = false;
    if (s.pending) {
      const seq = s.pending.seq;
      this.#cancelPending(s);
      this.#send(this.#failed(RdrToPc.DataBlock, slot, seq, CcidError.IccMute));
    }
    this.#notify(slot);
  }

  // ---------------------------------------------------------------------------------------------

  #onBytes(bytes: Uint8Array): void {
    for (const e of this.#decoder.push(bytes)) {
      if (e.kind !== 'frame') continue;
      if (this.mute) continue;
      if (this.nakNext > 0) {
        this.nakNext--;
        this.#write(encodeNak());
        continue;
      }
      let m: PcToRdrMessage;
      try {
        m = decodeMessage(e.message, 'pc-to-rdr');
      } catch {
        continue;
      }
      this.received.push({
        type: m.type,
        slot: m.slot,
        seq: m.seq,
        ...('data' in m ? { data: m.data } : {}),
      });
      // The echo follows the profile at arrival (firmware); header only, as the short echo.
      if (this.profile === Profile.Compat) this.#write(encodeFrame(shortEcho(e.message)));
      this.#swallow = this.dropAnswer?.(m) === true;
      this.#handle(m);
      this.#swallow = false;
    }
  }

  #handle(m: PcToRdrMessage): void {
    const slot = this.#slots[m.slot];
    if (!slot) {
      this.#send(this.#failed(answerType(m.type), m.slot, m.seq, 5, IccStatus.NoIcc));
      return;
    }
    if (slot.pending && m.type !== PcToRdr.Abort) {
      this.#send(this.#failed(answerType(m.type), m.slot, m.seq, CcidError.CmdSlotBusy));
      return;
    }
    switch (m.type) {
      case PcToRdr.GetSlotStatus:
        this.#send(this.#slotStatus(m.slot, m.seq));
        return;
      case PcToRdr.IccPowerOff:
        slot.active = false;
        this.#send(this.#slotStatus(m.slot, m.seq));
        return;
      case PcToRdr.IccPowerOn:
        if (!slot.card) {
          this.#send(this.#failed(RdrToPc.DataBlock, m.slot, m.seq, CcidError.IccMute));
          return;
        }
        slot.active = true;
        slot.parameters = defaultParameters(slot.card.atr);
        this.#send(this.#dataBlock(m.slot, m.seq, slot.card.atr));
        return;
      case PcToRdr.GetParameters:
      case PcToRdr.SetParameters: {
        if (m.type === PcToRdr.SetParameters) slot.parameters = m.parameters;
        const p = slot.parameters ?? defaultParameters(undefined);
        this.#send({
          type: RdrToPc.Parameters,
          slot: m.slot,
          seq: m.seq,
          iccStatus: this.#icc(m.slot),
          commandStatus: CommandStatus.Ok,
          error: 0,
          protocolNum: p.protocol,
          parameters: p,
        });
        return;
      }
      case PcToRdr.XfrBlock:
        this.#xfr(m.slot, m.seq, m.data);
        return;
      case PcToRdr.Abort: {
        if (slot.pending) {
          const seq = slot.pending.seq;
          this.#cancelPending(slot);
          this.#send(this.#failed(RdrToPc.DataBlock, m.slot, seq, CcidError.CmdAborted));
        }
        this.#send(this.#slotStatus(m.slot, m.seq));
        return;
      }
      case PcToRdr.Escape:
        this.#escape(m.slot, m.seq, m.data);
        return;
      default:
        this.#send(this.#failed(answerType(m.type), m.slot, m.seq, CcidError.CmdNotSupported));
    }
  }

  #xfr(slotIndex: number, seq: number, data: Uint8Array): void {
    const slot = this.#slots[slotIndex];
    if (!slot.card) {
      this.#send(this.#failed(RdrToPc.DataBlock, slotIndex, seq, CcidError.IccMute));
      return;
    }
    if (!slot.active) {
      this.#send(this.#failed(RdrToPc.DataBlock, slotIndex, seq, CcidError.IccMute));
      return;
    }
    const card = slot.card;
    const delay = card.delayMs ?? 0;
    const answer = (): void => {
      this.#cancelPending(slot);
      this.#send(this.#dataBlock(slotIndex, seq, card.respond(data)));
    };
    if (delay <= 0) {
      answer();
      return;
    }
    const pending = {
      seq,
      timer: this.#clock.setTimeout(answer, delay),
      te: undefined as TimerHandle,
    };
    slot.pending = pending;
    const tick = (): void => {
      if (slot.pending !== pending) return;
      this.#send({
        type: RdrToPc.DataBlock,
        slot: slotIndex,
        seq,
        iccStatus: IccStatus.PresentActive,
        commandStatus: CommandStatus.TimeExtension,
        error: 1,
        chainParameter: 0,
        data: new Uint8Array(0),
      });
      pending.te = this.#clock.setTimeout(tick, this.#teMs);
    };
    pending.te = this.#clock.setTimeout(tick, this.#teMs);
  }

  #escape(slot: number, seq: number, data: Uint8Array): void {
    if (this.#kind === 'silent') return;
    if (this.#kind === 'stock' || !isVendorEscape(data)) {
      // A GemPC Twin answers its own escapes (02 = firmware) and fails the rest.
      if (data.length === 1 && data[0] === 0x02) {
        this.#send(this.#escapeAnswer(slot, seq, new TextEncoder().encode('GemTwin V1.10')));
      } else {
        this.#send(this.#failed(RdrToPc.Escape, slot, seq, CcidError.CmdNotSupported));
      }
      return;
    }
    let r: VendorRequest;
    try {
      r = decodeVendorRequest(data);
    } catch {
      this.#send(
        this.#escapeAnswer(
          slot,
          seq,
          encodeVendorResponse({ command: data[2], status: VendorStatus.BadLength }),
        ),
      );
      return;
    }
    const ok = VendorStatus.Ok as const;
    let reply: Uint8Array;
    switch (r.command) {
      case VendorCommand.Hello:
        reply = encodeVendorResponse({
          command: r.command,
          status: ok,
          hello: {
            protocolVersion: 1,
            profile: this.profile,
            firmware: { major: 0, minor: 1, patch: 0 },
            features:
              ReaderFeature.ExtendedApdu |
              ReaderFeature.PushedSlotChange |
              ReaderFeature.Display |
              ReaderFeature.Beeper,
            maxMessageLength: NATIVE_MAX_MESSAGE_LENGTH,
            maxApduData: MAX_APDU_DATA,
            displayRows: 2,
            displayColumns: 16,
            slots: this.#slots.map((_, i) => (i === 0 ? SlotKind.User : SlotKind.Sam)),
            serialNumber: this.#serial,
          },
        });
        break;
      case VendorCommand.SetProfile:
        if (this.#slots.some((s) => s.pending)) {
          reply = encodeVendorResponse({ command: r.command, status: VendorStatus.Busy });
          break;
        }
        if (r.profile !== this.profile) for (const s of this.#slots) s.active = false;
        this.profile = r.profile;
        reply = encodeVendorResponse({ command: r.command, status: ok, profile: this.profile });
        break;
      case VendorCommand.DeviceInfo:
        reply = encodeVendorResponse({
          command: r.command,
          status: ok,
          info: { serialNumber: this.#serial, model: 'Fake reader', firmwareVersion: '0.1.0' },
        });
        break;
      case VendorCommand.DisplayText:
        this.displayed.push(r.text);
        reply = encodeVendorResponse({ command: r.command, status: ok });
        break;
      case VendorCommand.DisplayClear:
        this.displayed.push('');
        reply = encodeVendorResponse({ command: r.command, status: ok });
        break;
      case VendorCommand.Beep:
        this.beeps++;
        reply = encodeVendorResponse({ command: r.command, status: ok });
        break;
      case VendorCommand.ConfigRead: {
        if (!this.#config) {
          reply = encodeVendorResponse({ command: r.command, status: VendorStatus.UnknownCommand });
          break;
        }
        const all = this.#config;
        const config: ReaderConfig = {};
        for (const [key, [tag]] of Object.entries(READER_CONFIG_SCHEMA)) {
          const k = key as keyof ReaderConfig;
          if ((r.tags.length === 0 || r.tags.includes(tag)) && all[k] !== undefined)
            (config as Record<string, unknown>)[k] = all[k];
        }
        reply = encodeVendorResponse({ command: r.command, status: ok, config });
        break;
      }
      default:
        reply = encodeVendorResponse({ command: r.command, status: VendorStatus.UnknownCommand });
    }
    this.#send(this.#escapeAnswer(slot, seq, reply));
  }

  #notify(slot: number): void {
    if (this.profile !== Profile.Native || !this.#stream) return;
    // `50 bmSlotICCState`: 2 bits per slot, present and changed (firmware slot-change.ts).
    let bm = 0;
    this.#slots.forEach((s, i) => {
      if (s.card) bm |= 1 << (2 * i);
      if (i === slot) bm |= 2 << (2 * i);
    });
    this.#write(Uint8Array.of(RdrToPc.NotifySlotChange, bm));
  }

  #cancelPending(s: SlotState): void {
    if (!s.pending) return;
    this.#clock.clearTimeout(s.pending.timer);
    this.#clock.clearTimeout(s.pending.te);
    s.pending = undefined;
  }

  #icc(slot: number): IccStatus {
    const s = this.#slots[slot];
    if (!s?.card) return IccStatus.NoIcc;
    return s.active ? IccStatus.PresentActive : IccStatus.PresentInactive;
  }

  #slotStatus(slot: number, seq: number): RdrToPcMessage {
    return {
      type: RdrToPc.SlotStatus,
      slot,
      seq,
      iccStatus: this.#icc(slot),
      commandStatus: CommandStatus.Ok,
      error: 0,
      clockStatus: 0,
    };
  }

  #dataBlock(slot: number, seq: number, data: Uint8Array): RdrToPcMessage {
    return {
      type: RdrToPc.DataBlock,
      slot,
      seq,
      iccStatus: this.#icc(slot),
      commandStatus: CommandStatus.Ok,
      error: 0,
      chainParameter: 0,
      data,
    };
  }

  #escapeAnswer(slot: number, seq: number, data: Uint8Array): RdrToPcMessage {
    return {
      type: RdrToPc.Escape,
      slot,
      seq,
      iccStatus: this.#icc(slot),
      commandStatus: CommandStatus.Ok,
      error: 0,
      data,
    };
  }

  #failed(
    type: RdrToPc,
    slot: number,
    seq: number,
    error: number,
    icc: IccStatus = this.#icc(slot),
  ): RdrToPcMessage {
    const status = { slot, seq, iccStatus: icc, commandStatus: CommandStatus.Failed, error };
    switch (type) {
      case RdrToPc.DataBlock:
        return { type, ...status, chainParameter: 0, data: new Uint8Array(0) };
      case RdrToPc.Parameters:
        return { type, ...status, protocolNum: ProtocolNum.T0, parameters: undefined };
      case RdrToPc.Escape:
        return { type, ...status, data: new Uint8Array(0) };
      default:
        return { type: RdrToPc.SlotStatus, ...status, clockStatus: 0 };
    }
  }

  #send(m: RdrToPcMessage): void {
    if (this.#swallow) return;
    this.#write(encodeFrame(encodeMessage(m)));
  }

  #write(bytes: Uint8Array): void {
    if (this.#stream && !this.#stream.destroyed) this.#stream.write(bytes);
  }
}

function answerType(t: PcToRdr): RdrToPc {
  switch (t) {
    case PcToRdr.IccPowerOn:
    case PcToRdr.XfrBlock:
    case PcToRdr.Secure:
      return RdrToPc.DataBlock;
    case PcToRdr.GetParameters:
    case PcToRdr.SetParameters:
    case PcToRdr.ResetParameters:
      return RdrToPc.Parameters;
    case PcToRdr.Escape:
      return RdrToPc.Escape;
    default:
      return RdrToPc.SlotStatus;
  }
}

function defaultParameters(atr: Uint8Array | undefined): ProtocolParameters {
  const a = atr ? decodeAtr(atr) : undefined;
  if (a?.defaultProtocol === 1 && a.t1) {
    return {
      protocol: ProtocolNum.T1,
      fi: a.ta1 >> 4,
      di: a.ta1 & 0x0f,
      crc: a.t1.edc === 'crc',
      inverseConvention: a.convention === 'inverse',
      guardTime: a.extraGuardTime,
      bwi: a.t1.bwi,
      cwi: a.t1.cwi,
      clockStop: 0,
      ifsc: a.t1.ifsc,
      nad: 0,
    };
  }
  return {
    protocol: ProtocolNum.T0,
    fi: 1,
    di: 1,
    inverseConvention: a?.convention === 'inverse',
    guardTime: a?.extraGuardTime ?? 0,
    waitingInteger: a?.waitingIntegerT0 ?? 10,
    clockStop: 0,
  };
}
