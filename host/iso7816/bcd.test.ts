import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeCn, decodeN, encodeCn, encodeN } from './bcd.ts';
import { fromHex, toHex } from './hex.ts';
import { Iso7816FormatError } from '../../protocol/iso7816/format-error.ts';

describe('cn (F-padded BCD)', () => {
  it('decodes the SSC dates and codes (kiosk-cards.md §1.3)', () => {
    expect(decodeCn(fromHex('20180403'))).toBe('20180403');
    expect(decodeCn(fromHex('FF'))).toBe(''); // 民族 unset
    expect(decodeCn(fromHex('FFFFFFFF'))).toBe(''); // 出生日期 empty
    expect(decodeCn(fromHex('6228230029000005274F'))).toBe('6228230029000005274'); // a PAN
  });
  it('encodes with F padding', () => {
    expect(toHex(encodeCn('123456', 4))).toBe('123456FF');
    expect(toHex(encodeCn('12345'))).toBe('12345F');
  });
  it('rejects non-digits and digits after the padding', () => {
    expect(() => decodeCn(fromHex('1A'))).toThrow(Iso7816FormatError);
    expect(() => decodeCn(fromHex('F1'))).toThrow(/digit after F padding/);
    expect(() => encodeCn('12a')).toThrow(Iso7816FormatError);
    expect(() => encodeCn('123', 1)).toThrow(/do not fit/);
  });
  it('round-trips', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[0-9]{0,20}$/),
        fc.integer({ min: 0, max: 4 }),
        (d, extra) => {
          expect(decodeCn(encodeCn(d, Math.ceil(d.length / 2) + extra))).toBe(d);
        },
      ),
    );
  });
  it('never throws anything but the typed error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 16 }), (b) => {
        try {
          decodeCn(b);
        } catch (e) {
          expect(e).toBeInstanceOf(Iso7816FormatError);
        }
      }),
    );
  });
});

describe('n (0-padded BCD)', () => {
  it('keeps leading zeros and pads on the left', () => {
    expect(decodeN(fromHex('250630'))).toBe('250630');
    expect(toHex(encodeN('156', 2))).toBe('0156');
    expect(() => decodeN(fromHex('2F'))).toThrow(Iso7816FormatError);
  });
  it('round-trips', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{0,12}$/), (d) => {
        const even = d.length % 2 ? '0' + d : d;
        expect(decodeN(encodeN(d))).toBe(even);
      }),
    );
  });
});
