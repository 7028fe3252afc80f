import { describe, expect, it } from 'vitest';
import { Prng } from './prng.ts';

describe('Prng', () => {
  it('is deterministic per seed and differs between seeds', () => {
    const a = new Prng(7).bytes(32);
    const b = new Prng(7).bytes(32);
    const c = new Prng(8).bytes(32);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('forks independent named streams', () => {
    const root = new Prng(1);
    const x1 = root.fork('line').bytes(16);
    root.fork('other').bytes(1000);
    expect(root.fork('line').bytes(16)).toEqual(x1);
    expect(root.fork('keypad').bytes(16)).not.toEqual(x1);
  });

  it('draws uniformly enough and within range', () => {
    const p = new Prng(3);
    const counts = new Array(10).fill(0);
    for (let i = 0; i < 100_000; i++) counts[p.int(10)]++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(600);
    expect(() => p.int(0)).toThrow(RangeError);
    expect(() => new Prng(1.5)).toThrow(RangeError);
  });

  it('chance(0) never draws', () => {
    const p = new Prng(5);
    const q = new Prng(5);
    p.chance(0);
    expect(p.nextU32()).toBe(q.nextU32());
  });
});
