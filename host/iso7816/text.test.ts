import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeAn, encodeGb18030 } from './text.ts';
import { fromHex, toHex } from './hex.ts';
import { Iso7816FormatError } from '../../protocol/iso7816/format-error.ts';

describe('an text', () => {
  it('decodes GBK names padded with 00 (kiosk-cards.md §1.3)', () => {
    expect(decodeAn(fromHex('C0EEC0DA' + '00'.repeat(26)))).toBe('李磊');
    expect(decodeAn(fromHex('B0D7D5DCD3EE0000'))).toBe('白哲宇');
    expect(decodeAn(fromHex('CDF5D1A9C3B7'))).toBe('王雪梅');
    expect(decodeAn(fromHex('322E3000'))).toBe('2.0');
    expect(decodeAn(new Uint8Array(20))).toBe('');
  });
  it('decodes GB18030 four-byte characters (rare characters outside GBK)', () => {
    expect(decodeAn(fromHex('8139EF30'))).toBe('\u3401');
  });
  it('rejects data after the padding and invalid sequences', () => {
    expect(() => decodeAn(fromHex('C0EE00DA'))).toThrow(Iso7816FormatError);
    expect(() => decodeAn(fromHex('C0'))).toThrow(/not valid GBK/);
  });
  it('encodes to GBK bytes and pads', () => {
    expect(toHex(encodeGb18030('李磊', 6))).toBe('C0EEC0DA0000');
    expect(() => encodeGb18030('李磊', 3)).toThrow(Iso7816FormatError);
  });
  it('round-trips text without NUL', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme' }).filter((s) => !s.includes('\0')),
        (s) => {
          expect(decodeAn(encodeGb18030(s))).toBe(s);
        },
      ),
    );
  });
  it('never throws anything but the typed error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 32 }), (b) => {
        try {
          decodeAn(b);
        } catch (e) {
          expect(e).toBeInstanceOf(Iso7816FormatError);
        }
      }),
    );
  });
});
