import { describe, expect, it } from 'vitest';
import { interindustryCla } from './t0-transport.ts';

describe('interindustryCla (GET RESPONSE / ENVELOPE class, ISO 7816-4 §5.4.1)', () => {
  it('keeps channel and secure-messaging bits of a first interindustry class, not chaining', () => {
    expect(interindustryCla(0x00)).toBe(0x00);
    expect(interindustryCla(0x03)).toBe(0x03); // channel 3
    expect(interindustryCla(0x0c)).toBe(0x0c); // secure messaging, header authenticated
    expect(interindustryCla(0x0b)).toBe(0x0b); // SM on channel 3
    expect(interindustryCla(0x10)).toBe(0x00); // command chaining
    expect(interindustryCla(0x1e)).toBe(0x0e);
  });

  it('keeps b7 and the channel of a further interindustry class, not SM or chaining', () => {
    expect(interindustryCla(0x40)).toBe(0x40);
    expect(interindustryCla(0x4f)).toBe(0x4f);
    expect(interindustryCla(0x65)).toBe(0x45);
    expect(interindustryCla(0x7f)).toBe(0x4f);
  });

  it('answers 00 for a proprietary class', () => {
    for (const cla of [0x80, 0x84, 0xa0, 0xfe]) expect(interindustryCla(cla)).toBe(0x00);
  });
});
