// The shape of the built modules (firmware/HAL.md; issue 2 and issue 4 §7): imports only from
// `hal` and only HAL names, exports exactly the HAL exports, wasm-validate accepts both builds,
// 2 pages of memory that cannot grow, release at most 64 KiB, and no allocation after init.
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import asc from 'assemblyscript/asc';
import { FIRMWARE_EXPORT_NAMES, HAL_IMPORT_NAMES, HAL_MODULE } from '../hal.ts';
import { FakeHal, firmwarePath } from './fake-hal.ts';
import { heapBase } from './wasm-sections.ts';
import { workload } from './workload.ts';

const PAGE = 65536;
const MEMORY_PAGES = 2;
const RELEASE_MAX_BYTES = 64 * 1024;

/**
 * The stub runtime only bumps an offset upward from __heap_base, and every block it hands out
 * starts with a non-zero size word. So after init, the last non-zero byte at or above
 * __heap_base marks the top of everything ever allocated, and an allocation later would write
 * above it.
 */
function heapTop(memory: WebAssembly.Memory, base: number): number {
  const m = new Uint8Array(memory.buffer);
  for (let i = m.length - 1; i >= base; i--) if (m[i] !== 0) return i + 1;
  return base;
}

describe('firmware module shape', () => {
  for (const variant of ['debug', 'release'] as const) {
    const bytes = () => readFileSync(firmwarePath(variant));

    it(`${variant}: imports only HAL functions from module "${HAL_MODULE}"`, () => {
      const imports = WebAssembly.Module.imports(new WebAssembly.Module(bytes()));
      for (const i of imports) {
        expect(i.module).toBe(HAL_MODULE);
        expect(i.kind).toBe('function');
        expect(HAL_IMPORT_NAMES).toContain(i.name);
      }
    });

    it(`${variant}: exports exactly the HAL exports`, () => {
      const exports = WebAssembly.Module.exports(new WebAssembly.Module(bytes()));
      expect(exports.map((e) => e.name).sort()).toEqual([...FIRMWARE_EXPORT_NAMES].sort());
      for (const e of exports) expect(e.kind).toBe(e.name === 'memory' ? 'memory' : 'function');
    });

    it(`${variant}: wasm-validate accepts it`, (ctx) => {
      const run = spawnSync('wasm-validate', [firmwarePath(variant)], { encoding: 'utf8' });
      if (run.error && (run.error as NodeJS.ErrnoException).code === 'ENOENT') {
        if (process.env.CI === 'true')
          throw new Error('wasm-validate (Debian package wabt) is missing on CI');
        ctx.skip('wasm-validate not installed (Debian package wabt); .ci/run installs it');
        return;
      }
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
    });

    it(`${variant}: memory is ${MEMORY_PAGES} pages and cannot grow`, async () => {
      const hal = new FakeHal();
      const fw = await hal.load(variant);
      expect(fw.memory.buffer.byteLength).toBe(MEMORY_PAGES * PAGE);
      expect(() => fw.memory.grow(1)).toThrow(RangeError);
    });
  }

  it(`release is at most ${RELEASE_MAX_BYTES} bytes`, () => {
    expect(statSync(firmwarePath('release')).size).toBeLessThanOrEqual(RELEASE_MAX_BYTES);
  });

  it('allocates nothing after init: the heap top stays put through thousands of events', async () => {
    const bytes = readFileSync(firmwarePath('debug'));
    const base = heapBase(bytes);
    const hal = new FakeHal();
    hal.present[0] = 1;
    hal.present[1] = 1;
    const fw = await hal.load('debug');
    const top = heapTop(fw.memory, base);
    workload(hal);
    expect(hal.panics).toEqual([]);
    expect(heapTop(fw.memory, base)).toBe(top);
  });

  it('the heap check finds an allocation after init where there is one', async () => {
    const probe = await asc.compileString(
      {
        'probe.ts': [
          'let kept: Uint8Array | null = null;',
          'export function init(): void {}',
          'export function on_timer(id: i32): void { kept = new Uint8Array(id); }',
        ].join('\n'),
      },
      { runtime: 'stub', debug: true, use: ['abort='], initialMemory: 2, maximumMemory: 2 },
    );
    expect(probe.error).toBeNull();
    const bytes = Uint8Array.from(probe.binary!);
    const { exports } = await WebAssembly.instantiate(new WebAssembly.Module(bytes), {});
    const memory = exports.memory as WebAssembly.Memory;
    const base = heapBase(bytes);
    (exports.init as () => void)();
    const top = heapTop(memory, base);
    (exports.on_timer as (id: number) => void)(4);
    expect(heapTop(memory, base)).toBeGreaterThan(top);
  });
});
