// The shape of the built modules (firmware/HAL.md; issue 2 and issue 4 §7): imports only from
// `hal` and only HAL names, exports exactly the HAL exports, wasm-validate accepts both builds,
// 2 pages of memory that cannot grow, release at most 64 KiB, and no allocator in the module, so
// nothing can be allocated after init.
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import asc from 'assemblyscript/asc';
import { FIRMWARE_EXPORT_NAMES, HAL_IMPORT_NAMES, HAL_MODULE } from '../hal.ts';
import { FakeHal, firmwarePath } from './fake-hal.ts';

const PAGE = 65536;
const MEMORY_PAGES = 2;
const RELEASE_MAX_BYTES = 64 * 1024;

/** Function names from a module's `name` custom section (subsection 1). */
function functionNames(module: WebAssembly.Module): string[] {
  const names: string[] = [];
  for (const section of WebAssembly.Module.customSections(module, 'name')) {
    const b = new Uint8Array(section);
    let p = 0;
    const leb = () => {
      let v = 0;
      let shift = 0;
      for (;;) {
        const byte = b[p++];
        v |= (byte & 0x7f) << shift;
        if ((byte & 0x80) === 0) return v >>> 0;
        shift += 7;
      }
    };
    while (p < b.length) {
      const id = b[p++];
      const size = leb();
      const end = p + size;
      if (id === 1) {
        const count = leb();
        for (let i = 0; i < count; i++) {
          leb();
          const len = leb();
          names.push(new TextDecoder().decode(b.subarray(p, p + len)));
          p += len;
        }
      }
      p = end;
    }
  }
  return names;
}

/** Allocator entry points of every AssemblyScript runtime. */
const allocators = (names: string[]) =>
  names.filter((n) => /~lib\/rt\/[a-z]+\/__(new|alloc|renew|realloc)$/.test(n));

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

  it('holds no allocator, so nothing is allocated after init (and the check finds one where it is)', async () => {
    const debug = new WebAssembly.Module(readFileSync(firmwarePath('debug')));
    const names = functionNames(debug);
    expect(names).toContain('firmware/src/main/init');
    expect(allocators(names)).toEqual([]);
    // The same check on a module that allocates does find the allocator.
    const probe = await asc.compileString(
      { 'probe.ts': 'export function f(n: i32): i32 { return new Uint8Array(n).length; }' },
      { runtime: 'stub', debug: true, use: ['abort='] },
    );
    expect(probe.error).toBeNull();
    expect(
      allocators(functionNames(new WebAssembly.Module(Uint8Array.from(probe.binary!)))),
    ).not.toEqual([]);
  });
});
