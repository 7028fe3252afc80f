import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  encodeCommandApdu,
  encodeResponseApdu,
  parseCommandApdu,
  parseResponseApdu,
  type CommandApdu,
} from './apdu.ts';
import { fromHex, toHex as spacedHex } from '../bytes.ts';
import { Iso7816FormatError } from './format-error.ts';

const toHex = (b: Uint8Array): string => spacedHex(b).replaceAll(' ', '');
const SSSE = fromHex('7378312E73682EC9E7BBE1B1A3D5CF');

describe('encodeCommandApdu', () => {
  it('builds the four short cases as the SSC trace sends them (kiosk-cards.md §1.9)', () => {
    expect(toHex(encodeCommandApdu({ cla: 0, ins: 0xa4, p1: 4, p2: 0, data: SSSE }))).toBe(
      '00A404000F7378312E73682EC9E7BBE1B1A3D5CF',
    );
    expect(toHex(encodeCommandApdu({ cla: 0, ins: 0x84, p1: 0, p2: 0, ne: 8 }))).toBe('0084000008');
    expect(toHex(encodeCommandApdu({ cla: 0, ins: 0xb2, p1: 1, p2: 5, ne: 256 }))).toBe(
      '00B2010500',
    );
    expect(toHex(encodeCommandApdu({ cla: 0x80, ins: 0xca, p1: 0, p2: 0 }))).toBe('80CA0000');
    expect(
      toHex(
        encodeCommandApdu({ cla: 0, ins: 0xa4, p1: 4, p2: 0, data: Uint8Array.of(1), ne: 256 }),
      ),
    ).toBe('00A404000101' + '00');
  });
  it('switches to extended length fields when needed or asked', () => {
    expect(toHex(encodeCommandApdu({ cla: 0, ins: 0xb0, p1: 0, p2: 0, ne: 257 }))).toBe(
      '00B00000000101',
    );
    expect(toHex(encodeCommandApdu({ cla: 0, ins: 0xb0, p1: 0, p2: 0, ne: 65536 }))).toBe(
      '00B00000000000',
    );
    expect(
      toHex(encodeCommandApdu({ cla: 0, ins: 0xb0, p1: 0, p2: 0, ne: 4 }, { extended: true })),
    ).toBe('00B00000000004');
    const big = encodeCommandApdu({
      cla: 0,
      ins: 0xd6,
      p1: 0,
      p2: 0,
      data: new Uint8Array(300),
      ne: 2,
    });
    expect(toHex(big.subarray(0, 7))).toBe('00D6000000012C');
    expect(toHex(big.subarray(-2))).toBe('0002');
    expect(big.length).toBe(7 + 300 + 2);
  });
  it('rejects bad fields with a typed error', () => {
    expect(() => encodeCommandApdu({ cla: 256, ins: 0, p1: 0, p2: 0 })).toThrow(Iso7816FormatError);
    expect(() => encodeCommandApdu({ cla: 0, ins: 0, p1: -1, p2: 0 })).toThrow(/P1 must be a byte/);
    expect(() => encodeCommandApdu({ cla: 0, ins: 0, p1: 0, p2: 0, ne: 0 })).toThrow(/Ne must be/);
    expect(() => encodeCommandApdu({ cla: 0, ins: 0, p1: 0, p2: 0, ne: 65537 })).toThrow(
      /Ne must be/,
    );
    expect(() =>
      encodeCommandApdu({ cla: 0, ins: 0, p1: 0, p2: 0, data: new Uint8Array(65536) }),
    ).toThrow(/exceeds/);
  });
});

describe('parseCommandApdu', () => {
  it('tells the cases apart', () => {
    expect(parseCommandApdu(fromHex('00A40000')).case).toBe('1');
    expect(parseCommandApdu(fromHex('00B2010500'))).toMatchObject({ case: '2S', ne: 256 });
    expect(parseCommandApdu(fromHex('00A4020002EF05'))).toMatchObject({ case: '3S' });
    expect(parseCommandApdu(fromHex('00A402000101FF'))).toMatchObject({ case: '4S', ne: 255 });
    expect(parseCommandApdu(fromHex('00B00000000000'))).toMatchObject({ case: '2E', ne: 65536 });
    expect(parseCommandApdu(fromHex('00D60000000002AABB'))).toMatchObject({ case: '3E' });
    expect(parseCommandApdu(fromHex('00D60000000002AABB0100'))).toMatchObject({
      case: '4E',
      ne: 256,
    });
  });
  it('rejects lengths that fit no case', () => {
    for (const bad of [
      '',
      '00A400',
      '00A4000002EF',
      '00A400000001',
      '00A40000000003AABB',
      '00A400000000000000',
    ])
      expect(() => parseCommandApdu(fromHex(bad)), bad).toThrow(Iso7816FormatError);
  });
});

const commandArb: fc.Arbitrary<[CommandApdu, boolean]> = fc.tuple(
  fc.record({
    cla: fc.integer({ min: 0, max: 255 }),
    ins: fc.integer({ min: 0, max: 255 }),
    p1: fc.integer({ min: 0, max: 255 }),
    p2: fc.integer({ min: 0, max: 255 }),
    data: fc.option(fc.uint8Array({ minLength: 1, maxLength: 400 }), { nil: undefined }),
    ne: fc.option(fc.integer({ min: 1, max: 65536 }), { nil: undefined }),
  }),
  fc.boolean(),
);

describe('APDU properties', () => {
  it('encode then parse gives the same command', () => {
    fc.assert(
      fc.property(commandArb, ([cmd, extended]) => {
        const parsed = parseCommandApdu(encodeCommandApdu(cmd, { extended }));
        expect(parsed.cla).toBe(cmd.cla);
        expect(parsed.ins).toBe(cmd.ins);
        expect(parsed.p1).toBe(cmd.p1);
        expect(parsed.p2).toBe(cmd.p2);
        expect(parsed.data).toEqual(cmd.data ?? new Uint8Array(0));
        expect(parsed.ne).toBe(cmd.ne);
      }),
    );
  });
  it('any byte string parses or gives the typed error, and what parses re-encodes to itself', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        let parsed;
        try {
          parsed = parseCommandApdu(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(Iso7816FormatError);
          return;
        }
        expect(encodeCommandApdu(parsed, { extended: parsed.extended })).toEqual(bytes);
      }),
    );
  });
});

describe('response APDU', () => {
  it('splits data and status word', () => {
    const r = parseResponseApdu(fromHex('0304332E30309000'));
    expect(toHex(r.data)).toBe('0304332E3030');
    expect(r).toMatchObject({ sw1: 0x90, sw2: 0x00, sw: 0x9000 });
  });
  it('needs a status word', () => {
    expect(() => parseResponseApdu(Uint8Array.of(0x90))).toThrow(Iso7816FormatError);
  });
  it('round-trips', () => {
    fc.assert(
      fc.property(fc.uint8Array(), fc.integer({ min: 0, max: 0xffff }), (data, sw) => {
        const r = parseResponseApdu(encodeResponseApdu(data, sw));
        expect(r.data).toEqual(data);
        expect(r.sw).toBe(sw);
      }),
    );
  });
});
