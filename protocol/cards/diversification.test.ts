import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../bytes.ts';
import {
  DiversificationInputError,
  healthCardNoFactor,
  healthCityFactor,
  healthDiversificationFactors,
  sscCardFactor,
  sscDiversificationFactors,
  sscRegionFactor,
} from './diversification.ts';

const hex = (b: Uint8Array): string => toHex(b).replaceAll(' ', '');
/** The 卡识别码 of the kiosk-cards.md §1.9 trace card. */
const TRACE_CARD_ID = fromHex('519900D15600000510000B26FFFFFFFF');

describe('social security card factors (kiosk-cards.md §1.8, KEYS.md §2)', () => {
  it('region factor: the first 3 bytes as ASCII ‖ "sx", or 2 bytes ‖ "00sx" for region 33…', () => {
    expect(hex(sscRegionFactor(TRACE_CARD_ID))).toBe('3531393930307378'); // "519900sx"
    expect(hex(sscRegionFactor(fromHex('330106D15600000577D0E1F2FFFFFFFF')))).toBe(
      '3333303130307378', // "330100sx"
    );
    expect(hex(sscRegionFactor(fromHex('650102D15600000591D40B3C27AE6C01')))).toBe(
      '3635303130327378', // "650102sx"
    );
  });
  it('card factor: 卡识别码 bytes 8..15; both in order', () => {
    expect(hex(sscCardFactor(TRACE_CARD_ID))).toBe('10000B26FFFFFFFF');
    expect(sscDiversificationFactors(TRACE_CARD_ID).map(hex)).toEqual([
      '3531393930307378',
      '10000B26FFFFFFFF',
    ]);
  });
  it('refuses a 卡识别码 shorter than 16 bytes with a typed error', () => {
    expect(() => sscRegionFactor(new Uint8Array(3))).toThrow(DiversificationInputError);
    expect(() => sscCardFactor(new Uint8Array(15))).toThrow(DiversificationInputError);
  });
});

describe('health card factors (kiosk-cards.md §3, KEYS.md §3)', () => {
  const atr = fromHex('3B6D000080318065B0872701BC83089000');
  it('card number = ATR bytes 5..12, city = 应用城市代码 bytes 0..1 ‖ "000000"', () => {
    expect(hex(healthCardNoFactor(atr))).toBe('318065B0872701BC');
    expect(hex(healthCityFactor(fromHex('320100')))).toBe('3201303030303030');
    expect(healthDiversificationFactors(atr, fromHex('320100')).map(hex)).toEqual([
      '318065B0872701BC',
      '3201303030303030',
    ]);
  });
  it('refuses short inputs with a typed error', () => {
    expect(() => healthCardNoFactor(atr.subarray(0, 12))).toThrow(DiversificationInputError);
    expect(() => healthCityFactor(Uint8Array.of(0x32))).toThrow(DiversificationInputError);
  });
});
