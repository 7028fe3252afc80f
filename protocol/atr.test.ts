import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AtrError, atrBytesNeeded, decodeAtr } from './atr.ts';
import { MAX_ATR_LENGTH } from './iso7816-tables.ts';

const h = (s: string): Uint8Array => Uint8Array.from(s.trim().split(/\s+/), (x) => parseInt(x, 16));

/** Appends the TCK that makes the XOR of T0..TCK zero. */
function withTck(bytes: Uint8Array): Uint8Array {
  let x = 0;
  for (let i = 1; i < bytes.length; i++) x ^= bytes[i];
  return Uint8Array.from([...bytes, x]);
}

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof AtrError) return e.code;
    throw e;
  }
  return undefined;
}

describe('decodeAtr: worked examples of iso7816-and-ccid.md §A4', () => {
  it('3B 02 14 50: direct, T=0 only, two historical bytes, no TCK, defaults', () => {
    const atr = decodeAtr(h('3B 02 14 50'));
    expect(atr.convention).toBe('direct');
    expect(atr.t0).toBe(0x02);
    expect(atr.groups).toEqual([{ index: 1, protocol: undefined }]);
    expect(atr.protocols).toEqual([0]);
    expect(atr.defaultProtocol).toBe(0);
    expect([...atr.historicalBytes]).toEqual([0x14, 0x50]);
    expect(atr.tck).toBeUndefined();
    expect([atr.ta1, atr.fi, atr.di, atr.fmaxKhz]).toEqual([0x11, 372, 1, 5000]);
    expect(atr.extraGuardTime).toBe(0);
    expect(atr.waitingIntegerT0).toBe(10);
    expect(atr.specificMode).toBeUndefined();
    expect(atr.t1).toBeUndefined();
    expect(atr.classIndicator).toBeUndefined();
  });

  it('3B 6D 00 00 … (social security card, kiosk-cards.md §1.1): TB1, TC1, 13 historical bytes', () => {
    const bytes = h('3B 6D 00 00 00 81 4A 44 46 86 60 51 99 00 00 01 AC');
    const atr = decodeAtr(bytes);
    expect(atr.groups).toEqual([{ index: 1, protocol: undefined, tb: 0, tc: 0 }]);
    expect(atr.historicalBytes.length).toBe(13);
    expect([...atr.historicalBytes]).toEqual([...bytes.slice(4)]);
    expect(atr.protocols).toEqual([0]);
    expect(atr.tck).toBeUndefined();
    expect(atr.extraGuardTime).toBe(0);
    expect([atr.fi, atr.di]).toEqual([372, 1]);
  });

  it('a T=1 card with TA1 = 96: Fi 512, Di 32, IFSC/BWI/CWI from TA3/TB3, TCK checked', () => {
    // TS T0=92 (TA1, TD1, K=2) TA1=96 TD1=81 (TD2, T=1) TD2=31 (TA3, TB3, T=1) TA3=FE TB3=45 hist TCK
    const atr = decodeAtr(withTck(h('3B 92 96 81 31 FE 45 80 01')));
    expect([atr.ta1, atr.fi, atr.di, atr.fmaxKhz]).toEqual([0x96, 512, 32, 5000]);
    expect(atr.protocols).toEqual([1]);
    expect(atr.defaultProtocol).toBe(1);
    expect(atr.t1).toEqual({ ifsc: 0xfe, bwi: 4, cwi: 5, edc: 'lrc' });
    expect(atr.tck).toBe(0x92 ^ 0x96 ^ 0x81 ^ 0x31 ^ 0xfe ^ 0x45 ^ 0x80 ^ 0x01);
    expect([...atr.historicalBytes]).toEqual([0x80, 0x01]);
    expect(atr.groups.map((g) => g.protocol)).toEqual([undefined, undefined, 1]);
  });
});

describe('decodeAtr: derived parameters', () => {
  it('TC1 is N, TC2 is WI, TA2 means specific mode', () => {
    // T0=D0 (TA1, TC1, TD1), TD1=50 (TA2, TC2, T=0), TA2=80 (b8: cannot change mode)
    const atr = decodeAtr(h('3B D0 13 FF 50 80 14'));
    expect(atr.extraGuardTime).toBe(0xff);
    expect(atr.waitingIntegerT0).toBe(0x14);
    expect(atr.specificMode).toEqual({
      protocol: 0,
      canChangeMode: false,
      implicitParameters: false,
    });
    expect([atr.fi, atr.di]).toEqual([372, 4]);
    expect(atr.tck).toBeUndefined();
  });

  it('TA2 chooses the default protocol over TD1 and reports implicit parameters', () => {
    // T0=80 (TD1), TD1=90 (TA2, TD2, T=0), TA2=11 (specific T=1, b5 implicit), TD2=01 (T=1)
    const atr = decodeAtr(withTck(h('3B 80 90 11 01')));
    expect(atr.protocols).toEqual([0, 1]);
    expect(atr.specificMode).toEqual({
      protocol: 1,
      canChangeMode: true,
      implicitParameters: true,
    });
    expect(atr.defaultProtocol).toBe(1);
  });

  it('T=1 defaults (IFSC 32, BWI 4, CWI 13, LRC) when no specific byte follows T=1; CRC from TC', () => {
    const plain = decodeAtr(withTck(h('3B 80 01')));
    expect(plain.t1).toEqual({ ifsc: 32, bwi: 4, cwi: 13, edc: 'lrc' });
    // TD1=81 (TD2, T=1), TD2=41 (TC3, T=1), TC3=01 → CRC
    const crc = decodeAtr(withTck(h('3B 80 81 41 01')));
    expect(crc.t1).toEqual({ ifsc: 32, bwi: 4, cwi: 13, edc: 'crc' });
  });

  it('group 2 after TD1 = T=1 is global: TA2 is not IFSC', () => {
    // TD1=11 (TA2, T=1), TA2=01: specific mode T=1, not IFSC 1.
    const atr = decodeAtr(withTck(h('3B 80 11 01')));
    expect(atr.t1?.ifsc).toBe(32);
    expect(atr.specificMode?.protocol).toBe(1);
  });

  it('offers T=0 and T=1 and reads the class indicator after T=15', () => {
    // TD1=80 (TD2, T=0), TD2=91 (TA3, TD3, T=1), TA3=FE (IFSC), TD3=1F (TA4, T=15), TA4=C3
    const atr = decodeAtr(withTck(h('3B 80 80 91 FE 1F C3')));
    expect(atr.protocols).toEqual([0, 1]);
    expect(atr.defaultProtocol).toBe(0);
    expect(atr.t1?.ifsc).toBe(0xfe);
    expect(atr.classIndicator).toEqual({
      raw: 0xc3,
      classes: ['A', 'B'],
      clockStop: 'no-preference',
    });
  });

  it('TD1 = 80, TD2 = 1F, TA3 (kiosk-cards.md §1.1 table 8): class byte, T=0, and TCK', () => {
    const atr = decodeAtr(withTck(h('3B 80 80 1F 07')));
    expect(atr.protocols).toEqual([0]);
    expect(atr.classIndicator?.classes).toEqual(['A', 'B', 'C']);
    expect(atr.classIndicator?.clockStop).toBe('not-supported');
    expect(atr.tck).toBeDefined();
  });

  it('reports the inverse convention and RFU codes as 0', () => {
    const atr = decodeAtr(h('3F 10 71'));
    expect(atr.convention).toBe('inverse');
    expect([atr.fi, atr.di, atr.fmaxKhz]).toEqual([0, 1, 0]); // FI 7 is RFU
  });
});

describe('decodeAtr: typed errors', () => {
  it('too short, too long, bad TS', () => {
    expect(codeOf(() => decodeAtr(h('3B')))).toBe('too-short');
    expect(codeOf(() => decodeAtr(new Uint8Array(0)))).toBe('too-short');
    expect(codeOf(() => decodeAtr(new Uint8Array(34).fill(0x3b)))).toBe('too-long');
    expect(codeOf(() => decodeAtr(h('3C 00')))).toBe('bad-ts');
    expect(() => decodeAtr(h('03 00'))).toThrow(/other convention/);
  });

  it('truncated, trailing bytes, bad TCK', () => {
    expect(codeOf(() => decodeAtr(h('3B 02 14')))).toBe('truncated');
    expect(codeOf(() => decodeAtr(h('3B F0 11 00')))).toBe('truncated');
    expect(codeOf(() => decodeAtr(h('3B 02 14 50 00')))).toBe('trailing');
    // T=1 offered but no TCK sent: the last historical byte would be taken as TCK → truncated
    expect(codeOf(() => decodeAtr(h('3B 81 01 AA')))).toBe('truncated');
    const good = withTck(h('3B 81 01 AA'));
    good[good.length - 1] ^= 0x01;
    expect(codeOf(() => decodeAtr(good))).toBe('bad-tck');
  });

  it('a structure that announces more than 33 bytes is too long', () => {
    // 15 historical bytes + chained TDi with all four bytes each
    const bytes = [0x3b, 0xff, 1, 2, 3, 0xf1, 1, 2, 3, 0xf1, 1, 2, 3, 0xf1, 1, 2, 3, 0x01];
    expect(codeOf(() => decodeAtr(Uint8Array.from(bytes)))).toBe('too-long');
  });

  it('never throws anything but AtrError on random input, and accepts every well-formed ATR', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        try {
          const atr = decodeAtr(bytes);
          expect(atr.bytes.length).toBe(bytes.length);
          expect(atr.bytes.length).toBeLessThanOrEqual(MAX_ATR_LENGTH);
        } catch (e) {
          expect(e).toBeInstanceOf(AtrError);
        }
      }),
      { seed: 7, numRuns: 2000 },
    );
  });
});

describe('atrBytesNeeded', () => {
  it('grows as the structure bytes arrive and reaches 0 at the end', () => {
    const atr = withTck(h('3B 92 96 81 31 FE 45 80 01'));
    const needed = [];
    for (let n = 0; n <= atr.length; n++) needed.push(n + atrBytesNeeded(atr.subarray(0, n)));
    // lower bounds never exceed the real length and are exact once the last TD has arrived
    for (const total of needed) expect(total).toBeLessThanOrEqual(atr.length);
    expect(needed.at(-1)).toBe(atr.length);
    expect(atrBytesNeeded(atr)).toBe(0);
    expect(atrBytesNeeded(h('3B 02'))).toBe(2);
  });

  it('rejects a bad TS at once', () => {
    expect(codeOf(() => atrBytesNeeded(h('23')))).toBe('bad-ts');
  });
});
