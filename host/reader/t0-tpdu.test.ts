import { describe, expect, it } from 'vitest';
import { transmitT0 } from './t0-tpdu.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex').toUpperCase();

/** A card that answers 61 02, then the two bytes to GET RESPONSE; records every TPDU. */
function card() {
  const sent: string[] = [];
  const exchange = async (tpdu: Uint8Array): Promise<Uint8Array> => {
    sent.push(hex(tpdu));
    return tpdu[1] === 0xc0 ? Uint8Array.of(0xaa, 0xbb, 0x90, 0x00) : Uint8Array.of(0x61, 0x02);
  };
  return { sent, exchange };
}

describe('transmitT0: GET RESPONSE after 61xx', () => {
  it('uses the firmware’s class rule: channel and secure-messaging bits kept', async () => {
    for (const [cla, expected] of [
      [0x00, '00'],
      [0x0c, '0C'], // secure messaging: `cla & 0x03` dropped it
      [0x13, '03'], // chaining dropped, channel kept
      [0x45, '45'], // further interindustry, channel 9
      [0x80, '00'], // proprietary
    ] as const) {
      const c = card();
      const answer = await transmitT0(
        c.exchange,
        Uint8Array.of(cla, 0x88, 0x00, 0x00, 0x02, 0x11, 0x22, 0x00),
      );
      expect(hex(answer)).toBe('AABB9000');
      expect(c.sent[1]).toBe(`${expected}C0000002`);
    }
  });
});
