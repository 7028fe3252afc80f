import { describe, expect, it } from 'vitest';
import { clocksPerEtu, diFromCode, fiFromCode, fmaxKhzFromCode } from './iso7816-tables.ts';

describe('ISO 7816-3 Fi/Di tables', () => {
  it('gives F/D for the TA1 values of the reference (§A5)', () => {
    expect(clocksPerEtu(0x11)).toBe(372);
    expect(clocksPerEtu(0x13)).toBe(93);
    expect(clocksPerEtu(0x96)).toBe(16);
    expect(clocksPerEtu(0x71)).toBe(0); // FI 7 is RFU
    expect(clocksPerEtu(0x10)).toBe(0); // DI 0 is RFU
  });
  it('pairs Fi with fmax', () => {
    expect([fiFromCode(1), fmaxKhzFromCode(1)]).toEqual([372, 5000]);
    expect([fiFromCode(0), fmaxKhzFromCode(0)]).toEqual([372, 4000]);
    expect([fiFromCode(9), fmaxKhzFromCode(9)]).toEqual([512, 5000]);
    expect([fiFromCode(13), fmaxKhzFromCode(13)]).toEqual([2048, 20000]);
    expect(diFromCode(8)).toBe(12);
    expect(diFromCode(9)).toBe(20);
  });
});
