import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FlashStatus } from '../../firmware/hal.ts';
import { Prng } from '../engine/prng.ts';
import { VirtualClock } from '../engine/virtual-clock.ts';
import { FlashStateError } from '../errors.ts';
import { DEFAULT_FLASH, FLASH_FILE, Flash } from './flash.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function rig(stateDir?: string) {
  const clock = new VirtualClock();
  const notes: string[] = [];
  const flash = new Flash(clock, new Prng(1), (t) => notes.push(t), {}, stateDir);
  const done: [number, FlashStatus][] = [];
  const cb = (s: FlashStatus) => done.push([clock.now(), s]);
  return { clock, flash, done, cb, notes };
}

describe('Flash', () => {
  it('erases whole sectors and programs aligned units, with realistic timing', () => {
    const r = rig();
    const src = Uint8Array.from({ length: 64 }, (_, i) => i);
    r.flash.write(4096, 64, () => src, r.cb);
    r.clock.runSync(1e9);
    expect(r.done).toEqual([[8 * DEFAULT_FLASH.writeUnitNs, FlashStatus.Ok]]);
    expect(r.flash.read(4096, 64)).toEqual(src);
    // Writing again over programmed bytes fails and changes nothing.
    r.flash.write(4096, 8, () => new Uint8Array(8), r.cb);
    r.clock.runSync(1e9);
    expect(r.done[1][1]).toBe(FlashStatus.Failed);
    expect(r.flash.read(4096, 8)).toEqual(src.slice(0, 8));
    const t = r.clock.now();
    r.flash.erase(4096, 8192, r.cb);
    r.clock.runSync(1e9);
    expect(r.done[2]).toEqual([t + 2 * DEFAULT_FLASH.eraseSectorNs, FlashStatus.Ok]);
    expect((r.flash.read(4096, 64) as Uint8Array).every((b) => b === 0xff)).toBe(true);
  });

  it('reports BadRange for unaligned or out-of-range operations', () => {
    const r = rig();
    r.flash.erase(100, 4096, r.cb);
    r.flash.erase(0, 100, r.cb);
    r.flash.write(3, 8, () => new Uint8Array(8), r.cb);
    r.flash.write(0, 7, () => new Uint8Array(7), r.cb);
    r.flash.write(DEFAULT_FLASH.size - 8, 16, () => new Uint8Array(16), r.cb);
    r.clock.runSync(1e6);
    expect(r.done.map((d) => d[1])).toEqual(new Array(5).fill(FlashStatus.BadRange));
    expect(r.flash.read(-1, 4)).toBe(FlashStatus.BadRange);
  });

  it('a power cut tears the write in progress: done units kept, the current one mixed, the rest erased', () => {
    const r = rig();
    const src = new Uint8Array(256).fill(0x00);
    r.flash.write(0, 256, () => src, r.cb);
    r.clock.runSync(10.5 * DEFAULT_FLASH.writeUnitNs);
    r.flash.powerCut();
    r.clock.runSync(1e9);
    expect(r.done).toEqual([]);
    const data = r.flash.read(0, 256) as Uint8Array;
    expect(data.subarray(0, 80).every((b) => b === 0)).toBe(true);
    expect(data.subarray(88).every((b) => b === 0xff)).toBe(true);
    expect(data.subarray(80, 88).some((b) => b !== 0 && b !== 0xff)).toBe(true);
    expect(r.notes[0]).toMatch(/torn/);
  });

  it('a planned power cut hits the n-th operation', () => {
    const r = rig();
    let cut = 0;
    r.flash.planPowerCut(2, 0.5, () => {
      cut++;
      r.flash.powerCut();
    });
    r.flash.erase(0, 4096, r.cb);
    r.clock.runSync(1e9);
    r.flash.erase(4096, 4 * 4096, r.cb);
    r.clock.runSync(1e9);
    expect(cut).toBe(1);
    expect(r.done.map((d) => d[1])).toEqual([FlashStatus.Ok]);
  });

  it('persists to the state folder and refuses a state file of the wrong size', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kr-flash-'));
    dirs.push(dir);
    const a = rig(dir);
    a.flash.write(8, 8, () => Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8), a.cb);
    a.clock.runSync(1e9);
    const b = rig(dir);
    expect(b.flash.read(8, 8)).toEqual(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8));
    expect(readFileSync(join(dir, FLASH_FILE)).length).toBe(DEFAULT_FLASH.size);
    writeFileSync(join(dir, FLASH_FILE), new Uint8Array(10));
    expect(() => rig(dir)).toThrow(FlashStateError);
  });
});
