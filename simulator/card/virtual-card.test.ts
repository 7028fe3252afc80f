import { describe, expect, it } from 'vitest';
import {
  SSC_ATR,
  ScriptedOs,
  T0_TA1_13_ATR,
  answer,
  powerUp,
  t1Atr,
  transport,
  withTck,
} from './card-test-kit.ts';
import { CardProfileError } from './errors.ts';
import { FakeLinePort, bytesOf, hexBytes, hexOf } from './fake-line-port.ts';
import { VirtualCard } from './virtual-card.ts';
import { resolveCardSpec } from '../profiles/index.ts';

const HZ = 3_571_200;
const ETU = (372 / HZ) * 1e9;

function inserted(profile = transport(), os = new ScriptedOs()) {
  const port = new FakeLinePort(HZ);
  const card = new VirtualCard(profile, os);
  card.attach(port);
  card.clock(HZ);
  return { port, card, os };
}

describe('activation and ATR', () => {
  it('sends the ATR atrDelayClocks card clocks after RST goes high', () => {
    const { port, card } = inserted(transport({ atrDelayClocks: 12_345 }));
    card.vcc(1);
    port.advance(500_000);
    card.rst(true);
    const rstAt = port.now();
    port.run();
    const sent = port.take();
    expect(hexOf(bytesOf(sent))).toBe(SSC_ATR);
    expect(sent[0].at).toBeCloseTo(rstAt + (12_345 / HZ) * 1e9, 3);
    expect(card.lastReset).toBe('cold');
    expect(card.state).toBe('negotiable');
  });

  it('counts clock cycles, not time: a clock change during the wait moves the ATR', () => {
    const { port, card } = inserted(transport({ atrDelayClocks: 20_000 }));
    card.vcc(1);
    card.rst(true);
    const start = port.now();
    port.advance((10_000 / HZ) * 1e9); // half the clocks at 3.5712 MHz
    port.setClock(card, 0); // clock stopped for 1 ms: no clocks counted
    port.advance(1_000_000);
    port.setClock(card, 2 * HZ); // the other half at twice the rate
    port.run();
    const expected = start + (10_000 / HZ) * 1e9 + 1_000_000 + (10_000 / (2 * HZ)) * 1e9;
    expect(port.take()[0].at).toBeCloseTo(expected, 3);
  });

  it('answers a warm reset with the ATR again and resets the operating system', () => {
    const os = new ScriptedOs();
    const { card, port } = powerUp(transport({ atrDelayClocks: 400 }), os);
    expect(card.lastReset).toBe('cold');
    expect(os.resets).toBe(1);
    card.rst(false);
    port.advance(1_000_000);
    card.rst(true);
    const at = port.now();
    port.run();
    const sent = port.take();
    expect(hexOf(bytesOf(sent))).toBe(SSC_ATR);
    expect(sent[0].at).toBeCloseTo(at + (400 / HZ) * 1e9, 3);
    expect(card.lastReset).toBe('warm');
    expect(os.resets).toBe(2);
  });

  it('after power-off and on, the next reset is cold again', () => {
    const { card, port } = powerUp(transport());
    card.rst(false);
    card.vcc(0);
    port.advance(10_000_000);
    card.vcc(1);
    port.advance(1_000_000);
    card.rst(true);
    port.run();
    expect(port.take()).toHaveLength(17);
    expect(card.lastReset).toBe('cold');
  });

  it('stays mute at a voltage class the profile does not list, answers at one it does', () => {
    const { port, card } = inserted(transport({ classes: ['A'] }));
    card.vcc(3); // class C
    port.advance(1_000_000);
    card.rst(true);
    port.run();
    expect(port.take()).toEqual([]);
    expect(card.state).toBe('mute');
    card.rst(false);
    card.vcc(0);
    card.vcc(2); // class B: still not supported
    card.rst(true);
    port.run();
    expect(port.take()).toEqual([]);
    card.rst(false);
    card.vcc(0);
    card.vcc(1); // class A
    port.advance(1_000_000);
    card.rst(true);
    port.run();
    expect(hexOf(bytesOf(port.take()))).toBe(SSC_ATR);
  });

  it('does not answer a rising RST without a falling edge, nor before VCC', () => {
    const { port, card } = inserted();
    card.rst(true); // VCC still off
    port.run();
    card.vcc(1); // RST already high: no rising edge with VCC on
    port.run();
    expect(port.take()).toEqual([]);
    card.rst(false);
    card.rst(true);
    port.run();
    expect(port.take()).toHaveLength(17);
  });

  it('RST low in the middle of the ATR stops the card at once', () => {
    const { port, card } = inserted(transport({ atrDelayClocks: 400 }));
    card.vcc(1);
    card.rst(true);
    port.advance((400 / HZ) * 1e9 + 5 * 12 * ETU + 1); // 6 characters on the line
    card.rst(false);
    port.run();
    expect(port.take()).toHaveLength(6);
    expect(port.flushes).toBeGreaterThan(0);
    expect(card.scheduledEvents).toBe(0);
    expect(port.pendingEvents).toBe(0);
  });

  it('a pull while a command is processed leaves nothing scheduled and sends nothing more', () => {
    const os = new ScriptedOs();
    os.answer = () => answer('90 00', 800_000);
    const { card, port } = powerUp(transport(), os);
    port.readerSends(card, hexBytes('00 A4 00 00 02'));
    port.run();
    expect(bytesOf(port.take())).toEqual([0xa4]); // ACK
    port.readerSends(card, hexBytes('3F 00'));
    port.advance(100_000_000);
    card.detach();
    port.run();
    expect(port.take()).toEqual([]);
    expect(card.scheduledEvents).toBe(0);
    expect(port.pendingEvents).toBe(0);
    expect(card.state).toBe('detached');
  });

  it('inverse convention: sets the inverse frame before the ATR and sends logical bytes', () => {
    const atr = '3F 12 13 4B 52';
    const { port, atr: sent } = powerUp(transport({ atr }));
    expect(hexOf(sent)).toBe(atr);
    expect(port.uartLog[0].setting.inverse).toBe(true);
    expect(port.uart.inverse).toBe(true);
  });

  it('direct convention: the frame is direct, F = 372, D = 1', () => {
    const { port } = powerUp(transport());
    expect(port.uartLog[0].setting).toEqual({ f: 372, d: 1, n: 0, inverse: false, t1: false });
  });
});

describe('PPS', () => {
  it('accepts: echoes at the old rate, then runs at the new Fi/Di', () => {
    const { card, port } = powerUp(transport({ atr: T0_TA1_13_ATR }));
    const echo = port.exchange(card, hexBytes('FF 10 13 FC'));
    expect(hexOf(bytesOf(echo))).toBe('FF 10 13 FC');
    expect(echo.every((c) => c.uart.f === 372 && c.uart.d === 1)).toBe(true);
    expect(port.uart).toMatchObject({ f: 372, d: 4, t1: false });
    expect(card.state).toBe('session');
    // A T=0 command at D = 4.
    const reply = port.exchange(card, hexBytes('00 B0 00 00 00'));
    expect(bytesOf(reply)).toEqual([0x90, 0x00]);
    expect(reply[0].uart.d).toBe(4);
  });

  it('accepts a request without PPS1 (Fd, Dd kept)', () => {
    const { card, port } = powerUp(transport({ atr: T0_TA1_13_ATR }));
    expect(hexOf(bytesOf(port.exchange(card, hexBytes('FF 00 FF'))))).toBe('FF 00 FF');
    expect(port.uart).toMatchObject({ f: 372, d: 1 });
  });

  it('accepts PPS1 = 11 (the defaults) even when TA1 offers more', () => {
    const { card, port } = powerUp(transport({ atr: T0_TA1_13_ATR }));
    expect(hexOf(bytesOf(port.exchange(card, hexBytes('FF 10 11 FE'))))).toBe('FF 10 11 FE');
    expect(port.uart).toMatchObject({ f: 372, d: 1 });
  });

  it('leaves PPS2 out of the echo', () => {
    const { card, port } = powerUp(transport({ atr: T0_TA1_13_ATR }));
    expect(hexOf(bytesOf(port.exchange(card, hexBytes('FF 30 13 00 DC'))))).toBe('FF 10 13 FC');
  });

  it('selects T=1 on a card that offers T=0 and T=1', () => {
    // TD1 = 80 (T=0, TD2 follows), TD2 = 01 (T=1).
    const atr = withTck('3B 91 13 80 01 4B');
    const { card, port } = powerUp(transport({ atr }));
    expect(hexOf(bytesOf(port.exchange(card, hexBytes('FF 11 13 FD'))))).toBe('FF 11 13 FD');
    expect(card.protocol).toBe(1);
    expect(port.uart).toMatchObject({ d: 4, t1: true });
  });

  it.each([
    ['an Fi/Di the card does not offer', 'FF 10 96 79'],
    ['a wrong PCK', 'FF 10 13 FD'],
    ['a protocol the ATR does not offer', 'FF 01 FE'],
    ['PPS0 b8 set', 'FF 80 7F'],
  ])('refuses %s silently and stays silent until reset', (_what, request) => {
    const { card, port } = powerUp(transport({ atr: T0_TA1_13_ATR }));
    expect(port.exchange(card, hexBytes(request))).toEqual([]);
    expect(card.state).toBe('silent');
    expect(port.exchange(card, hexBytes('00 B0 00 00 00'))).toEqual([]);
    card.rst(false);
    card.rst(true);
    port.run();
    expect(hexOf(bytesOf(port.take()))).toBe(T0_TA1_13_ATR);
  });

  it('profile refuse-silent: never answers a PPS', () => {
    const { card, port } = powerUp(transport({ atr: T0_TA1_13_ATR, pps: 'refuse-silent' }));
    expect(port.exchange(card, hexBytes('FF 10 13 FC'))).toEqual([]);
    expect(port.uart).toMatchObject({ f: 372, d: 1 });
  });

  it('profile answer-wrong: answers with a broken PCK and keeps the old rate', () => {
    const { card, port } = powerUp(transport({ atr: T0_TA1_13_ATR, pps: 'answer-wrong' }));
    const reply = bytesOf(port.exchange(card, hexBytes('FF 10 13 FC')));
    expect(hexOf(reply)).toBe('FF 10 13 03');
    expect(port.uart).toMatchObject({ f: 372, d: 1 });
    expect(card.state).toBe('silent');
  });

  it('specific mode (TA2): no PPS, TA1 rate at once', () => {
    // T0 = 91: TA1, TD1, one historical byte; TD1 = 10: TA2 only, T=0; TA2 = 00: specific mode, T=0.
    const atr = '3B 91 13 10 00 4B';
    const { card, port } = powerUp(transport({ atr }));
    expect(port.uart).toMatchObject({ f: 372, d: 4 });
    expect(port.exchange(card, hexBytes('FF 10 13 FC'))).toEqual([]);
  });

  it('the first byte not FF starts the default protocol at Fd/Dd', () => {
    const { card, port } = powerUp(transport({ atr: T0_TA1_13_ATR }));
    expect(bytesOf(port.exchange(card, hexBytes('00 B0 00 00 00')))).toEqual([0x90, 0x00]);
    expect(card.protocol).toBe(0);
    expect(port.uart).toMatchObject({ f: 372, d: 1 });
  });

  it('a T=0 parity error in the request is repeated by the reader and ignored by the card', () => {
    const { card, port } = powerUp(transport({ atr: T0_TA1_13_ATR }));
    // The line corrupts the 2nd character; the reader repeats it.
    const echo = port.exchange(card, hexBytes('FF 10 10 13 FC'), { parityErrors: [1] });
    expect(hexOf(bytesOf(echo))).toBe('FF 10 13 FC');
  });

  it('a T=1 card ignores nothing: a corrupt PPS character means no answer', () => {
    const { card, port } = powerUp(transport({ atr: t1Atr() }));
    expect(port.exchange(card, hexBytes('FF 11 96 78'), { parityErrors: [2] })).toEqual([]);
  });
});

describe('profiles', () => {
  it.each([
    ['not hex', { atr: '3B 6D 0' }],
    ['a bad TCK', { atr: '3B 80 01 00' }],
    ['a truncated ATR', { atr: '3B 6D 00 00' }],
    ['a protocol the card cannot speak', { atr: withTck('3B 80 0E') }],
    ['IFSC 0', { atr: t1Atr({ ifsc: 0 }) }],
    ['an RFU TA1', { atr: '3B 10 7F' }],
    ['no voltage class', { classes: [] }],
    ['an unknown class', { classes: ['D' as 'A'] }],
    ['a negative processing time', { processingUs: -1 }],
    ['a NaN ATR delay', { atrDelayClocks: Number.NaN }],
    ['a NULL interval shorter than a character', { t0NullIntervalEtu: 5 }],
    ['a bad per-INS key', { processingUsByIns: { XY: 1 } }],
    ['an unknown PPS behaviour', { pps: 'maybe' as 'accept' }],
  ])('rejects a profile with %s', (_what, overrides) => {
    expect(() => new VirtualCard(transport(overrides), new ScriptedOs())).toThrow(CardProfileError);
  });

  /** The `atr:<hex>` card of simulator/profiles in a VirtualCard. */
  function atrCard(hex: string) {
    const { transport: t, os } = resolveCardSpec(`atr:${hex}`);
    const port = new FakeLinePort(HZ);
    const card = new VirtualCard(t, os);
    card.attach(port);
    card.clock(HZ);
    card.vcc(2);
    card.rst(true);
    port.run();
    return { card, port, atr: hexOf(bytesOf(port.take())) };
  }

  it('atr:<hex> card: the exact ATR, T=0, 90 00 to everything', () => {
    const { card, port, atr } = atrCard('3B021450');
    expect(atr).toBe('3B 02 14 50');
    expect(bytesOf(port.exchange(card, hexBytes('00 B0 00 00 10')))).toEqual([0x90, 0x00]);
    expect(bytesOf(port.exchange(card, hexBytes('00 A4 04 00 02')))).toEqual([0xa4]);
    expect(bytesOf(port.exchange(card, hexBytes('3F 00')))).toEqual([0x90, 0x00]);
  });

  it('atr:<hex> card: T=1 when the ATR says so', () => {
    const { card, port, atr } = atrCard(t1Atr().replace(/ /g, ''));
    expect(atr).toBe(t1Atr());
    const reply = port.exchange(card, hexBytes('00 00 04 00 A4 04 00 A4'), { gapEtu: 22 });
    expect(hexOf(bytesOf(reply))).toBe('00 00 02 90 00 92');
    expect(card.protocol).toBe(1);
  });

  it('an ATR whose protocol the card cannot speak is a typed profile error', () => {
    const { transport: t, os } = resolveCardSpec(`atr:${withTck('3B 80 0E').replace(/ /g, '')}`);
    expect(() => new VirtualCard(t, os)).toThrow(CardProfileError);
  });

  it('a line that cannot carry the negotiated frame: the card falls silent, never throws', () => {
    const port = new FakeLinePort(HZ);
    port.setUart = () => {
      throw new Error('F/D below what the reader hardware supports');
    };
    const card = new VirtualCard(transport(), new ScriptedOs());
    card.attach(port);
    card.clock(HZ);
    card.vcc(1);
    card.rst(true);
    port.run();
    expect(card.state).toBe('silent');
    expect(() => port.exchange(card, hexBytes('00 B0 00 00 00'))).not.toThrow();
  });
});
