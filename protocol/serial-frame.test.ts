import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from './bytes.ts';
import { encodeFrame, encodeNak, encodeSlotChangeByte, lrc, shortEcho } from './serial-frame.ts';
import { NAK_LRC, SYNC, CTRL_NAK } from './serial-constants.ts';

describe('serial framing encoder', () => {
  it('frames a message with SYNC ACK and the LRC of ccid-over-serial.md §11.1', () => {
    const frame = encodeFrame(fromHex('65 00 00 00 00 00 02 00 00 00'));
    expect(toHex(frame)).toBe('03 06 65 00 00 00 00 00 02 00 00 00 62');
    expect(lrc(frame)).toBe(0);
  });

  it('NAK is 03 15 16 and its LRC constant is SYNC ^ NAK', () => {
    expect(toHex(encodeNak())).toBe('03 15 16');
    expect(NAK_LRC).toBe(SYNC ^ CTRL_NAK);
  });

  it('slot change pair and short echo (§10.5)', () => {
    expect(toHex(encodeSlotChangeByte(0x03))).toBe('50 03');
    expect(() => encodeSlotChangeByte(0x100)).toThrow(/state/);
    // the LCD-strings Escape of §10.4 (165 data bytes) echoes as a bare header
    const escape = new Uint8Array(175);
    escape.set(fromHex('6B A5 00 00 00 00 07 00 00 00 B2 A0 00 4D 4C'));
    expect(toHex(encodeFrame(shortEcho(escape)))).toBe('03 06 6B 00 00 00 00 00 07 00 00 00 69');
    expect(() => shortEcho(new Uint8Array(9))).toThrow(/header/);
  });
});
