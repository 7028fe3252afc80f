import { describe, expect, it } from 'vitest';
import type { LineCharacter } from '../sim/bench-sim.ts';
import { slotFloorInput, type TransactionRun } from './transaction-run.ts';
import { t1Block } from './naive-t1.ts';
import { t0Tpdu } from './naive-kiosk.ts';

const chars = (slot: number, from: 'reader' | 'card', bytes: number[]): LineCharacter[] =>
  bytes.map((byte, i) => ({ slot, timeNs: i, from, byte, attempt: 0 }));

function run(characters: LineCharacter[]): TransactionRun {
  return {
    card: 'ssc3-t1',
    configuration: 'ours',
    timeNs: 0,
    activationNs: 0,
    hostRoundTripNs: 0,
    characters,
    lineEvents: [],
    commands: [{ slot: 0, timeNs: 0, ins: 0xa4, processingNs: 3_000_000 }],
    tpdus: { card: [], psam: [] },
  };
}

describe('the characters of a run, split for the floor', () => {
  it('ATR, then the PPS exchange (a reader run starting FF and its answer), then the rest', () => {
    // ssc3-t1: 3B FD 96 00 FF 81 31 FE 45 + 13 historical bytes + TCK = 23 characters.
    const atr = chars(
      0,
      'card',
      Array.from({ length: 23 }, () => 0x3b),
    );
    const pps = [
      ...chars(0, 'reader', [0xff, 0x11, 0x96, 0x78]),
      ...chars(0, 'card', [0xff, 0x11, 0x96, 0x78]),
    ];
    const rest = [
      ...chars(0, 'reader', [0x00, 0xc1, 0x01, 0xfe, 0x3e]),
      ...chars(0, 'card', [0x00, 0xe1, 0x01, 0xfe, 0x1e]),
    ];
    const psam = chars(1, 'reader', [0x80, 0xfa]);
    const input = slotFloorInput(run([...atr, ...pps, ...rest, ...psam]), 0, 'ssc3-t1', true);
    expect([input.atrCharacters, input.ppsCharacters, input.characters]).toEqual([23, 8, 10]);
    expect(input).toMatchObject({ ta1: 0x96, n: 255, protocol: 1, atrDelayClocks: 12_000 });
    expect(input.processingNs).toEqual([3_000_000]);
  });

  it('a slot powered before the run has no ATR in it', () => {
    const input = slotFloorInput(run(chars(1, 'reader', [0x80, 0xfa, 0x00])), 1, 'psam', false);
    expect([input.atrCharacters, input.ppsCharacters, input.characters]).toEqual([0, 0, 3]);
    expect(input.atrDelayClocks).toBe(0);
  });
});

describe('the naive host', () => {
  it('sends a case-4 APDU as a case-3 TPDU in T=0 (ISO 7816-3 §12.2.5)', () => {
    expect(Array.from(t0Tpdu(Uint8Array.of(0x80, 0xfa, 0, 0, 2, 1, 2, 2)))).toEqual([
      0x80, 0xfa, 0, 0, 2, 1, 2,
    ]);
    expect(Array.from(t0Tpdu(Uint8Array.of(0, 0xb2, 1, 0, 0x12)))).toEqual([0, 0xb2, 1, 0, 0x12]);
  });

  it('frames T=1 blocks with their LRC', () => {
    expect(Array.from(t1Block(0xc1, [0xfe]))).toEqual([0x00, 0xc1, 0x01, 0xfe, 0x3e]);
  });
});
