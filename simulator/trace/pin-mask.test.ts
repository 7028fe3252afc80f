import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ApduMasker, T0StreamMasker, T1StreamMasker, isPinCommand } from './pin-mask.ts';
import { CcidStreamMasker } from './ccid-mask.ts';

const hex = (s: string) =>
  s
    .split(' ')
    .filter(Boolean)
    .map((b) => parseInt(b, 16));

/** Which bytes of `bytes` a fresh ApduMasker masks. */
function apduMask(bytes: number[]): boolean[] {
  const m = new ApduMasker();
  return bytes.map((b) => m.feed(b));
}

function lrc(bytes: number[]): number {
  return bytes.reduce((a, b) => a ^ b, 0);
}

describe('PIN commands', () => {
  it('are VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER and the SSC CHANGE PIN', () => {
    expect(isPinCommand(0x00, 0x20)).toBe(true);
    expect(isPinCommand(0x00, 0x24)).toBe(true);
    expect(isPinCommand(0x84, 0x24)).toBe(true);
    expect(isPinCommand(0x00, 0x2c)).toBe(true);
    expect(isPinCommand(0x80, 0x5e)).toBe(true);
    expect(isPinCommand(0x00, 0x5e)).toBe(false);
    expect(isPinCommand(0x00, 0xb0)).toBe(false);
  });

  it('mask exactly the data field of a short or extended APDU', () => {
    expect(apduMask(hex('00 20 00 00 03 12 34 56'))).toEqual([
      ...[false, false, false, false, false],
      ...[true, true, true],
    ]);
    expect(apduMask(hex('00 20 00 00 02 12 34 00'))).toEqual([
      ...[false, false, false, false, false],
      ...[true, true, false],
    ]);
    expect(apduMask(hex('00 20 00 00 00 00 02 12 34'))).toEqual([
      ...[false, false, false, false, false, false, false],
      ...[true, true],
    ]);
    expect(apduMask(hex('00 A4 00 00 02 3F 00')).some(Boolean)).toBe(false);
  });
});

describe('T0StreamMasker', () => {
  it('masks VERIFY data sent after the INS procedure byte and one byte at a time', () => {
    const m = new T0StreamMasker();
    // ATR, PPS: nothing masked
    m.fromCard(0x3b);
    expect(hex('FF 10 96 79').map((b) => m.fromReader(b))).toEqual([false, false, false, false]);
    m.fromCard(0xff);
    const header = hex('00 20 00 00 03').map((b) => m.fromReader(b));
    expect(header.some(Boolean)).toBe(false);
    m.fromCard(0x60); // NULL
    m.fromCard(0xdf); // ~INS: one byte
    expect(m.fromReader(0x12)).toBe(true);
    m.fromCard(0x20); // INS: the rest
    expect([0x34, 0x56].map((b) => m.fromReader(b))).toEqual([true, true]);
    m.fromCard(0x90);
    m.fromCard(0x00);
    // Next command: SELECT, data not masked
    expect(
      hex('00 A4 00 00 02')
        .map((b) => m.fromReader(b))
        .some(Boolean),
    ).toBe(false);
    m.fromCard(0xa4);
    expect([0x3f, 0x00].map((b) => m.fromReader(b))).toEqual([false, false]);
  });

  it('follows case-2 data from the card before the next header', () => {
    const m = new T0StreamMasker();
    hex('00 B0 00 00 02').forEach((b) => m.fromReader(b));
    m.fromCard(0xb0);
    m.fromCard(0x20);
    m.fromCard(0x24);
    m.fromCard(0x90);
    m.fromCard(0x00);
    expect(
      hex('80 5E 00 00 02')
        .map((b) => m.fromReader(b))
        .some(Boolean),
    ).toBe(false);
    m.fromCard(0x5e);
    expect([0x11, 0x22].map((b) => m.fromReader(b))).toEqual([true, true]);
  });
});

describe('T1StreamMasker', () => {
  it('masks the APDU data and the EDC of a VERIFY I-block, and its retransmission', () => {
    const m = new T1StreamMasker();
    const inf = hex('00 20 00 01 03 12 34 56');
    const block = [0x00, 0x00, inf.length, ...inf];
    block.push(lrc(block));
    const expected = [false, false, false, ...apduMask(inf), true];
    expect(block.map((b) => m.fromReader(b))).toEqual(expected);
    m.fromCard(); // R-block asking for a retransmission
    expect(block.map((b) => m.fromReader(b))).toEqual(expected);
    m.fromCard();
    // The next command (N(S) = 1) is a READ BINARY: nothing masked.
    const rb = [0x00, 0x40, 0x05, ...hex('00 B0 00 00 00')];
    rb.push(lrc(rb));
    expect(rb.map((b) => m.fromReader(b)).some(Boolean)).toBe(false);
  });

  it('masks every continuation block of a chained PIN command', () => {
    const m = new T1StreamMasker();
    const first = [0x00, 0x20, 0x06, ...hex('80 5E 00 00 08 11')];
    first.push(lrc(first));
    expect(first.map((b) => m.fromReader(b))).toEqual([
      ...[false, false, false, false, false, false, false, false, true],
      true,
    ]);
    m.fromCard();
    const second = [0x00, 0x40, 0x07, ...hex('22 33 44 55 66 77 88')];
    second.push(lrc(second));
    expect(second.map((b) => m.fromReader(b))).toEqual([
      false,
      false,
      false,
      ...Array(8).fill(true),
    ]);
    m.fromCard();
    const next = [0x00, 0x00, 0x05, ...hex('00 B0 00 00 00')];
    next.push(lrc(next));
    expect(next.map((b) => m.fromReader(b)).some(Boolean)).toBe(false);
  });
});

describe('CcidStreamMasker', () => {
  function frame(type: number, data: number[]): number[] {
    const msg = [type, data.length & 0xff, data.length >> 8, 0, 0, 0, 7, 0, 0, 0, ...data];
    const f = [0x03, 0x06, ...msg];
    f.push(lrc(f));
    return f;
  }

  it('masks the data of a VERIFY XfrBlock and its LRC, in any chunking, never other frames', () => {
    const verify = frame(0x6f, hex('00 20 00 01 06 31 32 33 34 35 36'));
    const select = frame(0x6f, hex('00 A4 04 00 02 3F 00'));
    const power = frame(0x62, []);
    const stream = [...power, 0x50, 0x03, ...select, 0x80, ...verify];
    const m = new CcidStreamMasker();
    const masked = stream.map((b) => m.feed(b));
    const verifyAt = stream.length - verify.length;
    stream.forEach((_, i) => {
      const inVerifyData = i >= verifyAt + 12 + 5 && i < stream.length - 1;
      const isVerifyLrc = i === stream.length - 1;
      expect(masked[i]).toBe(inVerifyData || isVerifyLrc);
    });
  });

  it('never throws and stays bounded on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
        const m = new CcidStreamMasker();
        for (const b of bytes) m.feed(b);
      }),
    );
  });
});
