import { describe, expect, it } from 'vitest';
import { FlashStatus } from '../../firmware/hal.ts';
import { NS_PER_MS } from '../engine/virtual-clock.ts';
import { Simulation } from '../simulation.ts';
import type { BootStageEnv, NativeBootStage } from './boot-stage-seam.ts';
import { testFirmwareBytes } from './test-firmware.ts';

/** A boot stage that lends the firmware the upper half of the flash and records its calls. */
class FakeBootStage implements NativeBootStage {
  readonly calls: string[] = [];
  constructor(
    private readonly env: BootStageEnv,
    private readonly result: () => { wasm: Uint8Array } | Error,
  ) {}
  private get base() {
    return this.env.flash.geometry.size / 2;
  }
  readonly firmwareFlash = {
    geometry: { size: 65536, sectorSize: 4096, writeAlign: 8 },
    get busy() {
      return false;
    },
    read: (addr: number, len: number) => this.env.flash.read(this.base + addr, len),
    erase: (addr: number, len: number, done: (s: FlashStatus) => void) =>
      this.env.flash.erase(this.base + addr, len, done),
    write: (addr: number, len: number, src: () => Uint8Array, done: (s: FlashStatus) => void) => {
      this.calls.push(`write ${addr}`);
      this.env.flash.write(this.base + addr, len, src, done);
    },
  };
  boot(done: (r: { wasm: Uint8Array } | Error) => void): void {
    this.calls.push('boot');
    this.env.later(() => done(this.result()));
  }
  powerCut(): void {
    this.calls.push('powerCut');
  }
  firmwareReset(): void {
    this.calls.push('firmwareReset');
  }
  confirm(): void {
    this.calls.push('confirm');
  }
  requestUpdate(permanent: boolean): void {
    this.calls.push(`requestUpdate ${permanent}`);
  }
}

async function rig(result: () => { wasm: Uint8Array } | Error) {
  let stage!: FakeBootStage;
  const sim = await Simulation.create({
    seed: 1,
    bootStage: (env) => (stage = new FakeBootStage(env, result)),
  });
  const out: number[] = [];
  sim.reader.onHostData((b) => out.push(...b));
  const send = async (bytes: number[]) => {
    out.length = 0;
    sim.reader.hostWrite(Uint8Array.from(bytes));
    await sim.clock.advance(20 * NS_PER_MS);
    return [...out];
  };
  return { sim, stage, send };
}

describe('Reader with a native boot stage', () => {
  it('starts the image the boot stage hands over and routes flash and resets through it', async () => {
    const wasm = testFirmwareBytes();
    const { sim, stage, send } = await rig(() => ({ wasm }));
    expect(await send([0x42])).toEqual([0x42]);
    // flash_write lands in the boot stage's window (the upper half of the part).
    expect(await send([0x07, 1, 2, 3, 4, 5, 6, 7, 8])).toEqual([0x46, FlashStatus.Ok]);
    expect(sim.reader.flash.read(sim.reader.flash.geometry.size / 2, 8)).toEqual(
      Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8),
    );
    await send([0x04]); // system_reset
    sim.powerCut();
    await sim.clock.advance(100 * NS_PER_MS);
    expect(stage.calls).toEqual(['boot', 'write 0', 'firmwareReset', 'boot', 'powerCut', 'boot']);
    expect(sim.reader.panics).toEqual([]);
    expect(await send([0x43])).toEqual([0x43]);
  });

  it('stays dark, without crashing, when the boot stage has no image to start', async () => {
    const { sim, send } = await rig(() => new Error('no bootable image'));
    expect(await send([0x42])).toEqual([]);
    expect(sim.reader.bootError?.message).toBe('no bootable image');
    expect(sim.reader.halted).toBe(true);
    expect(sim.reader.running).toBe(false);
  });

  it('records a panic when the handed-over image is not WebAssembly', async () => {
    const { sim, send } = await rig(() => ({ wasm: Uint8Array.of(1, 2, 3) }));
    expect(await send([0x42])).toEqual([]);
    expect(sim.reader.panics[0]).toMatchObject({ kind: 'trap', during: 'instantiate' });
  });
});
