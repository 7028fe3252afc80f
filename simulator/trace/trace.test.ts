import { describe, expect, it } from 'vitest';
import { VoltageClass } from '../../firmware/hal.ts';
import { Prng } from '../engine/prng.ts';
import { VirtualClock } from '../engine/virtual-clock.ts';
import { CardLine } from '../line/card-line.ts';
import { ScriptedCard } from '../line/scripted-card.ts';
import { Trace } from './trace.ts';

function run(t1: boolean, commands: number[][], seed = 1, parityErrorRate = 0) {
  const clock = new VirtualClock();
  const trace = new Trace();
  const line = new CardLine(
    clock,
    0,
    new Prng(seed),
    { rx: () => {}, timeout: () => {}, presence: () => {} },
    trace,
  );
  const atr = t1 ? [0x3b, 0x80, 0x80, 0x01, 0x01] : [0x3b, 0x02, 0x14, 0x50];
  line.insert(new ScriptedCard({ atr: Uint8Array.from(atr), t1 }));
  line.clockKhz(4000);
  line.power(VoltageClass.B);
  clock.runSync(1e6);
  line.reset(true);
  clock.runSync(50e6);
  line.setFaults({ parityErrorRate });
  if (t1) line.uart({ f: 372, d: 1, n: 0, inverse: false, t1: true });
  for (const c of commands) {
    line.send(Uint8Array.from(c));
    clock.runSync(50e6);
  }
  return trace.text();
}

const lrc = (b: number[]) => b.reduce((x, y) => x ^ y, 0);

describe('Trace', () => {
  it('masks a T=0 VERIFY data field on the card line, with repetitions, and keeps the rest', () => {
    const pin = [0x12, 0x34, 0x56];
    const clean = run(false, [[0x00, 0x20, 0x00, 0x00, 0x03], pin]);
    expect(clean).toMatch(/R>C 00 20 00 00 03\n.*C>R 20\n.*R>C \*\* \*\* \*\*\n.*C>R 90 00\n/);
    for (const seed of [1, 2, 3]) {
      const text = run(false, [[0x00, 0x20, 0x00, 0x00, 0x03], pin], seed, 0.2);
      expect(text).toMatch(/~/); // faults happened
      const afterHeader = text.slice(text.indexOf('C>R 20'));
      const pinPart = afterHeader.slice(0, afterHeader.indexOf('C>R 90 00')).split('\n');
      // Whatever was sent or read of the PIN bytes, corrupted or repeated, is masked.
      const shown = pinPart.flatMap((l) => /(?:R>C|card read) (.*)$/.exec(l)?.[1].split(' ') ?? []);
      expect(shown.length).toBeGreaterThan(3);
      for (const token of shown) expect(token).toMatch(/^\+?\*\*~?:?$|^parity$|^error$/);
    }
  });

  it('masks a T=1 VERIFY block INF data and EDC', () => {
    const block = [0x00, 0x00, 0x08, 0x00, 0x20, 0x00, 0x01, 0x03, 0x12, 0x34, 0x56];
    block.push(lrc(block));
    const text = run(true, [block]);
    expect(text).toMatch(/R>C 00 00 08 00 20 00 01 03 \*\* \*\* \*\* \*\*\n/);
    expect(text).toMatch(/C>R 00 00 02 90 00 92/);
  });

  it('writes timestamps, line events and runs in a stable format', () => {
    const text = run(false, [[0x00, 0xb0, 0x00, 0x00, 0x00]]);
    const lines = text.split('\n');
    expect(lines[0]).toBe('     0.000000 slot0  card inserted');
    expect(text).toContain('slot0  C>R 3B 02 14 50');
    expect(text).toContain('slot0  R>C 00 B0 00 00 00');
    expect(text).toBe(run(false, [[0x00, 0xb0, 0x00, 0x00, 0x00]]));
  });
});
