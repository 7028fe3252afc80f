import { describe, expect, it } from 'vitest';
import { bestClockHz, characterNs, slotFloor, transactionFloor } from './floor.ts';

describe('the floor of a transaction, on worked examples', () => {
  it('a T=0 card without TA1 (ssc3): everything at 372/1, 5 MHz', () => {
    // etu = 372 / 5 MHz = 74.4 µs; a character 12 etu = 892.8 µs.
    expect(characterNs(372, 1, 5e6, 0, 0)).toBeCloseTo(892_800, 6);
    const s = slotFloor({
      classes: ['A', 'B'],
      ta1: undefined,
      n: 0,
      protocol: 0,
      atrDelayClocks: 12_000,
      atrCharacters: 18,
      ppsCharacters: 0,
      characters: 300,
      processingNs: [3_000_000, 2_500_000],
    });
    expect(s.clockHz).toBe(5_000_000);
    expect([s.f, s.d]).toEqual([372, 1]);
    expect(s.activationNs).toBeCloseTo(2_480_000, 6); // (400 + 12 000) clocks / 5 MHz
    expect(s.atrNs).toBeCloseTo(18 * 892_800, 3); // 16.0704 ms
    expect(s.lineNs).toBeCloseTo(300 * 892_800, 3); // 267.84 ms
    expect(s.processingNs).toBe(5_500_000);
    expect(s.totalNs).toBeCloseTo(2_480_000 + 16_070_400 + 267_840_000 + 5_500_000, 3);
  });

  it('a T=1 card with TA1 = 96, TC1 = FF (ssc3-t1): 512/32 after the PPS, 11 etu a character', () => {
    // etu = 512 / (32 × 5 MHz) = 3.2 µs; 11 etu = 35.2 µs. The PPS at 372/1 with 12 etu.
    const s = slotFloor({
      classes: ['A', 'B'],
      ta1: 0x96,
      n: 255,
      protocol: 1,
      atrDelayClocks: 12_000,
      atrCharacters: 23,
      ppsCharacters: 8,
      characters: 500,
      processingNs: [15_000_000],
    });
    expect(s.clockHz).toBe(5_000_000);
    expect([s.f, s.d]).toEqual([512, 32]);
    expect(s.characterNs).toBeCloseTo(35_200, 6);
    expect(s.ppsNs).toBeCloseTo(8 * 892_800, 3);
    expect(s.lineNs).toBeCloseTo(500 * 35_200, 3); // 17.6 ms
    expect(s.totalNs).toBeCloseTo(
      2_480_000 + 23 * 892_800 + 8 * 892_800 + 17_600_000 + 15_000_000,
      3,
    );
  });

  it('the clock: the best voltage class, capped by fmax of Fi', () => {
    expect(bestClockHz({ classes: ['B'], ta1: undefined })).toBe(4_000_000);
    expect(bestClockHz({ classes: ['A', 'B'], ta1: 0x13 })).toBe(5_000_000);
    expect(bestClockHz({ classes: ['A'], ta1: 0x01 })).toBe(4_000_000); // Fi 0: fmax 4 MHz
  });

  it('adds the slots and one host round trip', () => {
    const slot = {
      classes: ['A'] as const,
      ta1: 0x13, // PSAM: F 372, D 4 → etu 18.6 µs, 12 etu = 223.2 µs
      n: 0,
      protocol: 0 as const,
      atrDelayClocks: 8_000,
      atrCharacters: 18,
      ppsCharacters: 8,
      characters: 100,
      processingNs: [12_000_000, 8_000_000],
    };
    const one = slotFloor(slot);
    expect(one.lineNs).toBeCloseTo(100 * 223_200, 3);
    const both = transactionFloor([slot, slot], 2_000_000);
    expect(both.totalNs).toBeCloseTo(2 * one.totalNs + 2_000_000, 3);
  });
});
