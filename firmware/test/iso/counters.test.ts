// What the slot API reports beyond the exchanges: the clock and data rate in force (for the
// DataRateAndClockFrequency answer) and the per-slot line counters of the Diagnostics escape
// (DiagnosticsTag 0x01..0x06).
import { describe, expect, it } from 'vitest';
import { CCID_HEADER_LENGTH, CcidError, ClockCommand } from '../../../protocol/ccid-constants.ts';
import { DiagnosticsTag } from '../../../protocol/native-constants.ts';
import {
  MAX_APDU_DATA,
  MAX_EXTENDED_APDU_LENGTH,
  NATIVE_MAX_MESSAGE_LENGTH,
} from '../../../protocol/serial-constants.ts';
import { VoltageClass } from '../../hal.ts';
import { Rig } from './rig.ts';
import { ScriptCard } from './script-card.ts';
import { T0Card } from './t0-card.ts';
import { T1Card, block } from './t1-card.ts';
import { SSC_ATR, T0_FAST_ATR, t1Atr } from './atrs.ts';
import { withTck } from './card-line.ts';

const SELECT = [0x00, 0xa4, 0x04, 0x00, 0x02, 0x3f, 0x00, 0x00];
const READ4 = [0x00, 0xb0, 0x00, 0x00, 0x04];
const data4 = () => ({ data: [1, 2, 3, 4], sw: 0x9000 });
const TAGS = [
  DiagnosticsTag.SlotParityErrors,
  DiagnosticsTag.SlotTimeouts,
  DiagnosticsTag.SlotWarmResets,
  DiagnosticsTag.SlotT1Retransmissions,
  DiagnosticsTag.SlotT1Resynchs,
  DiagnosticsTag.SlotActivations,
];

/** Every per-slot counter of `slot`, by tag name. */
function counters(rig: Rig, slot: number) {
  return Object.fromEntries(
    TAGS.map((tag) => [DiagnosticsTag[tag], rig.exports.counter(slot, tag) >>> 0]),
  );
}

describe('clock and data rate in force', () => {
  it('0 while off; the activation clock and clock · D / F once active; 0 again when stopped or off', async () => {
    const rig = await Rig.create();
    rig.insert(0, new T0Card({ atr: SSC_ATR, app: data4 }));
    expect([rig.exports.clock_khz(0), rig.exports.data_rate(0)]).toEqual([0, 0]);
    expect(rig.powerOn(0, 1, true).error).toBe(0); // class A
    expect(rig.exports.clock_khz(0)).toBe(5000);
    expect(rig.exports.data_rate(0)).toBe(Math.floor((5_000_000 * 1) / 372)); // 13 440 bps
    rig.exports.power_off(0);
    expect([rig.exports.clock_khz(0), rig.exports.data_rate(0)]).toEqual([0, 0]);
    expect(rig.powerOn(0, 2, true).error).toBe(0); // class B
    expect(rig.exports.clock_khz(0)).toBe(4000);
  });

  it('follows the PPS: F 372 D 4 on T=0, F 512 D 32 on T=1', async () => {
    const rig = await Rig.create();
    rig.insert(0, new T0Card({ atr: T0_FAST_ATR, app: data4, pps: 'accept' }));
    expect(rig.powerOn(0, 1, true).error).toBe(0);
    expect(rig.exports.data_rate(0)).toBe(Math.floor((5_000_000 * 4) / 372));
    rig.insert(1, new T1Card({ atr: t1Atr(0x96), app: () => [0x90, 0x00] }));
    expect(rig.powerOn(1, 1, true).error).toBe(0);
    expect(rig.exports.data_rate(1)).toBe((5_000_000 * 32) / 512); // 312 500 bps
    expect(rig.exports.data_rate(0)).toBe(Math.floor((5_000_000 * 4) / 372)); // slot 0 untouched
  });

  it('a stopped clock reads 0 and runs again at the same frequency', async () => {
    // T=0 ATR with TD1 = 0x80 → TD2 = 0x0F (T=15) → TA3 = 0x41 (clock stop low, class A).
    const atr = withTck([0x3b, 0x80, 0x80, 0x1f, 0x41]);
    const rig = await Rig.create();
    rig.insert(0, new T0Card({ atr, app: data4 }));
    expect(rig.powerOn(0, 1, true).error).toBe(0);
    expect(rig.exports.clock(0, ClockCommand.Stop)).toBe(0);
    expect(rig.exports.clock_khz(0)).toBe(0);
    expect(rig.exports.clock(0, ClockCommand.Restart)).toBe(0);
    expect(rig.exports.clock_khz(0)).toBe(5000);
  });

  it('no slot, no clock', async () => {
    const rig = await Rig.create();
    expect([rig.exports.clock_khz(3), rig.exports.data_rate(-1)]).toEqual([0, 0]);
  });
});

describe('line counters (Diagnostics)', () => {
  it('start at 0 and count activations and warm resets of a class fallback', async () => {
    const rig = await Rig.create();
    rig.insert(0, new ScriptCard({ atr: [SSC_ATR], classes: [VoltageClass.A] }));
    expect(counters(rig, 0)).toEqual({
      SlotParityErrors: 0,
      SlotTimeouts: 0,
      SlotWarmResets: 0,
      SlotT1Retransmissions: 0,
      SlotT1Resynchs: 0,
      SlotActivations: 0,
    });
    // Automatic class: C silent, B silent (each deactivated at once), then A answers.
    expect(rig.powerOn(0, 0, true).error).toBe(0);
    expect(counters(rig, 0)).toMatchObject({
      SlotActivations: 3,
      SlotWarmResets: 0,
      SlotTimeouts: 2, // no TS within 40 000 clocks, once per mute class
      SlotParityErrors: 0,
    });
    expect(counters(rig, 1).SlotActivations).toBe(0); // per slot
  });

  it('count parity errors, T=1 retransmissions and timeouts, RESYNCH; reset to 0', async () => {
    const card = new ScriptCard({
      atr: [t1Atr(0x11)],
      steps: [
        { expect: block(0, 0xc1, [0xfe]) },
        { send: block(0, 0xe1, [0xfe]) },
        { expect: block(0, 0x00, SELECT) },
        { send: block(0, 0x00, [0x90, 0x00]), parityErrors: [3] },
        { expect: [0x00, 0x81, 0x00, 0x81] }, // R-block, EDC error: the card sends again
        { send: block(0, 0x00, [0x90, 0x00]) },
        { expect: block(0, 0x40, SELECT) }, // then silence: BWT, R, BWT, R, BWT, RESYNCH
      ],
    });
    const rig = await Rig.create();
    rig.insert(0, card);
    expect(rig.powerOn(0, 1, true).error).toBe(0);
    expect(rig.transmit(0, SELECT, true).data).toEqual([0x90, 0x00]);
    expect(counters(rig, 0)).toMatchObject({
      SlotParityErrors: 1,
      SlotT1Retransmissions: 1,
      SlotT1Resynchs: 0,
      SlotTimeouts: 0,
    });
    expect(rig.transmit(0, SELECT, true).error).toBe(CcidError.IccMute);
    expect(counters(rig, 0)).toMatchObject({
      SlotParityErrors: 1,
      SlotT1Retransmissions: 3, // two R-blocks after the silent BWTs
      SlotT1Resynchs: 3, // then RESYNCH three times, unanswered
      SlotTimeouts: 6, // three BWTs before RESYNCH, then one after each RESYNCH
      SlotActivations: 1,
    });
    rig.exports.counters_reset();
    expect(Object.values(counters(rig, 0))).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('a T=0 timeout (WWT) counts; tags that are not per slot and unknown slots read 0', async () => {
    const rig = await Rig.create();
    rig.insert(0, new ScriptCard({ atr: [SSC_ATR], steps: [{ expect: READ4 }] }));
    expect(rig.powerOn(0, 1, true).error).toBe(0);
    expect(rig.transmit(0, READ4, true).error).toBe(CcidError.IccMute);
    expect(counters(rig, 0).SlotTimeouts).toBe(1);
    expect(rig.exports.counter(0, DiagnosticsTag.HostFramesReceived)).toBe(0);
    expect(rig.exports.counter(0, 0)).toBe(0);
    expect(rig.exports.counter(3, DiagnosticsTag.SlotActivations)).toBe(0);
    expect(rig.exports.counter(-1, DiagnosticsTag.SlotActivations)).toBe(0);
  });
});

describe('sizes shared with protocol/', () => {
  it('the largest extended APDU is the data of the largest native message', () => {
    expect(MAX_EXTENDED_APDU_LENGTH).toBe(4105);
    expect(MAX_EXTENDED_APDU_LENGTH).toBe(4 + 3 + MAX_APDU_DATA + 2);
    expect(MAX_EXTENDED_APDU_LENGTH + CCID_HEADER_LENGTH).toBe(NATIVE_MAX_MESSAGE_LENGTH);
  });
});
