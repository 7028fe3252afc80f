import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FakeHal, firmwarePath } from '../../firmware/test/fake-hal.ts';
import { workload } from '../../firmware/test/workload.ts';
import { HAL_MODULE, type FirmwareExports } from '../../firmware/hal.ts';
import { nameBytes, unsignedLeb } from './binary.ts';
import { functionCountsOf, instructionsOf, instrument, type Granularity } from './instrument.ts';

// A hand-assembled module, so that every instruction in it is known:
//   type 0: (i32) -> i32
//   func 0 "add1":  local.get 0; i32.const 1; i32.add                        → 3 per call
//   func 1 "sum":   n + (n-1) + … + 1 with a block/loop/br_if/br           → 12n + 4
//   func 2 "pick":  local.get 0; if (result i32) 10 else 20 end           → 3 either way
//   func 3 "twice": local.get 0; call add1; call add1                       → 3 + 2 × 3
const body = (locals: number[], code: number[]) => {
  const b = [...locals, ...code, 0x0b];
  return [...unsignedLeb(b.length), ...b];
};
const section = (id: number, content: number[]) => [id, ...unsignedLeb(content.length), ...content];
const FUNCS = ['add1', 'sum', 'pick', 'twice'];
const TINY = Uint8Array.from([
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
  ...section(1, [1, 0x60, 1, 0x7f, 1, 0x7f]),
  ...section(3, [4, 0, 0, 0, 0]),
  ...section(7, [4, ...FUNCS.flatMap((name, i) => [...nameBytes(name), 0x00, i])]),
  ...section(10, [
    4,
    ...body([0], [0x20, 0, 0x41, 1, 0x6a]),
    ...body(
      [1, 1, 0x7f],
      [
        ...[0x02, 0x40, 0x03, 0x40], // block, loop
        ...[0x20, 0, 0x45, 0x0d, 1], // local.get 0; i32.eqz; br_if 1
        ...[0x20, 1, 0x20, 0, 0x6a, 0x21, 1], // acc += n
        ...[0x20, 0, 0x41, 1, 0x6b, 0x21, 0], // n -= 1
        ...[0x0c, 0, 0x0b, 0x0b], // br 0; end; end
        ...[0x20, 1], // local.get 1
      ],
    ),
    ...body([0], [0x20, 0, 0x04, 0x7f, 0x41, 10, 0x05, 0x41, 20, 0x0b]),
    ...body([0], [0x20, 0, 0x10, 0, 0x10, 0]),
  ]),
]);

type Tiny = Record<'add1' | 'sum' | 'pick' | 'twice', (x: number) => number> & object;

async function tiny(granularity: Granularity) {
  const { instance } = await WebAssembly.instantiate(instrument(TINY, granularity));
  const x = instance.exports as unknown as Tiny;
  const count = (f: () => unknown) => {
    const before = instructionsOf(x);
    f();
    return Number(instructionsOf(x) - before);
  };
  return { x, count };
}

describe('instruction counting on a known module', () => {
  for (const granularity of ['run', 'each'] as const) {
    it(`counts exactly (${granularity})`, async () => {
      expect(WebAssembly.validate(instrument(TINY, granularity))).toBe(true);
      const { x, count } = await tiny(granularity);
      expect(count(() => x.add1(5))).toBe(3);
      for (const n of [0, 1, 7, 100]) expect(count(() => x.sum(n))).toBe(12 * n + 4);
      expect(count(() => x.pick(0))).toBe(3);
      expect(count(() => x.pick(1))).toBe(3);
      expect(count(() => x.twice(1))).toBe(9);
    });
  }

  it('counts per function', async () => {
    const { instance } = await WebAssembly.instantiate(instrument(TINY, { perFunction: true }));
    const x = instance.exports as unknown as Tiny;
    x.sum(3); // 12 × 3 + 4
    x.twice(0); // 3 in twice, 2 × 3 in add1
    expect(functionCountsOf(x)).toEqual([6n, 40n, 0n, 3n]);
    expect(instructionsOf(x)).toBe(49n);
  });

  it('keeps the results', async () => {
    const { x } = await tiny('run');
    expect([x.add1(41), x.sum(100), x.pick(0), x.pick(1), x.twice(1)]).toEqual([
      42, 5050, 20, 10, 3,
    ]);
  });
});

describe('instruction counting on the release firmware', () => {
  async function run(bytes: Uint8Array<ArrayBuffer>) {
    const hal = new FakeHal();
    const { instance } = await WebAssembly.instantiate(bytes, {
      [HAL_MODULE]: hal.imports() as unknown as WebAssembly.ModuleImports,
    });
    hal.exports = instance.exports as unknown as FirmwareExports;
    hal.exports.init();
    workload(hal, 800, 0x1234);
    return { hal, instance };
  }

  it('behaves as the original, and per-run counts equal per-instruction counts', async () => {
    const original = new Uint8Array(readFileSync(firmwarePath('release')));
    const plain = await run(original);
    const byRun = await run(instrument(original, 'run'));
    const byEach = await run(instrument(original, 'each'));
    const calls = (h: FakeHal) => JSON.stringify(h.calls.map((c) => [c.name, c.args]));
    expect(calls(byRun.hal)).toBe(calls(plain.hal));
    expect(calls(byEach.hal)).toBe(calls(plain.hal));
    const n = instructionsOf(byRun.instance.exports);
    expect(n).toBeGreaterThan(10_000n);
    expect(instructionsOf(byEach.instance.exports)).toBe(n);
  });
});
