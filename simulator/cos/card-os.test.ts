import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sendHex } from '../profiles/card-harness.ts';
import { PROFILES, resolveCardSpec } from '../profiles/index.ts';

const SPECS = [
  ...Object.keys(PROFILES),
  'ssc2:liu-yun',
  'ssc3:ma-xiaoyan',
  'psam:no-sm4',
  'health:he-jun',
];

describe('CardOs dispatch', () => {
  it('6700 for fewer than 4 bytes, 6D00 for an unknown INS, 6E00 for an unknown CLA or a CLA the INS does not take', () => {
    const os = resolveCardSpec('ssc3').os;
    expect(sendHex(os, '').sw).toBe('6700');
    expect(sendHex(os, '00').sw).toBe('6700');
    expect(sendHex(os, '00A404').sw).toBe('6700');
    expect(sendHex(os, '00CA9F7F00').sw).toBe('6D00');
    expect(sendHex(os, '80CA9F7F00').sw).toBe('6D00');
    expect(sendHex(os, 'A0A40000023F00').sw).toBe('6E00');
    expect(sendHex(os, '01A40000023F00').sw).toBe('6E00');
    expect(sendHex(os, '84B2010412').sw).toBe('6E00');
    // The PSAM commands exist only on a PSAM.
    expect(sendHex(os, '80DE030818' + '00'.repeat(24)).sw).toBe('6D00');
    expect(sendHex(os, '80FA000008' + '00'.repeat(8)).sw).toBe('6D00');
  });

  it('processing time per INS comes from the profile', () => {
    const card = resolveCardSpec('ssc3');
    const byIns = card.transport.processingUsByIns!;
    expect(card.os.process(Uint8Array.of(0x00, 0xa4, 0x00, 0x00)).processingUs).toBe(byIns.A4);
    expect(card.os.process(Uint8Array.of(0x00, 0x20, 0x00, 0x00)).processingUs).toBe(byIns['20']);
    expect(card.os.process(Uint8Array.of(0x00, 0xca, 0x00, 0x00)).processingUs).toBe(
      card.transport.processingUs,
    );
    expect(card.os.process(Uint8Array.of()).processingUs).toBe(card.transport.processingUs);
  });

  it('t0CommandHasData tells case 3/4 commands from case 1/2', () => {
    const os = resolveCardSpec('ssc3').os;
    for (const ins of [0xa4, 0x20, 0x82, 0x88, 0x24, 0x5e, 0xdc, 0xd6, 0xe2, 0xa8, 0xde, 0xfa]) {
      expect(os.t0CommandHasData(0, ins, 0, 0), ins.toString(16)).toBe(true);
    }
    for (const ins of [0xb0, 0xb2, 0x84, 0xc0, 0xca])
      expect(os.t0CommandHasData(0, ins, 0, 0)).toBe(false);
  });

  it('atr:<hex> answers every APDU with 9000', () => {
    const card = resolveCardSpec('atr:3B6D000000814A444686605199000001AC');
    expect(card.transport.atr).toBe('3B6D000000814A444686605199000001AC');
    expect(sendHex(card.os, '00A404000F7378312E73682EC9E7BBE1B1A3D5CF')).toEqual({
      data: '',
      sw: '9000',
    });
    expect(sendHex(card.os, 'FF')).toEqual({ data: '', sw: '9000' });
  });
});

describe('robustness (ApduProcessor contract: never throws on bad input)', () => {
  /** Commands near the real ones, so that the fuzzing reaches the handlers. */
  const plausible = fc
    .tuple(
      fc.constantFrom(0x00, 0x04, 0x80, 0x84, 0xbf, 0xff),
      fc.constantFrom(
        0xa4,
        0xb0,
        0xb2,
        0xd6,
        0xdc,
        0xe2,
        0x20,
        0x5e,
        0x24,
        0x84,
        0x88,
        0x82,
        0xa8,
        0xc0,
        0xde,
        0xfa,
        0x00,
      ),
      fc.integer({ min: 0, max: 255 }),
      fc.integer({ min: 0, max: 255 }),
      fc.uint8Array({ maxLength: 40 }),
      fc.option(fc.integer({ min: 0, max: 255 })),
    )
    .map(([cla, ins, p1, p2, data, le]) => {
      const parts = [cla, ins, p1, p2];
      if (data.length) parts.push(data.length, ...data);
      if (le !== null) parts.push(le);
      return Uint8Array.from(parts);
    });
  const anyBytes = fc.uint8Array({ maxLength: 300 });

  it('every profile answers any command sequence with at least SW1 SW2 and a known SW1', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SPECS),
        fc.array(fc.oneof(plausible, anyBytes), { maxLength: 30 }),
        fc.integer(),
        (spec, commands, seed) => {
          let s = seed >>> 0;
          const os = resolveCardSpec(spec, {
            random: () => (s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32,
          }).os;
          for (const c of commands) {
            const r = os.process(c);
            expect(r.response.length).toBeGreaterThanOrEqual(2);
            const sw1 = r.response[r.response.length - 2];
            expect([0x90, 0x63, 0x67, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f]).toContain(sw1);
            // 6F00 only ever comes from GET RESPONSE: anything else would be a caught bug.
            if (sw1 === 0x6f) expect(c[1]).toBe(0xc0);
            if (Math.abs(seed) % 7 === 0) os.reset();
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
