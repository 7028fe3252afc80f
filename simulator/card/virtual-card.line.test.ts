// The virtual card in the real card line (simulator/line): bits on the wire, the line's own
// turnaround and guard times, T=0 character repetition. Checks that the card's assumptions about
// CardLinePort (setUart applies after queued characters, receive after the frame) hold there.

import { describe, expect, it } from 'vitest';
import { RxStatus, VoltageClass } from '../../firmware/hal.ts';
import { Prng } from '../engine/prng.ts';
import { VirtualClock } from '../engine/virtual-clock.ts';
import { CardLine } from '../line/card-line.ts';
import { resolveCardSpec } from '../profiles/index.ts';
import { SSC_ATR, ScriptedOs, T0_TA1_13_ATR, answer, t1Atr, transport } from './card-test-kit.ts';
import type { ApduProcessor, CardTransportProfile, CardUartSetting } from './contract.ts';
import { hexBytes, hexOf } from './fake-line-port.ts';
import { computeEdc } from './t1-edc.ts';
import { VirtualCard } from './virtual-card.ts';

const HZ = 3_571_200;
const ETU = (372 / HZ) * 1e9;

function rig(profile: CardTransportProfile, os: ApduProcessor = new ScriptedOs(), seed = 1) {
  const clock = new VirtualClock();
  const rx: { t: number; byte: number; status: RxStatus }[] = [];
  const line = new CardLine(clock, 0, new Prng(seed), {
    rx: (byte, status) => rx.push({ t: clock.now(), byte, status }),
    timeout: () => {},
    presence: () => {},
  });
  const card = new VirtualCard(profile, os);
  line.insert(card);
  line.clockHz(HZ);
  line.power(VoltageClass.A);
  clock.runSync(1_000_000);
  line.reset(true);
  const rstAt = clock.now();
  clock.runSync(50_000_000);
  const take = (): string => {
    const out = hexOf(rx.map((r) => r.byte));
    rx.length = 0;
    return out;
  };
  const send = (hex: string | Uint8Array, ms = 50): string => {
    line.send(typeof hex === 'string' ? hexBytes(hex) : hex);
    clock.runSync(ms * 1_000_000);
    return take();
  };
  const uart = (s: Partial<CardUartSetting>): void =>
    line.uart({ f: 372, d: 1, n: 0, inverse: false, t1: false, ...s });
  return { clock, line, card, os, rx, rstAt, take, send, uart };
}

function lrcBlock(hex: string): Uint8Array {
  const body = hexBytes(hex);
  return Uint8Array.from([...body, ...computeEdc('lrc', body)]);
}

describe('VirtualCard in the card line', () => {
  it('the reader receives the ATR atrDelayClocks after RST, then a T=0 case 4 with GET RESPONSE', () => {
    const os = new ScriptedOs();
    os.answer = (c) => (c[1] === 0x88 ? answer('01 02 03 04 05 06 07 08 90 00') : answer('90 00'));
    const r = rig(transport({ atrDelayClocks: 20_000 }), os);
    const atrRx = [...r.rx];
    expect(r.take()).toBe(SSC_ATR);
    // rx comes after the 10-etu frame of the first character.
    expect(atrRx[0].t - r.rstAt).toBeCloseTo((20_000 / HZ) * 1e9 + 10 * ETU, 0);
    expect(r.send('00 88 00 00 02')).toBe('88');
    expect(r.send('11 22')).toBe('61 08');
    expect(r.send('00 C0 00 00 08')).toBe('C0 01 02 03 04 05 06 07 08 90 00');
  });

  it('PPS: the echo at 372/1, then the card at 372/4 like the reader', () => {
    const r = rig(transport({ atr: T0_TA1_13_ATR }));
    r.take();
    expect(r.send('FF 10 13 FC')).toBe('FF 10 13 FC');
    r.uart({ d: 4 });
    expect(r.send('00 B0 00 00 00')).toBe('90 00');
    expect(r.rx.every((x) => x.status === RxStatus.Ok)).toBe(true);
  });

  it('inverse convention: a reader in the inverse frame reads 3F …', () => {
    const clock = new VirtualClock();
    const rx: number[] = [];
    const line = new CardLine(clock, 0, new Prng(3), {
      rx: (byte) => rx.push(byte),
      timeout: () => {},
      presence: () => {},
    });
    line.insert(new VirtualCard(transport({ atr: '3F 12 13 4B 52' }), new ScriptedOs()));
    line.uart({ f: 372, d: 1, n: 0, inverse: true, t1: false });
    line.clockHz(HZ);
    line.power(VoltageClass.B);
    clock.runSync(1_000_000);
    line.reset(true);
    clock.runSync(50_000_000);
    expect(hexOf(rx)).toBe('3F 12 13 4B 52');
  });

  it('T=0 with line parity errors: repetition keeps every exchange intact', () => {
    const os = new ScriptedOs();
    os.answer = (c) => (c[1] === 0xb0 ? answer('11 22 33 44 90 00') : answer('90 00'));
    const r = rig(transport(), os, 7);
    r.take();
    r.line.setFaults({ parityErrorRate: 0.1 });
    for (let i = 0; i < 20; i++) {
      expect(r.send('00 B0 00 00 04', 100)).toBe('B0 11 22 33 44 90 00');
    }
    expect(os.commands.every((c) => hexOf(c) === '00 B0 00 00 04')).toBe(true);
  });

  it('T=1 after PPS to TA1 = 96, with chaining of the response, at 16 clocks per etu', () => {
    const os = new ScriptedOs();
    os.answer = () => ({
      response: Uint8Array.from([...new Uint8Array(40).fill(0x5a), 0x90, 0x00]),
      processingUs: 0,
    });
    const r = rig(transport({ atr: t1Atr() }), os);
    r.take();
    expect(r.send('FF 11 96 78')).toBe('FF 11 96 78');
    r.uart({ f: 512, d: 32, t1: true });
    const first = r.send(lrcBlock('00 00 05 80 CA 00 00 00'));
    expect(first).toBe(hexOf(lrcBlock(`00 20 20 ${'5A '.repeat(32)}`)));
    const second = r.send(lrcBlock('00 90 00'));
    expect(second).toBe(hexOf(lrcBlock(`00 40 0A ${'5A '.repeat(8)} 90 00`)));
  });

  it('a pull in the middle of a response stops the card on the wire', () => {
    const os = new ScriptedOs();
    os.answer = () => answer('90 00', 5_000);
    const r = rig(transport(), os);
    r.take();
    r.line.send(hexBytes('00 B0 00 00 00'));
    r.clock.runSync(7_000_000);
    r.line.pull();
    r.clock.runSync(100_000_000);
    expect(r.card.state).toBe('detached');
    expect(r.card.scheduledEvents).toBe(0);
    expect(r.take()).toBe('');
  });

  it('the ssc3 profile of simulator/profiles answers SELECT SSSE through the line', () => {
    const { transport: t, os } = resolveCardSpec('ssc3');
    const r = rig(t, os);
    expect(r.take().startsWith('3B 6')).toBe(true);
    // SELECT by name, case 4 over T=0: ACK, data, then 61xx and GET RESPONSE for the FCI.
    expect(r.send('00 A4 04 00 0F')).toBe('A4');
    const sw = r.send('73 78 31 2E 73 68 2E C9 E7 BB E1 B1 A3 D5 CF', 200);
    expect(sw.startsWith('61')).toBe(true);
    const len = sw.split(' ')[1];
    const fci = r.send(`00 C0 00 00 ${len}`, 200);
    expect(fci.startsWith('C0 6F')).toBe(true);
    expect(fci.endsWith('90 00')).toBe(true);
  });
});
