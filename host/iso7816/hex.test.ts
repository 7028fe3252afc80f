import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromHex, toHex } from './hex.ts';
import { Iso7816FormatError } from '../../protocol/iso7816/format-error.ts';

describe('hex', () => {
  it('prints uppercase without separators', () => {
    expect(toHex(Uint8Array.of(0x00, 0x81, 0x4a, 0xff))).toBe('00814AFF');
  });
  it('reads trace lines with spaces and either case', () => {
    expect(fromHex('00 a4 04 00\n0F')).toEqual(Uint8Array.of(0x00, 0xa4, 0x04, 0x00, 0x0f));
  });
  it('rejects odd digit counts and foreign characters with a typed error', () => {
    expect(() => fromHex('ABC')).toThrow(Iso7816FormatError);
    expect(() => fromHex('0G')).toThrow(/bad hex character "G" at offset 1/);
  });
  it('round-trips any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array(), (b) => {
        expect(fromHex(toHex(b))).toEqual(b);
      }),
    );
  });
  it('never throws anything but the typed error', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        try {
          fromHex(s);
        } catch (e) {
          expect(e).toBeInstanceOf(Iso7816FormatError);
        }
      }),
    );
  });
});
