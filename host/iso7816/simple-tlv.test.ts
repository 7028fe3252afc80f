import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  encodeSimpleTlvs,
  encodeSimpleTlv,
  parseSimpleTlv,
  parseSimpleTlvs,
} from './simple-tlv.ts';
import { fromHex, toHex } from './hex.ts';
import { Iso7816FormatError } from '../../protocol/iso7816/format-error.ts';

// EF05 read in one READ RECORD with P2 = 05 (kiosk-cards.md §1.3, S8 `社保卡指令.doc`).
const EF05 =
  '0110511300D156000005A21472423DB8F248' +
  '020133' +
  '0304322E3000' +
  '040C9156000002511300511300DB' +
  '050420140601' +
  '060420240601' +
  '0709413231343732343234';

describe('SIMPLE-TLV', () => {
  it('splits a whole EF05 into its seven records', () => {
    const items = parseSimpleTlvs(fromHex(EF05));
    expect(items.map((t) => t.tag)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(toHex(items[0].value)).toBe('511300D156000005A21472423DB8F248');
    expect(toHex(items[6].value)).toBe('413231343732343234');
  });
  it('reads the three-byte length form', () => {
    const t = parseSimpleTlv(Uint8Array.of(0x40, 0xff, 0x01, 0x00, ...new Uint8Array(256)));
    expect(t.value.length).toBe(256);
    expect(encodeSimpleTlv(t).subarray(0, 4)).toEqual(Uint8Array.of(0x40, 0xff, 0x01, 0x00));
  });
  it('rejects truncation and the invalid tags 00 and FF', () => {
    for (const bad of ['01', '0105AABB', '00021234', 'FF0100', '01FF00'])
      expect(() => parseSimpleTlvs(fromHex(bad)), bad).toThrow(Iso7816FormatError);
    expect(() => parseSimpleTlv(fromHex(EF05))).toThrow(/expected one object, found 7/);
  });
  it('round-trips', () => {
    const tlv = fc.record({
      tag: fc.integer({ min: 1, max: 0xfe }),
      value: fc.uint8Array({ maxLength: 300 }),
    });
    fc.assert(
      fc.property(fc.array(tlv, { maxLength: 5 }), (tlvs) => {
        expect(parseSimpleTlvs(encodeSimpleTlvs(tlvs))).toEqual(tlvs);
      }),
    );
  });
  it('never throws anything but the typed error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        try {
          parseSimpleTlvs(b);
        } catch (e) {
          expect(e).toBeInstanceOf(Iso7816FormatError);
        }
      }),
    );
  });
});
