// The CCID client of one open link (CCID rev 1.1 §5.2; libccid commands.c):
// - bSeq numbering, answers matched by bSeq (and checked for bSlot and message type);
// - one command in flight per slot, in order; commands to different slots overlap (native);
//   in compat one command at a time overall, as libccid and a GemPC Twin (bMaxCCIDBusySlots 1);
// - a timeout per command, restarted on every time-extension answer and multiplied by its bError
//   (libccid commands.c ~1611), and on every time-request byte; and, when the caller gives one,
//   a maximum time from the command's first write that no time extension stretches (a card that
//   asks for time for ever, PROTOCOL.md §5 "The whole-exchange limit");
// - on timeout or cancellation: the caller gets a typed error at once, PC_to_RDR_Abort goes to
//   the slot, and the slot stays closed until the reader has answered the Abort (or it times out),
//   so the next command is never bounced as CMD_SLOT_BUSY;
// - NAK (`03 15 16`, the reader could not read our frame): the newest unanswered command is sent
//   again once, with a new bSeq (libccid resends once, ccid-over-serial.md §3). If that guess was
//   wrong the duplicate is bounced CMD_SLOT_BUSY by the reader and that answer is ignored;
// - when the link ends, every pending and queued call fails with ReaderDetachedError.
import { CcidError, CommandStatus, PcToRdr, RdrToPc } from '../../protocol/ccid-constants.ts';
import { encodeMessage } from '../../protocol/ccid-codec.ts';
import type {
  NotifySlotChange,
  PcToRdrMessage,
  RdrToPcMessage,
} from '../../protocol/ccid-messages.ts';
import type { Clock, TimerHandle } from '../clock.ts';
import { CONTROL_TIMEOUT_MS } from './card-timeouts.ts';
import {
  BadRequestError,
  CancelledError,
  ProtocolError,
  ReaderDetachedError,
  ReaderTimeoutError,
  type ReaderError,
} from './errors.ts';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A command as the caller gives it: the client numbers it. */
export type CcidCommand = DistributiveOmit<PcToRdrMessage, 'seq'>;

export type ClientMode = 'compat' | 'native';

/** A bulk answer (every RDR_to_PC message but the two interrupt ones). */
export type CcidAnswer = Exclude<
  RdrToPcMessage,
  { type: RdrToPc.NotifySlotChange | RdrToPc.HardwareError }
>;

export interface CommandOptions {
  timeoutMs?: number;
  /**
   * The longest the command may take from its first write, time extensions and time requests
   * notwithstanding: then ReaderTimeoutError and PC_to_RDR_Abort, as for a timeout.
   */
  maxTimeMs?: number;
  signal?: AbortSignal;
  /** Each time-extension answer (bStatus 0x80), e.g. PIN-entry progress in the native profile. */
  onTimeExtension?(m: CcidAnswer): void;
}

/** What the client needs from the link below it. */
export interface CommandSink {
  send(message: PcToRdrMessage): Promise<void>;
}

export interface ClientEvents {
  /** A pushed `50 xx` (native profile). */
  slotChange(m: NotifySlotChange): void;
  /** A command that needs no card timed out and nothing at all came from the reader meanwhile. */
  unresponsive(): void;
}

const ANSWER_TYPE: Record<PcToRdr, RdrToPc> = {
  [PcToRdr.IccPowerOn]: RdrToPc.DataBlock,
  [PcToRdr.XfrBlock]: RdrToPc.DataBlock,
  [PcToRdr.Secure]: RdrToPc.DataBlock,
  [PcToRdr.IccPowerOff]: RdrToPc.SlotStatus,
  [PcToRdr.GetSlotStatus]: RdrToPc.SlotStatus,
  [PcToRdr.IccClock]: RdrToPc.SlotStatus,
  [PcToRdr.T0Apdu]: RdrToPc.SlotStatus,
  [PcToRdr.Mechanical]: RdrToPc.SlotStatus,
  [PcToRdr.Abort]: RdrToPc.SlotStatus,
  [PcToRdr.GetParameters]: RdrToPc.Parameters,
  [PcToRdr.ResetParameters]: RdrToPc.Parameters,
  [PcToRdr.SetParameters]: RdrToPc.Parameters,
  [PcToRdr.Escape]: RdrToPc.Escape,
  [PcToRdr.SetDataRateAndClockFrequency]: RdrToPc.DataRateAndClockFrequency,
};

/** Commands whose answer waits for the card (a slow card may keep a stock reader silent). */
const CARD_COMMANDS = new Set<PcToRdr>([PcToRdr.IccPowerOn, PcToRdr.XfrBlock, PcToRdr.Secure]);

interface Pending {
  readonly command: CcidCommand;
  readonly options: CommandOptions;
  readonly timeoutMs: number;
  readonly lane: Lane;
  resolve(m: CcidAnswer): void;
  reject(e: ReaderError): void;
  /** bSeqs it was sent with (more than one after a NAK resend). */
  seqs: number[];
  phase: 'queued' | 'sent' | 'aborting' | 'done';
  /** The caller has its result (an answer or an error). */
  settled: boolean;
  /** Any answer, time extension included, has come: the reader read the frame. */
  heard: boolean;
  resent: boolean;
  writeOrder: number;
  timer: TimerHandle | undefined;
  /** Clock time past which no time extension re-arms the timer (options.maxTimeMs). */
  deadline: number | undefined;
  onAbort: (() => void) | undefined;
  /** For the Abort sent on behalf of a timed-out command: the command it ends. */
  aborts?: Pending;
}

interface Lane {
  active: Pending | undefined;
  readonly waiting: Pending[];
}

export class CcidClient {
  readonly path: string;
  readonly maxMessageLength: number;
  readonly mode: ClientMode;
  readonly #sink: CommandSink;
  readonly #clock: Clock;
  readonly #events: ClientEvents;
  readonly #lanes = new Map<number, Lane>();
  readonly #bySeq = new Map<number, Pending>();
  #nextSeq = 0;
  #writeOrder = 0;
  #lastActivity: number;
  #closedError: ReaderError | undefined;

  constructor(options: {
    sink: CommandSink;
    clock: Clock;
    path: string;
    mode: ClientMode;
    maxMessageLength: number;
    events: ClientEvents;
  }) {
    this.#sink = options.sink;
    this.#clock = options.clock;
    this.path = options.path;
    this.mode = options.mode;
    this.maxMessageLength = options.maxMessageLength;
    this.#events = options.events;
    this.#lastActivity = this.#clock.now();
  }

  get closed(): boolean {
    return this.#closedError !== undefined;
  }

  /** Sends `command` when its slot is free; resolves with the final answer, failed or not. */
  command(command: CcidCommand, options: CommandOptions = {}): Promise<CcidAnswer> {
    if (this.#closedError) return Promise.reject(this.#closedError);
    let size: number;
    try {
      size = encodedSize(command);
    } catch (e) {
      return Promise.reject(e);
    }
    if (size > this.maxMessageLength) {
      return Promise.reject(
        new BadRequestError(
          `a ${size}-byte CCID message exceeds the ${this.mode} profile's ${this.maxMessageLength}`,
          { reader: this.path, slot: command.slot },
        ),
      );
    }
    if (options.signal?.aborted) {
      return Promise.reject(this.#cancelled(command.slot));
    }
    return new Promise<CcidAnswer>((resolve, reject) => {
      const lane = this.#lane(command.slot);
      const p: Pending = {
        command,
        options,
        timeoutMs: options.timeoutMs ?? CONTROL_TIMEOUT_MS,
        lane,
        resolve,
        reject,
        seqs: [],
        phase: 'queued',
        settled: false,
        heard: false,
        resent: false,
        writeOrder: 0,
        timer: undefined,
        deadline: undefined,
        onAbort: undefined,
      };
      if (options.signal) {
        p.onAbort = () => this.#cancel(p);
        options.signal.addEventListener('abort', p.onAbort, { once: true });
      }
      lane.waiting.push(p);
      this.#pump(lane);
    });
  }

  // --- events from the frame channel ---------------------------------------------------------

  /** Bytes arrived (any): the reader is alive. */
  activity(): void {
    this.#lastActivity = this.#clock.now();
  }

  message(m: RdrToPcMessage): void {
    if (this.#closedError) return;
    if (m.type === RdrToPc.NotifySlotChange) {
      this.#events.slotChange(m);
      return;
    }
    if (m.type === RdrToPc.HardwareError) return;
    const p = this.#bySeq.get(m.seq);
    if (!p) return; // a late answer to something already given up on
    if (p.aborts) {
      // The Abort's own answer: the aborted command is over on the reader's side.
      this.#forget(p);
      this.#finish(p.aborts);
      return;
    }
    if (p.phase === 'aborting') return; // the aborted command's answer; the Abort's is next
    const expected = ANSWER_TYPE[p.command.type];
    if (m.slot !== p.command.slot || m.type !== expected) {
      this.#fail(
        p,
        new ProtocolError(
          `answer ${hex(m.type)} for slot ${m.slot} to bSeq ${m.seq}, expected ${hex(expected)} for slot ${p.command.slot}`,
          { reader: this.path, slot: p.command.slot },
        ),
      );
      return;
    }
    p.heard = true;
    if (m.commandStatus === CommandStatus.TimeExtension) {
      this.#arm(p, p.timeoutMs * Math.max(1, m.error));
      p.options.onTimeExtension?.(m);
      return;
    }
    if (
      m.commandStatus === CommandStatus.Failed &&
      m.error === CcidError.CmdSlotBusy &&
      p.seqs.length > 1
    ) {
      // A NAK resend that reached a slot still busy with the original: wait for the original.
      this.#bySeq.delete(m.seq);
      p.seqs = p.seqs.filter((s) => s !== m.seq);
      return;
    }
    this.#settle(p, () => p.resolve(m));
    this.#finish(p);
  }

  /** The reader NAKed a frame of ours. */
  nak(): void {
    if (this.#closedError) return;
    let newest: Pending | undefined;
    for (const lane of this.#lanes.values()) {
      const p = lane.active;
      if (p && p.phase === 'sent' && !p.heard && !p.resent) {
        if (!newest || p.writeOrder > newest.writeOrder) newest = p;
      }
    }
    if (!newest) return;
    newest.resent = true;
    this.#write(newest);
  }

  /** A time-request byte (compat GemPC, T=0): the card is working; restart the active timer. */
  timeRequest(): void {
    for (const lane of this.#lanes.values()) {
      const p = lane.active;
      if (p && p.phase === 'sent') this.#arm(p, p.timeoutMs);
    }
  }

  /** The link is gone: everything pending fails with `error` (ReaderDetachedError by default). */
  close(error?: ReaderError): void {
    if (this.#closedError) return;
    this.#closedError =
      error ??
      new ReaderDetachedError(`${this.path}: the reader link is closed`, { reader: this.path });
    for (const lane of this.#lanes.values()) {
      const all = lane.active ? [lane.active, ...lane.waiting] : [...lane.waiting];
      lane.active = undefined;
      lane.waiting.length = 0;
      for (const p of all) {
        this.#clear(p);
        this.#settle(p, () => p.reject(this.#closedError!));
      }
    }
    for (const p of this.#bySeq.values()) this.#clear(p);
    this.#bySeq.clear();
  }

  /** Nothing queued or in flight (used before a profile switch). */
  get idle(): boolean {
    for (const lane of this.#lanes.values()) if (lane.active || lane.waiting.length) return false;
    return true;
  }

  // --- internals ------------------------------------------------------------------------------

  #lane(slot: number): Lane {
    const key = this.mode === 'compat' ? 0 : slot;
    let lane = this.#lanes.get(key);
    if (!lane) {
      lane = { active: undefined, waiting: [] };
      this.#lanes.set(key, lane);
    }
    return lane;
  }

  #pump(lane: Lane): void {
    while (!lane.active && lane.waiting.length > 0 && !this.#closedError) {
      const p = lane.waiting.shift()!;
      if (p.settled) continue;
      lane.active = p;
      p.phase = 'sent';
      if (p.options.maxTimeMs !== undefined) p.deadline = this.#clock.now() + p.options.maxTimeMs;
      // Armed first: a link may deliver the answer synchronously, inside the write.
      this.#arm(p, p.timeoutMs);
      this.#write(p);
    }
  }

  #write(p: Pending): void {
    const seq = this.#allocateSeq();
    p.seqs.push(seq);
    p.writeOrder = ++this.#writeOrder;
    this.#bySeq.set(seq, p);
    const message = { ...p.command, seq } as PcToRdrMessage;
    // A failed write means the link is going; its `closed` event fails everything.
    this.#sink.send(message).catch(() => {});
  }

  #allocateSeq(): number {
    for (let i = 0; i < 256; i++) {
      const seq = this.#nextSeq;
      this.#nextSeq = (this.#nextSeq + 1) & 0xff;
      if (!this.#bySeq.has(seq)) return seq;
    }
    // 256 commands in flight cannot happen (one per slot, at most 256 slots); keep going.
    return this.#nextSeq;
  }

  #arm(p: Pending, ms: number): void {
    if (p.timer !== undefined) this.#clock.clearTimeout(p.timer);
    p.timer = undefined;
    if (p.phase === 'done') return;
    const started = this.#clock.now();
    const capped = p.deadline !== undefined && started + ms >= p.deadline;
    const wait = capped ? Math.max(0, p.deadline! - started) : ms;
    p.timer = this.#clock.setTimeout(() => {
      p.timer = undefined;
      this.#timedOut(p, started, capped);
    }, wait);
  }

  #timedOut(p: Pending, armedAt: number, capped = false): void {
    if (this.#closedError) return;
    if (p.aborts) {
      // No answer to our Abort either: give the slot back; later answers are ignored.
      this.#forget(p);
      this.#finish(p.aborts);
      return;
    }
    if (p.phase === 'aborting') return;
    const silent = this.#lastActivity <= armedAt;
    const what = capped
      ? `no final answer within its maximum of ${p.options.maxTimeMs} ms (time extensions do not stretch it)`
      : `no answer in ${p.timeoutMs} ms`;
    this.#settle(p, () =>
      p.reject(
        new ReaderTimeoutError(
          `${commandName(p.command.type)} on slot ${p.command.slot}: ${what}`,
          {
            reader: this.path,
            slot: p.command.slot,
          },
        ),
      ),
    );
    this.#abort(p);
    // Silence on a command that does not wait for a card means the reader itself is gone.
    if (silent && !CARD_COMMANDS.has(p.command.type)) this.#events.unresponsive();
  }

  #cancel(p: Pending): void {
    if (p.settled || this.#closedError) return;
    this.#settle(p, () => p.reject(this.#cancelled(p.command.slot)));
    if (p.phase === 'queued') {
      const i = p.lane.waiting.indexOf(p);
      if (i >= 0) p.lane.waiting.splice(i, 1);
      this.#clear(p);
      return;
    }
    this.#abort(p);
  }

  /** PC_to_RDR_Abort for the slot of `p`, which stays active until the reader has answered it. */
  #abort(p: Pending): void {
    if (p.phase !== 'sent') return;
    p.phase = 'aborting';
    if (p.timer !== undefined) this.#clock.clearTimeout(p.timer);
    p.timer = undefined;
    const abort: Pending = {
      command: { type: PcToRdr.Abort, slot: p.command.slot },
      options: {},
      timeoutMs: CONTROL_TIMEOUT_MS,
      lane: p.lane,
      resolve: () => {},
      reject: () => {},
      seqs: [],
      phase: 'sent',
      settled: true,
      heard: false,
      resent: true, // never the target of a NAK resend
      writeOrder: 0,
      timer: undefined,
      deadline: undefined,
      onAbort: undefined,
      aborts: p,
    };
    this.#arm(abort, CONTROL_TIMEOUT_MS);
    this.#write(abort);
  }

  #fail(p: Pending, e: ReaderError): void {
    this.#settle(p, () => p.reject(e));
    if (p.phase === 'sent') this.#abort(p);
    else this.#finish(p);
  }

  #settle(p: Pending, deliver: () => void): void {
    if (p.settled) return;
    p.settled = true;
    if (p.onAbort) p.options.signal?.removeEventListener('abort', p.onAbort);
    deliver();
  }

  #clear(p: Pending): void {
    if (p.timer !== undefined) this.#clock.clearTimeout(p.timer);
    p.timer = undefined;
  }

  #forget(p: Pending): void {
    this.#clear(p);
    for (const s of p.seqs) if (this.#bySeq.get(s) === p) this.#bySeq.delete(s);
  }

  /** `p` is over on both sides: free its slot and start the next command. */
  #finish(p: Pending): void {
    p.phase = 'done';
    this.#forget(p);
    if (p.lane.active === p) p.lane.active = undefined;
    this.#pump(p.lane);
  }

  #cancelled(slot: number): CancelledError {
    return new CancelledError('cancelled by the caller', { reader: this.path, slot });
  }
}

function encodedSize(command: CcidCommand): number {
  try {
    return encodeMessage({ ...command, seq: 0 } as PcToRdrMessage).length;
  } catch (e) {
    throw new BadRequestError(`bad CCID command: ${(e as Error).message}`, { slot: command.slot });
  }
}

const hex = (b: number): string => b.toString(16).toUpperCase().padStart(2, '0');

export function commandName(type: PcToRdr): string {
  return `PC_to_RDR_${PcToRdr[type] ?? hex(type)}`;
}
