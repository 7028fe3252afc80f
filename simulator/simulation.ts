// One simulated reader on one virtual clock: the composition root that tests, the CLI, the host
// driver (as its embedded reader) and benchmarks use.
//
//   const sim = await Simulation.create({ seed: 1 });
//   sim.insertCard(0, card);
//   const stream = sim.hostStream();        // node:stream Duplex to the reader's host link
//   void sim.run();                         // or drive it: await sim.clock.advance(ns)
//
// Asynchronous clients in the same process take `sim.clientClock` for their timeouts, so their
// timing is virtual too.
import type { Duplex } from 'node:stream';
import type { ApduProcessor, CardContacts } from './card/contract.ts';
import { localProcessingNs, processApdu } from './card/processing.ts';
import { checkTransportProfile } from './card/transport-profile.ts';
import { VirtualCard } from './card/virtual-card.ts';
import type { LineCounters, LineObserver } from './line/line-trace.ts';
import { resolveCardSpec } from './profiles/index.ts';
import { clientClock, type ClientClock } from './engine/client-clock.ts';
import { Prng } from './engine/prng.ts';
import { NS_PER_MS, VirtualClock, type ClockMode, type WallClock } from './engine/virtual-clock.ts';
import type { FaultPlan } from './faults.ts';
import { hostDuplex } from './link/duplex-link.ts';
import { FirmwareImage } from './reader/firmware-image.ts';
import type { FlashGeometry } from './reader/flash.ts';
import type { HostLinkConfig } from './reader/host-link.ts';
import type { BootStageFactory } from './reader/boot-stage-seam.ts';
import { Reader } from './reader/reader.ts';
import { Trace, type TraceOptions } from './trace/trace.ts';
import { USER_SLOT } from '../firmware/hal.ts';
import { INS_GET_RESPONSE } from '../protocol/iso7816/t0-transport.ts';

export interface SimulationOptions {
  seed?: number;
  mode?: ClockMode;
  /** Real-time mode only: the wall clock to follow (default performance.now). */
  wall?: WallClock;
  /**
   * firmware.wasm path or a loaded image (default firmware/build/firmware.wasm; none with a boot
   * stage, which hands over the image from the flash).
   */
  firmware?: string | FirmwareImage;
  /** A native boot stage between power-on and the firmware (simulator/boot). */
  bootStage?: BootStageFactory;
  hostLink?: HostLinkConfig;
  flash?: Partial<FlashGeometry>;
  stateDir?: string;
  /** Trace options, or false for no trace. */
  trace?: TraceOptions | false;
  keyIntervalMs?: number;
  faults?: FaultPlan;
  uid?: Uint8Array;
}

/** One command a card processed, with the processing time its profile gives it. */
export interface CardCommandRecord {
  slot: number;
  /** When the card had the whole command, virtual ns. */
  timeNs: number;
  ins: number;
  processingNs: number;
}

export class Simulation {
  /**
   * Commands processed by the cards put in by spec (`insertCard(slot, 'ssc3')`), in order: what
   * benchmarks add up for the card's share of a transaction.
   */
  readonly cardCommands: CardCommandRecord[] = [];
  readonly clock: VirtualClock;
  readonly prng: Prng;
  readonly reader: Reader;
  readonly trace: Trace | undefined;
  readonly clientClock: ClientClock;
  private running: Promise<void> | undefined;
  /** Per slot: stops the line observer of the recorded card in it. */
  private readonly recorders = new Map<number, () => void>();

  private constructor(options: SimulationOptions, image: FirmwareImage | undefined) {
    this.clock =
      options.mode === 'realtime'
        ? new VirtualClock({ mode: 'realtime', wall: options.wall })
        : new VirtualClock();
    this.prng = new Prng(options.seed ?? 1);
    this.trace = options.trace === false ? undefined : new Trace(options.trace ?? {});
    this.clientClock = clientClock(this.clock);
    this.reader = new Reader({
      clock: this.clock,
      prng: this.prng,
      image,
      bootStage: options.bootStage,
      trace: this.trace,
      hostLink: options.hostLink,
      flash: options.flash,
      stateDir: options.stateDir,
      keyIntervalMs: options.keyIntervalMs,
      uid: options.uid,
    });
    if (options.faults) this.applyFaults(options.faults);
    this.reader.powerOn();
  }

  static async create(options: SimulationOptions = {}): Promise<Simulation> {
    const image =
      options.firmware instanceof FirmwareImage
        ? options.firmware
        : options.bootStage && options.firmware === undefined
          ? undefined
          : await FirmwareImage.load(options.firmware);
    return new Simulation(options, image);
  }

  /**
   * Puts a card in `slot`: a card made elsewhere, or the card of a spec (simulator/cards.ts:
   * `ssc3`, `ssc3:li-na`, `psam`, `atr:<hex>` …) made from this run's seed, whose commands are
   * recorded in `cardCommands`. Returns the card's label for a spec.
   */
  insertCard(slot: number, card: CardContacts | string): string | undefined {
    if (typeof card !== 'string') {
      this.reader.insertCard(slot, card);
      return undefined;
    }
    const made = this.recordedCard(slot, card);
    try {
      this.reader.insertCard(slot, made.card);
    } catch (e) {
      made.stop();
      throw e;
    }
    this.recorders.get(slot)?.();
    this.recorders.set(slot, made.stop);
    return made.label;
  }

  /** Every card line's characters, anomalies and events, until the returned function is called. */
  observeLines(observer: LineObserver): () => void {
    const stops = this.reader.lines.map((line) => line.observe(observer));
    return () => stops.forEach((stop) => stop());
  }

  /** What the card line of `slot` has carried (characters each way, repetitions, …), live. */
  lineCounters(slot: number): Readonly<LineCounters> {
    return this.reader.lines[slot].counters;
  }

  /**
   * The card of `spec` as simulator/cards.ts makes it (the same seeded random source), its
   * operating system wrapped so that each command is recorded with the processing time the card
   * side gives it (simulator/card/processing.ts). A T=0 GET RESPONSE that the card side answers
   * itself from a pending 61xx reply never reaches the operating system: it is recorded when the
   * card acknowledges one on the line (procedure byte C0, ISO 7816-3 §10.3.3) right after a
   * 61xx that followed a command with data, with the time the card side takes for it.
   */
  private recordedCard(
    slot: number,
    spec: string,
  ): { card: CardContacts; label: string; stop: () => void } {
    const rng = this.prng.fork(`card:${spec}`);
    const resolved = resolveCardSpec(spec, { random: () => rng.next() });
    const transport = checkTransportProfile(resolved.transport);
    const os = resolved.os;
    const records = this.cardCommands;
    const clock = this.clock;
    const t0 = transport.atr.defaultProtocol === 0;
    // Card characters still to come before a GET RESPONSE may be acknowledged: 61 and SW2
    // (2, 1), then the acknowledgement itself (0); -1 when no 61xx reply is pending.
    let pending = -1;
    const stop = this.reader.lines[slot].observe({
      character: (_slot, timeNs, from, byte, info) => {
        if (pending < 0 || from !== 'card' || info.attempt > 0 || byte === 0x60) return;
        if (pending === 2) pending = byte === 0x61 ? 1 : -1;
        else if (pending === 1) pending = 0;
        else {
          pending = -1;
          if (byte !== INS_GET_RESPONSE) return;
          const processingNs = localProcessingNs(transport, INS_GET_RESPONSE);
          records.push({ slot, timeNs, ins: INS_GET_RESPONSE, processingNs });
        }
      },
    });
    const recording: ApduProcessor = {
      reset: () => {
        pending = -1;
        os.reset();
      },
      t0CommandHasData: (cla, ins, p1, p2) => os.t0CommandHasData(cla, ins, p1, p2),
      process: (command) => {
        const result = os.process(command);
        const replay: ApduProcessor = { ...recording, process: () => result };
        const { processingNs, data } = processApdu(replay, transport, command);
        records.push({ slot, timeNs: clock.now(), ins: command[1] ?? -1, processingNs });
        // T=0 cases 3 and 4: response data goes back through 61xx (t0-card.ts).
        pending = t0 && command.length > 5 && data.length > 0 ? 2 : -1;
        return result;
      },
    };
    return { card: new VirtualCard(resolved.transport, recording), label: resolved.label, stop };
  }

  removeCard(slot: number): void {
    this.reader.removeCard(slot);
    this.recorders.get(slot)?.();
    this.recorders.delete(slot);
  }

  /** Queues a key script (see reader/key-script.ts); it plays at the next PIN prompt. */
  typeKeys(script: string): void {
    this.reader.keypad.type(script);
  }

  powerCut(offMs?: number): void {
    this.reader.powerCut(offMs);
  }

  /** A node:stream Duplex on the host side of the reader's host link. */
  hostStream(): Duplex {
    return hostDuplex(this.reader);
  }

  /** Runs until `stop()` (fast: event to event, waiting for input when idle; or real time). */
  run(): Promise<void> {
    this.running ??= this.clock.run().finally(() => (this.running = undefined));
    return this.running;
  }

  async stop(): Promise<void> {
    this.clock.stop();
    await this.running;
    this.trace?.flush();
  }

  applyFaults(plan: FaultPlan): void {
    for (const line of this.reader.lines) {
      line.setFaults({
        parityErrorRate: plan.parityErrorRate ?? 0,
        mute: plan.muteSlots?.includes(line.slot) ?? false,
      });
    }
    if (plan.host) this.reader.hostLink.setFaults(plan.host);
    if (plan.pullAtMs !== undefined) {
      const at = Math.max(this.clock.now(), plan.pullAtMs * NS_PER_MS);
      this.clock.scheduleAt(at, () => {
        if (this.reader.lines[USER_SLOT].present()) this.removeCard(USER_SLOT);
      });
    }
    if (plan.flashCut) {
      this.reader.flash.planPowerCut(plan.flashCut.op, plan.flashCut.fraction, () =>
        this.powerCut(),
      );
    }
  }
}
