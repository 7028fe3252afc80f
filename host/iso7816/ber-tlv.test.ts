import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encodeBerTlvs, findBerPath, findBerTlv, parseBerTlvs, type BerTlv } from './ber-tlv.ts';
import { fromHex, toHex } from './hex.ts';
import { Iso7816FormatError } from '../../protocol/iso7816/format-error.ts';

// The SSSE FCI of the real 3.0 trace (kiosk-cards.md §1.9).
const FCI = '6F1C840F7378312E73682EC9E7BBE1B1A3D5CFA50988011E9F0C03860103';

describe('BER-TLV', () => {
  it('walks the SSSE FCI down to the algorithm identifier', () => {
    const nodes = parseBerTlvs(fromHex(FCI));
    expect(toHex(findBerPath(nodes, [0x6f, 0x84])!.value)).toBe('7378312E73682EC9E7BBE1B1A3D5CF');
    const issuer = findBerPath(nodes, [0x6f, 0xa5, 0x9f0c])!;
    expect(issuer.constructed).toBe(false);
    // 9F0C is primitive by its tag bits, so 86 is found by parsing its value.
    expect(toHex(findBerTlv(parseBerTlvs(issuer.value), 0x86)!.value)).toBe('03');
    expect(findBerTlv(nodes, 0x88)!.value).toEqual(Uint8Array.of(0x1e));
  });
  it('reads long length forms and skips EMV 00 padding', () => {
    const long = parseBerTlvs(Uint8Array.of(0x00, 0x70, 0x81, 0x03, 0x5a, 0x01, 0x62, 0x00));
    expect(findBerTlv(long, 0x5a)!.value).toEqual(Uint8Array.of(0x62));
    expect(() => parseBerTlvs(Uint8Array.of(0x00, 0x5a, 0x00), { skipZeroPadding: false })).toThrow(
      Iso7816FormatError,
    );
  });
  it('rejects truncation, indefinite length and over-long tags', () => {
    for (const bad of ['9F', '5A', '5A05AA', '7080', '5A8401000000', '9F8181810100', '6F035A0201'])
      expect(() => parseBerTlvs(fromHex(bad)), bad).toThrow(Iso7816FormatError);
  });

  const tagArb = fc.oneof(
    fc.integer({ min: 1, max: 0xff }).filter((t) => (t & 0x1f) !== 0x1f),
    fc
      .tuple(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 0x7f }))
      .map(([cls, b]) => (((cls << 5) | 0x1f) << 8) | b),
  );
  const leaf = fc
    .record({ tag: tagArb, value: fc.uint8Array({ maxLength: 300 }) })
    .map(({ tag, value }): BerTlv => {
      const first = tag > 0xff ? tag >> 8 : tag;
      return (first & 0x20) !== 0
        ? { tag, constructed: true, value: new Uint8Array(0), children: [] }
        : { tag, constructed: false, value };
    });
  const tree: fc.Arbitrary<BerTlv[]> = fc.letrec<{ nodes: BerTlv[]; node: BerTlv }>((tie) => ({
    nodes: fc.array(tie('node'), { maxLength: 3 }),
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.tuple(fc.integer({ min: 0, max: 7 }), tie('nodes')).map(([n, children]): BerTlv => {
        const tag = 0x60 | (n & 0x1e) | 0x20;
        return { tag, constructed: true, value: encodeBerTlvs(children), children };
      }),
    ),
  })).nodes;

  it('round-trips trees', () => {
    fc.assert(
      fc.property(tree, (nodes) => {
        const bytes = encodeBerTlvs(nodes);
        const parsed = parseBerTlvs(bytes, { skipZeroPadding: false });
        expect(encodeBerTlvs(parsed)).toEqual(bytes);
        expect(parsed.map((n) => n.tag)).toEqual(nodes.map((n) => n.tag));
      }),
    );
  });
  it('never throws anything but the typed error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        try {
          parseBerTlvs(b);
        } catch (e) {
          expect(e).toBeInstanceOf(Iso7816FormatError);
        }
      }),
    );
  });
});
