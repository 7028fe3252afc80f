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
import type { CardContacts } from './card/contract.ts';
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

export class Simulation {
  readonly clock: VirtualClock;
  readonly prng: Prng;
  readonly reader: Reader;
  readonly trace: Trace | undefined;
  readonly clientClock: ClientClock;
  private running: Promise<void> | undefined;

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

  insertCard(slot: number, card: CardContacts): void {
    this.reader.insertCard(slot, card);
  }

  removeCard(slot: number): void {
    this.reader.removeCard(slot);
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
