import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromHex } from '../../protocol/bytes.ts';
import { decodeCommand } from './command-apdu.ts';

describe('decodeCommand (ISO 7816-3 §12.1.3)', () => {
  it('decodes the four cases, short', () => {
    expect(decodeCommand(fromHex('00A40000'))).toMatchObject({ ins: 0xa4, hasLc: false, ne: null });
    expect(decodeCommand(fromHex('00B2010012'))).toMatchObject({ ne: 0x12, leWildcard: false });
    expect(decodeCommand(fromHex('00B2010500'))).toMatchObject({ ne: 256, leWildcard: true });
    const c3 = decodeCommand(fromHex('00A4020002EF05'))!;
    expect(c3.data).toEqual(fromHex('EF05'));
    expect(c3.ne).toBeNull();
    expect(decodeCommand(fromHex('00A4040002A00000'))).toMatchObject({ ne: 256, leWildcard: true });
  });

  it('a 5-byte case-3 header with P3 = 0 is Lc = 0 (T=0 VERIFY status query)', () => {
    expect(decodeCommand(fromHex('0020000000'), true)).toMatchObject({ hasLc: true, ne: null });
    expect(decodeCommand(fromHex('0020000000'), false)).toMatchObject({ hasLc: false, ne: 256 });
  });

  it('decodes extended length fields', () => {
    expect(decodeCommand(fromHex('00B0000000FFFF'))).toMatchObject({ ne: 65535, extended: true });
    expect(decodeCommand(fromHex('00B0000000 0000'))).toMatchObject({
      ne: 65536,
      leWildcard: true,
    });
    const c = decodeCommand(fromHex('00D6000000000301020300 00'))!;
    expect(c.data).toEqual(fromHex('010203'));
    expect(c.ne).toBe(65536);
  });

  it('rejects inconsistent lengths with null', () => {
    for (const h of [
      '00A4',
      '00A400',
      '00A4020003EF05',
      '00A4020002EF050000',
      '00B000000001',
      '00D600000000',
      '00D6000000000301',
    ]) {
      expect(decodeCommand(fromHex(h)), h).toBeNull();
    }
  });

  it('never throws on any byte string', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (b, c3) => {
        const c = decodeCommand(b, c3);
        if (c) expect(c.data.length).toBeLessThanOrEqual(b.length);
      }),
    );
  });
});
