// PPS (ISO 7816-3 §9): the reader's own at APDU level (fastest Fi/Di offered and runnable,
// reset and defaults when refused), the host's at TPDU level (libccid sends FF … in an XfrBlock
// right after the ATR), and WWT after a PPS that changed D (osmo 066489d).
import { describe, expect, it } from 'vitest';
import { CcidError } from '../../../protocol/ccid-constants.ts';
import { UartFlag } from '../../hal.ts';
import { Rig } from './rig.ts';
import { ScriptCard } from './script-card.ts';
import { T0Card } from './t0-card.ts';
import { T1Card, block } from './t1-card.ts';
import { T0_FAST_ATR, t1Atr } from './atrs.ts';
import type { CardModel } from './card-line.ts';

const readBinary = [0x00, 0xb0, 0x00, 0x00, 0x04];
const app = () => ({ data: [1, 2, 3, 4], sw: 0x9000 });

async function rigWith(card: CardModel) {
  const rig = await Rig.create();
  rig.insert(0, card);
  return rig;
}

describe('PPS by the reader (APDU level)', () => {
  it('TA1 = 13: FF 10 13 FC, the UART follows, and WWT becomes 960 · 10 · 4 = 38 400 etu', async () => {
    const card = new T0Card({ atr: T0_FAST_ATR, app, pps: 'accept' });
    const rig = await rigWith(card);
    const done = rig.powerOn(0, 1, true);
    expect(done.error).toBe(0);
    expect(card.ppsSeen).toEqual([0xff, 0x10, 0x13, 0xfc]);
    expect(rig.callsOf('card_uart', 0).at(-1)!.args.slice(1, 3)).toEqual([372, 4]);
    expect(rig.getParameters(0).data).toEqual([0x13, 0x00, 0x00, 0x0a, 0x00]);
    const r = rig.transmit(0, readBinary, true);
    expect(r.data).toEqual([1, 2, 3, 4, 0x90, 0x00]);
    const header = rig.callsOf('card_send', 0).find((c) => c.data?.[1] === 0xb0)!;
    const wait = rig.calls[rig.calls.indexOf(header) + 1];
    expect([wait.name, wait.args[1]]).toEqual(['card_wait', 38400]);
    // The clock stays where the activation put it.
    expect(rig.callsOf('card_clock', 0).map((c) => c.args[1])).toEqual([5000]);
  });

  it('a card silent to the PPS: reset, then on at Fd/Dd without a second PPS', async () => {
    const card = new T0Card({ atr: T0_FAST_ATR, app, pps: 'silent' });
    const rig = await rigWith(card);
    const done = rig.powerOn(0, 1, true);
    expect(done.error).toBe(0);
    expect(card.resets).toEqual([false, true]);
    expect(rig.getParameters(0).data[0]).toBe(0x11);
    const pps = rig.callsOf('card_send', 0).filter((c) => c.data?.[0] === 0xff);
    expect(pps).toHaveLength(1);
    // The PPS waited the initial waiting time, 9600 etu.
    expect(rig.calls[rig.calls.indexOf(pps[0]) + 1].args[1]).toBe(9600);
    expect(rig.transmit(0, readBinary, true).data).toEqual([1, 2, 3, 4, 0x90, 0x00]);
  });

  it('a wrong PPS answer: reset, then on at Fd/Dd', async () => {
    const card = new T0Card({ atr: T0_FAST_ATR, app, pps: 'wrong' });
    const rig = await rigWith(card);
    expect(rig.powerOn(0, 1, true).error).toBe(0);
    expect(card.resets).toEqual([false, true]);
    expect(rig.getParameters(0).data[0]).toBe(0x11);
    expect(rig.transmit(0, readBinary, true).data).toEqual([1, 2, 3, 4, 0x90, 0x00]);
  });

  it('a byte trailing a whole ATR is no PPS answer: the PPS goes on, no reset during the request', async () => {
    // Found by the ATR fuzz (host/reader/card-power.fuzz.test.ts): the stray byte came while the
    // request was still queued; the reader took it for a wrong answer and reset the card warm
    // with the request going out while RST was low.
    const card = new ScriptCard({
      atr: [[...T0_FAST_ATR, 0x46]],
      steps: [
        { expect: [0xff, 0x10, 0x13, 0xfc] },
        { send: [0xff, 0x10, 0x13, 0xfc] },
        { rate: [372, 4] },
      ],
    });
    const rig = await rigWith(card);
    expect(rig.powerOn(0, 1, true).error).toBe(0);
    expect(card.resets).toHaveLength(1);
    expect(card.mismatches).toEqual([]);
    expect(rig.getParameters(0).data[0]).toBe(0x13);
  });

  it('stray bytes, then silence: the initial waiting time after the request, then the reset', async () => {
    const card = new T0Card({ atr: [...T0_FAST_ATR, 0x46, 0x47], app, pps: 'silent' });
    const rig = await rigWith(card);
    expect(rig.powerOn(0, 1, true).error).toBe(0);
    expect(card.resets).toEqual([false, true]);
    // Every request character went out before RST went low.
    const rstLow = rig
      .callsOf('card_reset', 0)
      .filter((c) => c.args[1] === 0)
      .at(-1)!.at;
    const sent = rig.lines[0].trace.filter((t) => t.from === 'reader' && t.at < rstLow);
    expect(sent.map((t) => t.byte).slice(0, 4)).toEqual([0xff, 0x10, 0x13, 0xfc]);
  });

  it('an answer without PPS1 keeps Fd/Dd (§9.3) with no reset', async () => {
    const card = new ScriptCard({
      atr: [T0_FAST_ATR],
      steps: [{ expect: [0xff, 0x10, 0x13, 0xfc] }, { send: [0xff, 0x00, 0xff] }],
    });
    const rig = await rigWith(card);
    expect(rig.powerOn(0, 1, true).error).toBe(0);
    expect(card.resets).toHaveLength(1);
    expect(rig.getParameters(0).data[0]).toBe(0x11);
  });

  it('Di the UART cannot run steps down: TA1 = 17 (372/64) proposes 16 (372/32)', async () => {
    const card = new T0Card({ atr: [0x3b, 0x10, 0x17], app, pps: 'accept' });
    const rig = await rigWith(card);
    expect(rig.powerOn(0, 1, true).error).toBe(0);
    expect(card.ppsSeen.slice(0, 3)).toEqual([0xff, 0x10, 0x16]);
  });

  it('Fi whose fmax is below the activation clock is not proposed (no clock change)', async () => {
    // TA1 = 03: Fi 372 with fmax 4 MHz. Class A runs 5 MHz: no PPS; class B runs 4 MHz: PPS.
    const atr = [0x3b, 0x10, 0x03];
    const a = new T0Card({ atr, app, pps: 'accept' });
    const rigA = await rigWith(a);
    expect(rigA.powerOn(0, 1, true).error).toBe(0);
    expect(a.ppsSeen).toEqual([]);
    const b = new T0Card({ atr, app, pps: 'accept' });
    const rigB = await rigWith(b);
    expect(rigB.powerOn(0, 2, true).error).toBe(0);
    expect(b.ppsSeen).toEqual([0xff, 0x10, 0x03, 0xec]);
  });

  it('T=1: PPS FF 11 96 78, then S(IFS request 254) as the first block at the new rate', async () => {
    const card = new T1Card({ atr: t1Atr(), app: () => [0x90, 0x00] });
    const rig = await rigWith(card);
    expect(rig.powerOn(0, 1, true).error).toBe(0);
    expect(rig.lines[0].bytes('reader').slice(0, 4)).toEqual([0xff, 0x11, 0x96, 0x78]);
    expect(card.log[0]).toEqual({ from: 'reader', block: [0x00, 0xc1, 0x01, 0xfe, 0x3e] });
    expect(card.ifsd).toBe(254);
    const uart = rig.callsOf('card_uart', 0).at(-1)!.args;
    expect(uart.slice(1, 3)).toEqual([512, 32]);
    expect(uart[4] & UartFlag.T1).toBe(UartFlag.T1);
    expect(rig.getParameters(0)).toEqual({
      protocol: 1,
      data: [0x96, 0x10, 0x00, 0x45, 0x00, 0xfe, 0x00],
    });
  });
});

describe('PPS by the host (TPDU level, libccid)', () => {
  it('FF 11 96 78 goes to the card, its answer comes back, the UART follows', async () => {
    const card = new T1Card({ atr: t1Atr(), app: () => [0x90, 0x00] });
    const rig = await rigWith(card);
    expect(rig.powerOn(0, 1, false).error).toBe(0);
    expect(rig.lines[0].bytes('reader')).toEqual([]); // the reader negotiates nothing itself
    const pps = rig.transmit(0, [0xff, 0x11, 0x96, 0x78]);
    expect(pps).toMatchObject({ error: 0, data: [0xff, 0x11, 0x96, 0x78] });
    expect(rig.callsOf('card_uart', 0).at(-1)!.args.slice(1, 3)).toEqual([512, 32]);
    // SetParameters as libccid sends it, then one T=1 block per XfrBlock.
    expect(rig.setParameters(0, 1, [0x96, 0x10, 0x00, 0x45, 0x00, 0xfe, 0x00])).toBe(0);
    const ifs = rig.transmit(0, [0x00, 0xc1, 0x01, 0xfe, 0x3e]);
    expect(ifs).toMatchObject({ error: 0, data: [0x00, 0xe1, 0x01, 0xfe, 0x1e] });
    const apdu = rig.transmit(0, block(0, 0x00, [0x00, 0xa4, 0x04, 0x00]));
    expect(apdu.data).toEqual(block(0, 0x00, [0x90, 0x00]));
  });

  it('a silent card: ICC_MUTE, and the UART stays at Fd/Dd', async () => {
    const card = new T1Card({ atr: t1Atr(), app: () => [0x90, 0x00], pps: 'silent' });
    const rig = await rigWith(card);
    expect(rig.powerOn(0, 1).error).toBe(0);
    expect(rig.transmit(0, [0xff, 0x11, 0x96, 0x78]).error).toBe(CcidError.IccMute);
    expect(rig.callsOf('card_uart', 0).some((c) => c.args[1] === 512)).toBe(false);
  });

  it('FF after the first exchange is no PPS any more', async () => {
    const atr = [0x3b, 0x90, 0x13, 0x00]; // TA1 13, TD1 T=0: negotiable T=0, no TCK
    const card = new ScriptCard({
      atr: [atr],
      steps: [{ expect: [0x00, 0xa4, 0x00, 0x00, 0x00] }, { send: [0x90, 0x00] }],
    });
    const rig = await rigWith(card);
    expect(rig.powerOn(0, 1).error).toBe(0);
    expect(rig.transmit(0, [0x00, 0xa4, 0x00, 0x00, 0x00]).data).toEqual([0x90, 0x00]);
    expect(rig.transmit(0, [0xff, 0x10, 0x13, 0xfc]).error).toBe(CcidError.IccMute);
  });
});
