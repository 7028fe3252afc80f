// A boot stage on the simulator's flash model and virtual clock, for tests: boot synchronously,
// count flash operations, cut the power during the n-th one.
import { FlashStatus } from '../../firmware/hal-constants.ts';
import { WINDOW_SECONDARY_SLOT } from '../../protocol/image/flash-map.ts';
import { Prng } from '../engine/prng.ts';
import { NS_PER_MS, VirtualClock } from '../engine/virtual-clock.ts';
import { Flash } from '../reader/flash.ts';
import { BootStage, type BootResult } from './boot-stage.ts';
import { factoryProgram } from './factory.ts';
import type { KeyObject } from 'node:crypto';

export interface BootRigOptions {
  publicKey: KeyObject | Uint8Array | string;
  seed?: number;
  /** Signed image programmed into the primary slot before the first boot. */
  factoryImage?: Uint8Array;
}

export class BootRig {
  readonly clock = new VirtualClock();
  readonly flash: Flash;
  readonly stage: BootStage;
  readonly notes: string[] = [];
  /** Erase and write operations started on the part. */
  ops = 0;

  constructor(options: BootRigOptions) {
    const prng = new Prng(options.seed ?? 1);
    this.flash = new Flash(this.clock, prng.fork('flash'), (t) => this.notes.push(t));
    const erase = this.flash.erase.bind(this.flash);
    const write = this.flash.write.bind(this.flash);
    this.flash.erase = (a, l, d) => {
      this.ops++;
      erase(a, l, d);
    };
    this.flash.write = (a, l, s, d) => {
      this.ops++;
      write(a, l, s, d);
    };
    if (options.factoryImage) factoryProgram(this.flash.data, options.factoryImage);
    this.stage = new BootStage({
      flash: this.flash,
      publicKey: options.publicKey,
      later: (fn) => this.clock.schedule(0, fn),
      note: (t) => this.notes.push(t),
    });
  }

  /** Boots and runs the clock until the boot stage answers; undefined if the power was cut. */
  boot(): BootResult | undefined {
    let result: BootResult | undefined;
    this.stage.boot((r) => (result = r));
    this.clock.runSync(60_000 * NS_PER_MS);
    return result;
  }

  /** Cuts the power during the n-th flash operation from now, `fraction` of the way through. */
  planCut(n: number, fraction: number): void {
    this.flash.planPowerCut(n, fraction, () => {
      this.flash.powerCut();
      this.stage.powerCut();
    });
  }

  /** Puts bytes into the secondary slot as the update agent would (erase, then program). */
  stage2(image: Uint8Array): void {
    const w = this.stage.firmwareFlash;
    const sectors = Math.ceil(image.length / 4096);
    let status: FlashStatus | undefined;
    w.erase(WINDOW_SECONDARY_SLOT, sectors * 4096, (s) => (status = s));
    this.clock.runSync(10_000 * NS_PER_MS);
    const padded = new Uint8Array(Math.ceil(image.length / 8) * 8).fill(0xff);
    padded.set(image);
    w.write(
      0,
      padded.length,
      () => padded,
      (s) => (status = s),
    );
    this.clock.runSync(10_000 * NS_PER_MS);
    if (status !== FlashStatus.Ok) throw new Error(`staging failed: ${status}`);
  }

  /** Runs queued service writes (boot_confirm, boot_request_update) to completion. */
  settle(): void {
    this.clock.runSync(1_000 * NS_PER_MS);
  }
}
