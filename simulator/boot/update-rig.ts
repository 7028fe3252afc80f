// A reader reduced to what updates need: the flash part, the boot stage, and whatever firmware
// image the boot stage starts, on the simulation's clock, with vendor escapes delivered straight
// to a test module's `harness_escape` export (firmware/src/update/test-harness.ts) over a link
// that takes time and goes dead while the reader is off. It stands in for simulator/reader's
// Reader until that one starts images through the boot stage (README.md in this folder); the
// boot stage, the flash model and the firmware are the real ones.
import type { KeyObject } from 'node:crypto';
import { FlashStatus, HAL_MODULE, LogLevel, type HalImports } from '../../firmware/hal.ts';
import { VENDOR_REQUEST_HEADER } from '../../protocol/native-constants.ts';
import type { Prng } from '../engine/prng.ts';
import { NS_PER_MS, NS_PER_US, type VirtualClock } from '../engine/virtual-clock.ts';
import { HalUsageError } from '../errors.ts';
import { Flash } from '../reader/flash.ts';
import { BootError } from './boot-error.ts';
import type { BootImage } from './boot-sequence.ts';
import { BootStage } from './boot-stage.ts';
import { factoryProgram } from './factory.ts';

interface HarnessExports {
  memory: WebAssembly.Memory;
  init(): void;
  on_flash_done(status: number): void;
  harness_request(): number;
  harness_response(): number;
  harness_request_capacity(): number;
  harness_escape(command: number, len: number): number;
}

export interface UpdateRigOptions {
  name: string;
  clock: VirtualClock;
  prng: Prng;
  publicKey: KeyObject | Uint8Array | string;
  /** Signed image the production line programs before the first power-on. */
  factoryImage: Uint8Array;
  /** One way of the host link, per escape (default 0.5 ms: a USB full-speed round trip is ~1 ms). */
  linkDelayUs?: number;
}

/** The reader is off, rebooting or halted: nothing answers. */
export class RigLinkError extends Error {
  override readonly name = 'RigLinkError';
}

export class UpdateRig {
  readonly name: string;
  readonly flash: Flash;
  readonly stage: BootStage;
  readonly logs: { level: LogLevel; text: string }[] = [];
  readonly notes: string[] = [];
  readonly panics: string[] = [];
  boots = 0;
  lastBoot: BootImage | BootError | undefined;
  /** Every boot stage result, in order (a BootError means the reader stayed dark). */
  readonly bootResults: (BootImage | BootError)[] = [];
  /** Erase and write operations started on the part (boot stage and firmware). */
  flashOps = 0;
  private readonly clock: VirtualClock;
  private readonly modules = new Map<string, WebAssembly.Module>();
  private fw: HarnessExports | undefined;
  private generation = 0;
  private resetRequested = false;
  private powered = false;
  private powerEpoch = 0;
  private readonly linkDelayNs: number;

  constructor(options: UpdateRigOptions) {
    this.name = options.name;
    this.clock = options.clock;
    this.linkDelayNs = (options.linkDelayUs ?? 500) * NS_PER_US;
    this.flash = new Flash(options.clock, options.prng.fork('flash'), (t) =>
      this.notes.push(`flash: ${t}`),
    );
    factoryProgram(this.flash.data, options.factoryImage);
    const erase = this.flash.erase.bind(this.flash);
    const write = this.flash.write.bind(this.flash);
    this.flash.erase = (a, l, d) => {
      this.flashOps++;
      erase(a, l, d);
    };
    this.flash.write = (a, l, s, d) => {
      this.flashOps++;
      write(a, l, s, d);
    };
    this.stage = new BootStage({
      flash: this.flash,
      publicKey: options.publicKey,
      later: (fn) => this.clock.schedule(0, fn),
      note: (t) => this.notes.push(t),
    });
  }

  get running(): boolean {
    return this.fw !== undefined;
  }

  powerOn(): void {
    if (this.powered) return;
    this.powered = true;
    this.start();
  }

  /** Power gone now (the flash op in progress tears); back after `offMs` unless undefined. */
  powerCut(offMs: number | undefined = 50): void {
    if (!this.powered) return;
    this.notes.push('power cut');
    this.flash.powerCut();
    this.stage.powerCut();
    this.fw = undefined;
    this.generation++;
    this.powerEpoch++;
    this.powered = false;
    if (offMs !== undefined) this.clock.schedule(offMs * NS_PER_MS, () => this.powerOn());
  }

  /** Cuts the power during the n-th flash operation from now (1 = the next), `fraction` through. */
  planPowerCut(n: number, fraction: number): void {
    this.flash.planPowerCut(n, fraction, () => this.powerCut());
  }

  /** Sends a vendor escape (abData `4B 52 cmd payload`); resolves with the reply abData. */
  escape(abData: Uint8Array): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      const gen = this.generation;
      const power = this.powerEpoch;
      const dead = () => reject(new RigLinkError(`${this.name}: the reader does not answer`));
      if (!this.fw) return dead();
      this.clock.schedule(this.linkDelayNs, () => {
        const fw = this.fw;
        if (!fw || gen !== this.generation) return dead();
        let reply: Uint8Array;
        try {
          reply = this.deliver(fw, abData);
        } catch (e) {
          return reject(e);
        }
        // The answer is queued before a reset the command asked for (Reboot), so only a power
        // cut loses it on the way.
        this.clock.schedule(this.linkDelayNs, () =>
          power === this.powerEpoch ? resolve(reply) : dead(),
        );
        this.afterEvent();
      });
    });
  }

  /** Resolves once the firmware runs again (after a Reboot or a power cut); rejects on a halt. */
  async whenRunning(limitMs = 60_000): Promise<void> {
    const until = this.clock.now() + limitMs * NS_PER_MS;
    while (!this.fw) {
      if (this.lastBoot instanceof BootError)
        throw new RigLinkError(`${this.name}: boot failed: ${this.lastBoot.message}`);
      if (this.clock.now() > until)
        throw new RigLinkError(`${this.name}: not back after ${limitMs} ms`);
      await new Promise<void>((r) => this.clock.schedule(5 * NS_PER_MS, r));
    }
  }

  private deliver(fw: HarnessExports, abData: Uint8Array): Uint8Array {
    const mem = () => new Uint8Array(fw.memory.buffer);
    const payload = abData.subarray(VENDOR_REQUEST_HEADER);
    if (abData.length < VENDOR_REQUEST_HEADER || payload.length > fw.harness_request_capacity())
      throw new RigLinkError(
        `${this.name}: request of ${abData.length} bytes does not fit the test module`,
      );
    mem().set(payload, fw.harness_request());
    const result = this.call(() => fw.harness_escape(abData[2], payload.length)) ?? 1;
    const status = result & 0xff;
    const n = status === 0 ? result >>> 8 : 0;
    const body = mem().slice(fw.harness_response(), fw.harness_response() + n);
    return Uint8Array.from([abData[0], abData[1], abData[2], status, ...body]);
  }

  private start(): void {
    this.fw = undefined;
    const gen = ++this.generation;
    this.stage.boot((result) => {
      if (gen !== this.generation) return;
      this.lastBoot = result;
      this.bootResults.push(result);
      if (result instanceof BootError) {
        this.notes.push(`halted: ${result.message}`);
        return;
      }
      this.boots++;
      const key = Buffer.from(result.digest).toString('hex');
      let module = this.modules.get(key);
      if (!module) {
        module = new WebAssembly.Module(result.wasm as Uint8Array<ArrayBuffer>);
        this.modules.set(key, module);
      }
      const instance = new WebAssembly.Instance(module, {
        [HAL_MODULE]: this.imports(gen) as unknown as WebAssembly.ModuleImports,
      });
      this.fw = instance.exports as unknown as HarnessExports;
      this.call(() => this.fw!.init());
      this.afterEvent();
    });
  }

  private call<T>(run: () => T): T | undefined {
    try {
      return run();
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError || e instanceof HalUsageError) {
        this.panics.push(String(e));
        this.resetRequested = true;
        return undefined;
      }
      throw e;
    }
  }

  /** A system_reset takes effect once the event that asked for it is over. */
  private afterEvent(): void {
    if (!this.resetRequested) return;
    this.resetRequested = false;
    this.generation++;
    this.fw = undefined;
    this.stage.firmwareReset();
    this.clock.schedule(0, () => {
      if (this.powered) this.start();
    });
  }

  private imports(gen: number): HalImports {
    const mem = () => new Uint8Array(this.fw!.memory.buffer);
    const done = (status: FlashStatus) => {
      if (gen !== this.generation || !this.fw) return;
      this.call(() => this.fw!.on_flash_done(status));
      this.afterEvent();
    };
    const w = this.stage.firmwareFlash;
    const unused = (name: string) => () => {
      throw new HalUsageError(name, 'not offered by the update rig');
    };
    return {
      card_power: unused('card_power'),
      card_clock: unused('card_clock'),
      card_reset: unused('card_reset'),
      card_uart: unused('card_uart'),
      card_send: unused('card_send'),
      card_wait: unused('card_wait'),
      card_present: () => 0,
      host_send: unused('host_send'),
      timer_set: unused('timer_set'),
      timer_cancel: unused('timer_cancel'),
      now_ms: () => Math.floor(this.clock.now() / NS_PER_MS) | 0,
      display_clear: () => {},
      display_text: () => {},
      beep: () => {},
      flash_size: () => w.geometry.size,
      flash_sector_size: () => w.geometry.sectorSize,
      flash_write_align: () => w.geometry.writeAlign,
      flash_read: (addr, ptr, len) => {
        const data = w.read(addr, len);
        if (typeof data === 'number') return data;
        if (ptr < 0 || ptr + len > mem().length)
          throw new HalUsageError('flash_read', 'buffer outside memory');
        mem().set(data, ptr);
        return 0;
      },
      flash_erase: (addr, len) => {
        if (w.busy)
          throw new HalUsageError('flash_erase', 'another flash operation is still running');
        w.erase(addr, len, done);
      },
      flash_write: (addr, ptr, len) => {
        if (w.busy)
          throw new HalUsageError('flash_write', 'another flash operation is still running');
        const fw = this.fw!;
        w.write(addr, len, () => new Uint8Array(fw.memory.buffer).slice(ptr, ptr + len), done);
      },
      boot_confirm: () => this.stage.confirm(),
      boot_request_update: (permanent) => this.stage.requestUpdate(permanent !== 0),
      system_reset: () => {
        this.resetRequested = true;
      },
      device_uid: () => 0,
      log: (level, ptr, len) => {
        this.logs.push({ level, text: new TextDecoder().decode(mem().slice(ptr, ptr + len)) });
      },
      panic: (line, column) => {
        this.panics.push(`panic at ${line}:${column}`);
      },
    };
  }
}
