// The slot contract as the CCID layer uses it: independent slots, presence, Abort, busy and
// inactive slots, re-activation, clock stop, and no allocation after init.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CcidError, ClockStatus } from '../../../protocol/ccid-constants.ts';
import { heapBase } from '../wasm-sections.ts';
import { HARNESS_WASM } from './build-harness.ts';
import { Rig } from './rig.ts';
import { ScriptCard } from './script-card.ts';
import { T0Card } from './t0-card.ts';
import { T1Card } from './t1-card.ts';
import { SSC_ATR, t1Atr } from './atrs.ts';
import { withTck } from './card-line.ts';

const READ4 = [0x00, 0xb0, 0x00, 0x00, 0x04];
const SELECT = [0x00, 0xa4, 0x04, 0x00, 0x02, 0x3f, 0x00, 0x00];
const data4 = () => ({ data: [1, 2, 3, 4], sw: 0x9000 });

describe('slots', () => {
  it('a SAM exchange runs while the user card keeps the reader waiting with NULLs', async () => {
    const rig = await Rig.create();
    rig.insert(0, new T0Card({ atr: SSC_ATR, app: data4, nulls: 6, nullGapEtu: 9000 }));
    rig.insert(1, new T1Card({ atr: t1Atr(), app: () => [0x61, 0x08] }));
    expect(rig.powerOn(0, 1, true).error).toBe(0);
    expect(rig.powerOn(1, 1, true).error).toBe(0);
    rig.transmitAsync(0, READ4, true);
    const sam = rig.transmit(1, SELECT, true);
    expect(sam.data).toEqual([0x61, 0x08]);
    const user = rig.nextDone(0);
    expect(user.data).toEqual([1, 2, 3, 4, 0x90, 0x00]);
    expect(sam.at).toBeLessThan(user.at);
  });

  it('removal mid-exchange: ICC_MUTE, deactivation, presence reported, slot empty', async () => {
    const rig = await Rig.create();
    rig.insert(0, new T0Card({ atr: SSC_ATR, app: data4, nulls: 20, nullGapEtu: 5000 }));
    expect(rig.powerOn(0, 1, true).error).toBe(0);
    rig.transmitAsync(0, READ4, true);
    rig.runUntil(() => rig.lines[0].bytes('card').includes(0x60));
    rig.remove(0);
    const done = rig.nextDone(0);
    expect(done.error).toBe(CcidError.IccMute);
    expect(rig.callsOf('card_power', 0).at(-1)!.args[1]).toBe(0);
    expect(rig.presence).toContainEqual({ slot: 0, present: 0 });
    expect(rig.exports.icc_status(0)).toBe(2);
    rig.drain();
    expect(rig.done.filter((d) => d.slot === 0)).toHaveLength(2); // nothing after
  });

  it('insertion is reported; a card back in the slot powers up again', async () => {
    const rig = await Rig.create();
    rig.insert(0, new T0Card({ atr: SSC_ATR, app: data4 }));
    rig.drain();
    expect(rig.presence).toEqual([{ slot: 0, present: 1 }]);
    expect(rig.powerOn(0, 1, true).error).toBe(0);
    rig.remove(0);
    rig.drain();
    rig.insert(0, new T0Card({ atr: SSC_ATR, app: data4 }));
    expect(rig.powerOn(0, 1, true).error).toBe(0);
    expect(rig.transmit(0, READ4, true).data).toEqual([1, 2, 3, 4, 0x90, 0x00]);
  });

  it('Abort during a T=0 APDU: CMD_ABORTED at once, the card (mid-command) deactivated; powered again it works', async () => {
    const rig = await Rig.create();
    rig.insert(0, new T0Card({ atr: SSC_ATR, app: data4, nulls: 3, nullGapEtu: 5000 }));
    expect(rig.powerOn(0, 1, true).error).toBe(0);
    rig.transmitAsync(0, READ4, true);
    rig.runUntil(() => rig.lines[0].bytes('card').includes(0x60));
    rig.exports.abort(0);
    expect(rig.done.at(-1)!.error).toBe(CcidError.CmdAborted);
    // Its answer would otherwise be taken for the next command's.
    expect(rig.exports.icc_status(0)).toBe(1);
    expect(rig.callsOf('card_power', 0).at(-1)!.args[1]).toBe(0);
    rig.drain();
    expect(rig.done.filter((d) => d.slot === 0)).toHaveLength(2);
    expect(rig.powerOn(0, 1, true).error).toBe(0);
    expect(rig.transmit(0, READ4, true).data).toEqual([1, 2, 3, 4, 0x90, 0x00]);
  });

  it('Abort during T=1: the next APDU starts with RESYNCH', async () => {
    const rig = await Rig.create();
    const card = new T1Card({ atr: t1Atr(), app: () => [0x90, 0x00], workEtu: 100000 });
    rig.insert(0, card);
    expect(rig.powerOn(0, 1, true).error).toBe(0);
    rig.transmitAsync(0, SELECT, true);
    rig.exports.abort(0);
    expect(rig.done.at(-1)!.error).toBe(CcidError.CmdAborted);
    rig.drain();
    expect(rig.transmit(0, SELECT, true).data).toEqual([0x90, 0x00]);
    const pcbs = card.log.filter((e) => e.from === 'reader').map((e) => e.block[1]);
    expect(pcbs.slice(-3)).toEqual([0xc0, 0xc1, 0x00]);
  });

  it('Abort during activation: CMD_ABORTED and the card is off', async () => {
    const rig = await Rig.create();
    rig.insert(0, new ScriptCard({ atr: [null] }));
    rig.powerOnAsync(0, 1);
    rig.exports.abort(0);
    expect(rig.done.at(-1)).toMatchObject({ slot: 0, error: CcidError.CmdAborted });
    expect(rig.exports.icc_status(0)).toBe(1);
    rig.drain();
    expect(rig.done).toHaveLength(1);
  });

  it('a second operation on a busy slot: CMD_SLOT_BUSY, the first goes on', async () => {
    const rig = await Rig.create();
    rig.insert(0, new T0Card({ atr: SSC_ATR, app: data4 }));
    expect(rig.powerOn(0, 1, true).error).toBe(0);
    rig.transmitAsync(0, READ4, true);
    rig.transmitAsync(0, READ4, true);
    expect(rig.done.at(-1)!.error).toBe(CcidError.CmdSlotBusy);
    expect(rig.nextDone(0).data).toEqual([1, 2, 3, 4, 0x90, 0x00]);
  });

  it('XfrBlock to an inactive card, or a bad slot number, fails cleanly', async () => {
    const rig = await Rig.create();
    rig.insert(0, new T0Card({ atr: SSC_ATR, app: data4 }));
    expect(rig.transmit(0, READ4).error).toBe(CcidError.IccMute);
    rig.transmitAsync(7, READ4);
    expect(rig.done.at(-1)).toMatchObject({ slot: 7, error: 5 });
    expect(rig.exports.icc_status(-1)).toBe(2);
    rig.exports.on_card_rx(9, 0x3b, 0);
    rig.exports.on_timer(200);
    expect(rig.panics).toEqual([]);
  });

  it('IccPowerOn on an active card: deactivation, 10 ms, a fresh cold reset', async () => {
    const rig = await Rig.create();
    const card = new T0Card({ atr: SSC_ATR, app: data4 });
    rig.insert(0, card);
    expect(rig.powerOn(0, 1).error).toBe(0);
    expect(rig.powerOn(0, 1).error).toBe(0);
    expect(card.resets).toEqual([false, false]);
    const powers = rig.callsOf('card_power', 0).map((c) => c.args[1]);
    expect(powers).toEqual([1, 0, 1]);
  });

  it('clock stop only if the ATR allows it; XfrBlock starts the clock again first', async () => {
    // TD1 = 0x80 (T=0, TD2), TD2 = 0x1F (T=15, TA3), TA3 = 0x43: classes A, B; clock stop low.
    const atr = withTck([0x3b, 0x80, 0x80, 0x1f, 0x43]);
    const rig = await Rig.create();
    rig.insert(0, new T0Card({ atr, app: data4 }));
    expect(rig.powerOn(0, 1, true).error).toBe(0);
    expect(rig.exports.clock_status(0)).toBe(ClockStatus.Running);
    expect(rig.exports.clock(0, 1)).toBe(0);
    expect(rig.callsOf('card_clock', 0).at(-1)!.args[1]).toBe(0);
    expect(rig.exports.clock_status(0)).toBe(ClockStatus.StoppedLow);
    const start = rig.now;
    const done = rig.transmit(0, READ4, true);
    expect(done.data).toEqual([1, 2, 3, 4, 0x90, 0x00]);
    expect(rig.callsOf('card_clock', 0).at(-1)!.args[1]).toBe(5000);
    const header = rig.callsOf('card_send', 0).at(-1)!;
    expect(header.at - start).toBeGreaterThanOrEqual(1e6); // ≥ 700 clocks after the restart
    expect(rig.exports.clock(0, 9)).toBe(7);

    const rig2 = await Rig.create();
    rig2.insert(0, new T0Card({ atr: SSC_ATR, app: data4 }));
    expect(rig2.powerOn(0, 1, true).error).toBe(0);
    expect(rig2.exports.clock(0, 1)).toBe(7);
    expect(rig2.callsOf('card_clock', 0)).toHaveLength(1);
  });

  it('no allocation after init, through activations, T=0, T=1, errors, aborts and removal', async () => {
    const rig = await Rig.create();
    const memory = rig.exports.memory;
    const base = heapBase(new Uint8Array(readFileSync(HARNESS_WASM)));
    const top = () => {
      const m = new Uint8Array(memory.buffer);
      for (let i = m.length - 1; i >= base; i--) if (m[i] !== 0) return i + 1;
      return base;
    };
    const before = top();
    expect(memory.buffer.byteLength).toBe(2 * 65536);
    for (let round = 0; round < 3; round++) {
      rig.insert(0, new T0Card({ atr: SSC_ATR, app: data4, nulls: 1 }), false);
      rig.insert(1, new T1Card({ atr: t1Atr(), app: () => new Array(600).fill(round) }), false);
      expect(rig.powerOn(0, 0, true).error).toBe(0);
      expect(rig.powerOn(1, 1, true).error).toBe(0);
      rig.transmit(0, READ4, true);
      rig.transmit(0, [0x00, 0xd6, 0x00, 0x00, 0x00, 0x01, 0x2c, ...new Array(300).fill(1)], true);
      rig.transmit(1, new Array(700).fill(2), true);
      rig.transmitAsync(1, SELECT, true);
      rig.exports.abort(1);
      rig.remove(0);
      rig.drain();
      rig.insert(2, new ScriptCard({ atr: [[0x3b, 0x80, 0x01]] }), false);
      rig.powerOn(2, 1);
    }
    expect(top()).toBe(before);
    expect(memory.buffer.byteLength).toBe(2 * 65536);
  });
});
