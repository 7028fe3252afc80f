// The CCID command processor against a scripted slot layer (firmware/src/harness): answer types,
// bSlot/bSeq echoed, bad slot, busy slot, Abort, time extension, parameters with bProtocolNum,
// chaining, and the commands the reader does not support.
import { describe, expect, it } from 'vitest';
import {
  CcidError,
  ChainLevel,
  CommandStatus,
  IccStatus,
  PcToRdr,
  ProtocolNum,
  RdrToPc,
} from '../../protocol/ccid-constants.ts';
import {
  DiagnosticsTag,
  Profile,
  VendorCommand,
  VendorStatus,
  VENDOR_MAGIC_0,
  VENDOR_MAGIC_1,
} from '../../protocol/native-constants.ts';
import {
  MAX_APDU_DATA,
  MAX_EXTENDED_APDU_LENGTH,
  COMPAT_MAX_MESSAGE_LENGTH,
} from '../../protocol/serial-constants.ts';
import { SLOT_COUNT } from '../hal-constants.ts';
import { TIMER_TIME_EXTENSION_BASE } from '../src/timers.ts';
import { TIME_EXTENSION_INTERVAL_MS } from '../src/timing.ts';
import {
  loadHarness,
  frames,
  lastTransmitted,
  setResponse,
  shortEchoOf,
  Op,
  type Host,
} from './harness.ts';
import { hex, type Answer, type CommandFields } from './wire.ts';
import { idleSlot } from './diagnostics-kit.ts';

const FAILED = CommandStatus.Failed;

/** The single answer of a native-profile exchange. */
function only(host: Host, c: CommandFields): Answer {
  const out = frames(host.send(c));
  expect(out).toHaveLength(1);
  return out[0];
}

async function native() {
  const h = await loadHarness();
  const items = h.host.send({
    type: PcToRdr.Escape,
    seq: 0xf0,
    data: [VENDOR_MAGIC_0, VENDOR_MAGIC_1, VendorCommand.SetProfile, Profile.Native],
  });
  expect(frames(items).map((a) => hex(a.data))).toEqual(['', '4B 52 02 00 01']);
  return h;
}

describe('CCID commands: answer types, bSlot and bSeq', () => {
  const table: [PcToRdr, RdrToPc, number[]][] = [
    [PcToRdr.IccPowerOff, RdrToPc.SlotStatus, []],
    [PcToRdr.GetSlotStatus, RdrToPc.SlotStatus, []],
    [PcToRdr.GetParameters, RdrToPc.Parameters, []],
    [PcToRdr.ResetParameters, RdrToPc.Parameters, []],
    [PcToRdr.IccClock, RdrToPc.SlotStatus, []],
    [PcToRdr.T0Apdu, RdrToPc.SlotStatus, []],
    [PcToRdr.Mechanical, RdrToPc.SlotStatus, []],
    [PcToRdr.Abort, RdrToPc.SlotStatus, []],
    [
      PcToRdr.Secure,
      RdrToPc.DataBlock,
      [0, 0x1e, 0x82, 0, 0x47, 8, 4, 2, 1, 9, 4, 0, 0, 0, 0, 0, 0x20, 0, 1, 8],
    ],
    [PcToRdr.Escape, RdrToPc.Escape, [0x02]],
    [
      PcToRdr.SetDataRateAndClockFrequency,
      RdrToPc.DataRateAndClockFrequency,
      [0xa0, 0x0f, 0, 0, 0x80, 0x25, 0, 0],
    ],
    [PcToRdr.XfrBlock, RdrToPc.DataBlock, [0, 0xa4, 0, 0]],
    [PcToRdr.SetParameters, RdrToPc.Parameters, [0x11, 0, 0, 0x0a, 0]],
  ];
  for (const [type, answer, data] of table) {
    it(`0x${type.toString(16)} → 0x${answer.toString(16)} on every slot`, async () => {
      const { host, fw } = await native();
      for (let slot = 0; slot < SLOT_COUNT; slot++) {
        fw.fake_set_icc(slot, IccStatus.PresentInactive);
        const seq = 0x40 + slot;
        const a = only(host, { type, slot, seq, data });
        expect(a.type).toBe(answer);
        expect(a.slot).toBe(slot);
        expect(a.seq).toBe(seq);
      }
    });
  }

  it('a bad bSlot fails with bError 5 (the offending byte) and the right answer type', async () => {
    const { host } = await native();
    for (const [type, answer] of [
      [PcToRdr.GetSlotStatus, RdrToPc.SlotStatus],
      [PcToRdr.IccPowerOn, RdrToPc.DataBlock],
      [PcToRdr.GetParameters, RdrToPc.Parameters],
      [PcToRdr.Escape, RdrToPc.Escape],
    ] as const) {
      for (const slot of [SLOT_COUNT, 0x7f, 0xff]) {
        const a = only(host, { type, slot, seq: 9 });
        expect([a.type, a.slot, a.seq, a.status, a.error]).toEqual([
          answer,
          slot,
          9,
          FAILED | IccStatus.NoIcc,
          5,
        ]);
      }
    }
  });

  it('an unknown message type fails as SlotStatus, CMD_NOT_SUPPORTED', async () => {
    const { host } = await native();
    const a = only(host, { type: 0x99, slot: 1, seq: 3 });
    expect([a.type, a.slot, a.seq, a.status & 0xc0, a.error]).toEqual([
      RdrToPc.SlotStatus,
      1,
      3,
      FAILED,
      CcidError.CmdNotSupported,
    ]);
  });

  it('a command without abData but with dwLength fails with bError 1', async () => {
    const { host } = await native();
    const a = only(host, { type: PcToRdr.GetSlotStatus, data: [1, 2] });
    expect([a.status & 0xc0, a.error]).toEqual([FAILED, 1]);
  });

  it('IccPowerOn: bPowerSelect out of range fails with bError 7; a failed activation carries the ISO error', async () => {
    const { host, fw } = await native();
    fw.fake_set_icc(0, IccStatus.PresentInactive);
    const bad = only(host, { type: PcToRdr.IccPowerOn, specific: [4, 0, 0] });
    expect([bad.type, bad.status & 0xc0, bad.error]).toEqual([RdrToPc.DataBlock, FAILED, 7]);
    expect(fw.fake_op(0)).toBe(Op.None);
    expect(host.send({ type: PcToRdr.IccPowerOn, seq: 5, specific: [0, 0, 0] })).toEqual([]);
    expect(fw.fake_last_apdu_level()).toBe(1);
    fw.fake_complete(0, CcidError.BadAtrTck, 0);
    const a = frames(host.take());
    expect(a.map((x) => [x.type, x.seq, x.status, x.error])).toEqual([
      [RdrToPc.DataBlock, 5, FAILED | IccStatus.PresentInactive, CcidError.BadAtrTck],
    ]);
  });
});

describe('CCID commands: one command per slot in flight', () => {
  it('another command for a busy slot gets CMD_SLOT_BUSY while other slots proceed', async () => {
    const { host, fw, hal } = await native();
    for (let s = 0; s < SLOT_COUNT; s++) fw.fake_set_icc(s, IccStatus.PresentInactive);
    expect(host.send({ type: PcToRdr.IccPowerOn, slot: 1, seq: 1, specific: [1, 0, 0] })).toEqual(
      [],
    );
    expect(fw.fake_op(1)).toBe(Op.PowerOn);
    for (const type of [
      PcToRdr.GetSlotStatus,
      PcToRdr.IccPowerOn,
      PcToRdr.XfrBlock,
      PcToRdr.GetParameters,
      PcToRdr.Escape,
    ]) {
      const busy = only(host, {
        type,
        slot: 1,
        seq: 2,
        data: type === PcToRdr.XfrBlock ? [0, 0xb0, 0, 0] : [],
      });
      expect([busy.slot, busy.seq, busy.status & 0xc0, busy.error]).toEqual([
        1,
        2,
        FAILED,
        CcidError.CmdSlotBusy,
      ]);
    }
    // Slot 2 works meanwhile, including its own exchange.
    const other = only(host, { type: PcToRdr.GetSlotStatus, slot: 2, seq: 3 });
    expect([other.slot, other.status]).toEqual([2, IccStatus.PresentInactive]);
    expect(host.send({ type: PcToRdr.IccPowerOn, slot: 2, seq: 4 })).toEqual([]);
    fw.fake_complete(2, 0, setResponse(hal, fw, [0x3b, 0x00]));
    expect(frames(host.take()).map((a) => [a.slot, a.seq, a.status, hex(a.data)])).toEqual([
      [2, 4, IccStatus.PresentActive, '3B 00'],
    ]);
    // Slot 1 completes; then it accepts commands again.
    fw.fake_complete(1, 0, setResponse(hal, fw, [0x3b, 0x02, 0x14, 0x50]));
    expect(frames(host.take()).map((a) => [a.slot, a.seq, hex(a.data)])).toEqual([
      [1, 1, '3B 02 14 50'],
    ]);
    expect(only(host, { type: PcToRdr.GetSlotStatus, slot: 1, seq: 5 }).status).toBe(
      IccStatus.PresentActive,
    );
  });

  it('a completion for an idle slot is ignored', async () => {
    const { host, fw } = await native();
    fw.fake_complete(0, 0, 2);
    expect(host.take()).toEqual([]);
  });

  it('a slot layer that completes at once works too', async () => {
    const { host, fw } = await native();
    fw.fake_set_icc(0, IccStatus.PresentInactive);
    fw.fake_set_sync(CcidError.IccMute);
    const a = only(host, { type: PcToRdr.IccPowerOn, seq: 7 });
    expect([a.seq, a.status & 0xc0, a.error]).toEqual([7, FAILED, CcidError.IccMute]);
    expect(only(host, { type: PcToRdr.GetSlotStatus, seq: 8 }).status & 0xc0).toBe(
      CommandStatus.Ok,
    );
  });
});

describe('CCID commands: Abort', () => {
  it('ends the exchange in flight with CMD_ABORTED, then answers the Abort', async () => {
    const { host, fw } = await native();
    fw.fake_set_icc(0, IccStatus.PresentActive);
    expect(host.send({ type: PcToRdr.XfrBlock, seq: 0x20, data: [0, 0xb0, 0, 0, 0] })).toEqual([]);
    const out = frames(host.send({ type: PcToRdr.Abort, seq: 0x21 }));
    expect(out.map((a) => [a.type, a.seq, a.status & 0xc0, a.error])).toEqual([
      [RdrToPc.DataBlock, 0x20, FAILED, CcidError.CmdAborted],
      [RdrToPc.SlotStatus, 0x21, CommandStatus.Ok, 0],
    ]);
    expect(fw.fake_aborts()).toBe(1);
    expect(fw.fake_op(0)).toBe(Op.None);
    // No time extension for the aborted exchange.
    host.hal.advance(5 * TIME_EXTENSION_INTERVAL_MS);
    expect(host.take()).toEqual([]);
  });

  it('frees the slot even when the slot layer does not complete inside slotAbort', async () => {
    const { host, fw } = await native();
    fw.fake_set_icc(0, IccStatus.PresentActive);
    fw.fake_set_abort_completes(0);
    host.send({ type: PcToRdr.XfrBlock, seq: 1, data: [0, 0xb0, 0, 0, 0] });
    const out = frames(host.send({ type: PcToRdr.Abort, seq: 2 }));
    expect(out.map((a) => [a.seq, a.error])).toEqual([
      [1, CcidError.CmdAborted],
      [2, 0],
    ]);
    expect(only(host, { type: PcToRdr.GetSlotStatus, seq: 3 }).status & 0xc0).toBe(
      CommandStatus.Ok,
    );
  });

  it('on an idle slot just answers SlotStatus', async () => {
    const { host, fw } = await native();
    const a = only(host, { type: PcToRdr.Abort, slot: 2, seq: 4 });
    expect([a.type, a.slot, a.seq, a.status & 0xc0]).toEqual([
      RdrToPc.SlotStatus,
      2,
      4,
      CommandStatus.Ok,
    ]);
    expect(fw.fake_aborts()).toBe(0);
  });
});

describe('CCID commands: time extension', () => {
  it('is sent about every second while an exchange runs, and when the card asks (WTX, NULL)', async () => {
    const { host, fw, hal } = await native();
    fw.fake_set_icc(1, IccStatus.PresentActive);
    host.send({ type: PcToRdr.XfrBlock, slot: 1, seq: 0x33, data: [0x80, 0xca, 0, 0, 0] });
    expect(hal.timers.get(TIMER_TIME_EXTENSION_BASE + 1)).toBe(TIME_EXTENSION_INTERVAL_MS);
    hal.advance(TIME_EXTENSION_INTERVAL_MS - 1);
    expect(host.take()).toEqual([]);
    hal.advance(1);
    hal.advance(TIME_EXTENSION_INTERVAL_MS);
    const te = frames(host.take());
    expect(te.map((a) => [a.type, a.slot, a.seq, a.status, a.error, a.length])).toEqual([
      [RdrToPc.DataBlock, 1, 0x33, CommandStatus.TimeExtension | IccStatus.PresentActive, 1, 0],
      [RdrToPc.DataBlock, 1, 0x33, CommandStatus.TimeExtension | IccStatus.PresentActive, 1, 0],
    ]);
    fw.fake_waiting(1, 7);
    expect(frames(host.take()).map((a) => [a.status, a.error])).toEqual([
      [CommandStatus.TimeExtension | IccStatus.PresentActive, 7],
    ]);
    fw.fake_waiting(1, 1000);
    expect(frames(host.take())[0].error).toBe(0xff);
    fw.fake_complete(1, 0, setResponse(hal, fw, [0x90, 0x00]));
    expect(frames(host.take()).map((a) => [a.status, hex(a.data)])).toEqual([
      [IccStatus.PresentActive, '90 00'],
    ]);
    expect(hal.timers.has(TIMER_TIME_EXTENSION_BASE + 1)).toBe(false);
    hal.advance(10 * TIME_EXTENSION_INTERVAL_MS);
    fw.fake_waiting(1, 2);
    expect(host.take()).toEqual([]);
  });

  it('in compat every time extension follows its own short echo (libccid drops one frame per read)', async () => {
    const { host, fw, hal } = await loadHarness();
    fw.fake_set_icc(0, IccStatus.PresentActive);
    const cmd = { type: PcToRdr.XfrBlock, seq: 0x17, data: [0, 0xb0, 0, 0, 0] };
    expect(host.send(cmd)).toEqual([]);
    hal.advance(TIME_EXTENSION_INTERVAL_MS);
    fw.fake_complete(0, 0, setResponse(hal, fw, [0x6a, 0x82]));
    const echo = hex(shortEchoOf(cmd));
    expect(frames(host.take()).map((a) => [hex(a.raw.slice(0, 10)), a.status])).toEqual([
      [echo, 0],
      [expect.stringMatching(/^80 00 00 00 00 00 17 80 01 00$/), CommandStatus.TimeExtension],
      [echo, 0],
      [expect.stringMatching(/^80 02 00 00 00 00 17 00 00 00$/), 0],
    ]);
  });

  it('is not sent during IccPowerOn (libccid would take it for an empty ATR)', async () => {
    const { host, fw, hal } = await native();
    fw.fake_set_icc(0, IccStatus.PresentInactive);
    host.send({ type: PcToRdr.IccPowerOn, seq: 1 });
    hal.advance(5 * TIME_EXTENSION_INTERVAL_MS);
    fw.fake_waiting(0, 3);
    expect(host.take()).toEqual([]);
  });
});

describe('CCID commands: parameters', () => {
  it('GetParameters carries bProtocolNum (the osmo-ccid-firmware bug: Parameters without it)', async () => {
    const { host, fw, hal } = await native();
    setResponse(hal, fw, [0x96, 0x10, 0x00, 0x45, 0x00, 0xfe, 0x00]);
    fw.fake_set_parameters(0, ProtocolNum.T1, 7);
    const a = only(host, { type: PcToRdr.GetParameters, seq: 0x11 });
    expect([a.type, a.specific, a.length, hex(a.data)]).toEqual([
      RdrToPc.Parameters,
      ProtocolNum.T1,
      7,
      '96 10 00 45 00 FE 00',
    ]);
  });

  it('SetParameters passes T=1 data through and answers with the parameters now in force', async () => {
    const { host } = await native();
    const a = only(host, {
      type: PcToRdr.SetParameters,
      seq: 1,
      specific: [1, 0, 0],
      data: [0x11, 0x10, 0, 0x4d, 0, 0x20, 0],
    });
    expect([a.status & 0xc0, a.specific, hex(a.data)]).toEqual([
      CommandStatus.Ok,
      1,
      '11 10 00 4D 00 20 00',
    ]);
  });

  it('SetParameters rejects an unknown protocol (bError 7) and a wrong length (bError 1), keeping bProtocolNum', async () => {
    const { host, fw, hal } = await native();
    setResponse(hal, fw, [0x11, 0, 0, 0x0a, 0]);
    fw.fake_set_parameters(0, ProtocolNum.T0, 5);
    const proto = only(host, {
      type: PcToRdr.SetParameters,
      specific: [2, 0, 0],
      data: [0x11, 0, 0, 0x0a, 0],
    });
    expect([proto.status & 0xc0, proto.error, proto.specific, hex(proto.data)]).toEqual([
      FAILED,
      7,
      0,
      '11 00 00 0A 00',
    ]);
    const t0len = only(host, {
      type: PcToRdr.SetParameters,
      specific: [0, 0, 0],
      data: [0x11, 0, 0, 0x0a, 0, 0, 0],
    });
    expect([t0len.status & 0xc0, t0len.error]).toEqual([FAILED, 1]);
    const t1len = only(host, {
      type: PcToRdr.SetParameters,
      specific: [1, 0, 0],
      data: [0x11, 0, 0, 0x0a, 0],
    });
    expect([t1len.status & 0xc0, t1len.error]).toEqual([FAILED, 1]);
  });

  it('a parameter the slot refuses comes back as its bError, with the old parameters', async () => {
    const { host, fw, hal } = await native();
    setResponse(hal, fw, [0x11, 0, 0, 0x0a, 0]);
    fw.fake_set_parameters(0, ProtocolNum.T0, 5);
    fw.fake_set_results(10 /* byte 10: bmFindexDindex */, CcidError.HwError, 0, 0);
    const a = only(host, {
      type: PcToRdr.SetParameters,
      specific: [0, 0, 0],
      data: [0xff, 0, 0, 0x0a, 0],
    });
    expect([a.status & 0xc0, a.error, hex(a.data)]).toEqual([FAILED, 10, '11 00 00 0A 00']);
    const r = only(host, { type: PcToRdr.ResetParameters });
    expect([r.status & 0xc0, r.error, r.specific]).toEqual([FAILED, CcidError.HwError, 0]);
  });
});

describe('CCID commands: clock, T0APDU, Mechanical, Secure, SetDataRateAndClockFrequency', () => {
  it('IccClock passes 0/1 to the slot with bClockStatus, rejects others with bError 7', async () => {
    const { host, fw } = await native();
    fw.fake_set_results(0, 0, 0, 1);
    const stop = only(host, { type: PcToRdr.IccClock, specific: [1, 0, 0] });
    expect([stop.status & 0xc0, stop.specific]).toEqual([CommandStatus.Ok, 1]);
    const bad = only(host, { type: PcToRdr.IccClock, specific: [2, 0, 0] });
    expect([bad.status & 0xc0, bad.error]).toEqual([FAILED, 7]);
    const refused =
      (fw.fake_set_results(0, 0, CcidError.IccMute, 0),
      only(host, { type: PcToRdr.IccClock, specific: [1, 0, 0] }));
    expect([refused.status & 0xc0, refused.error]).toEqual([FAILED, CcidError.IccMute]);
  });

  it('IccClock stop that leaves the clock running is CMD_NOT_SUPPORTED (the slot API returns 0 for both)', async () => {
    const { host, fw } = await native();
    fw.fake_set_results(0, 0, CcidError.CmdNotSupported, 0);
    const a = only(host, { type: PcToRdr.IccClock, specific: [1, 0, 0] });
    expect([a.status & 0xc0, a.error, a.specific]).toEqual([FAILED, CcidError.CmdNotSupported, 0]);
    const restart = only(host, { type: PcToRdr.IccClock, specific: [0, 0, 0] });
    expect(restart.status & 0xc0).toBe(CommandStatus.Ok);
  });

  it('T0APDU accepts "class from the command" and refuses other classes', async () => {
    const { host } = await native();
    expect(only(host, { type: PcToRdr.T0Apdu, specific: [3, 0xff, 0xff] }).status & 0xc0).toBe(
      CommandStatus.Ok,
    );
    expect(only(host, { type: PcToRdr.T0Apdu, specific: [0, 0x00, 0x00] }).status & 0xc0).toBe(
      CommandStatus.Ok,
    );
    const other = only(host, { type: PcToRdr.T0Apdu, specific: [1, 0x80, 0xff] });
    expect([other.status & 0xc0, other.error]).toEqual([FAILED, CcidError.CmdNotSupported]);
    const bits = only(host, { type: PcToRdr.T0Apdu, specific: [4, 0xff, 0xff] });
    expect([bits.status & 0xc0, bits.error]).toEqual([FAILED, 7]);
  });

  it('Mechanical fails with CMD_NOT_SUPPORTED; Secure needs an active card', async () => {
    const { host, fw } = await native();
    const mechanical = only(host, { type: PcToRdr.Mechanical, data: [] });
    expect([mechanical.status & 0xc0, mechanical.error]).toEqual([
      FAILED,
      CcidError.CmdNotSupported,
    ]);
    fw.fake_set_icc(0, IccStatus.PresentInactive);
    const secure = only(host, { type: PcToRdr.Secure, data: [0, 0x1e] });
    expect([secure.type, secure.status, secure.error]).toEqual([
      RdrToPc.DataBlock,
      FAILED | IccStatus.PresentInactive,
      CcidError.IccMute,
    ]);
  });

  it('SetDataRateAndClockFrequency answers the clock and rate in force; only those "set"', async () => {
    const { host, fw } = await native();
    const u32 = (v: number) => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >>> 24];
    const ask = (slot: number, khz: number, bps: number) => {
      const a = only(host, {
        type: PcToRdr.SetDataRateAndClockFrequency,
        slot,
        data: [...u32(khz), ...u32(bps)],
      });
      expect(a.type).toBe(RdrToPc.DataRateAndClockFrequency);
      return [a.status, a.error, hex(a.data)];
    };
    fw.fake_set_rate(1, 5000, 13_440);
    // No active card: ICC_MUTE, nothing in force.
    expect(ask(1, 5000, 13_440)).toEqual([
      FAILED | IccStatus.NoIcc,
      CcidError.IccMute,
      hex(u32(0).concat(u32(0))),
    ]);
    fw.fake_set_icc(1, IccStatus.PresentActive);
    const inForce = hex([...u32(5000), ...u32(13_440)]);
    expect(ask(1, 5000, 13_440)).toEqual([IccStatus.PresentActive, 0, inForce]);
    for (const [khz, bps] of [
      [4000, 13_440],
      [5000, 10_752],
      [0, 0],
    ])
      expect(ask(1, khz, bps)).toEqual([FAILED, CcidError.CmdNotSupported, inForce]);
    // Each slot its own values.
    fw.fake_set_icc(2, IccStatus.PresentActive);
    fw.fake_set_rate(2, 4000, 250_000);
    expect(ask(2, 4000, 250_000)).toEqual([0, 0, hex([...u32(4000), ...u32(250_000)])]);
    const short = only(host, {
      type: PcToRdr.SetDataRateAndClockFrequency,
      slot: 1,
      data: [1, 2, 3],
    });
    expect([short.status & 0xc0, short.error, hex(short.data)]).toEqual([FAILED, 1, inForce]);
  });

  it("Diagnostics carries the slot layer's counters; DiagnosticsReset resets them", async () => {
    const { host, fw } = await native();
    fw.fake_set_counter(0, DiagnosticsTag.SlotParityErrors, 3);
    fw.fake_set_counter(1, DiagnosticsTag.SlotActivations, 0xfffffffe);
    fw.fake_set_counter(2, DiagnosticsTag.SlotT1Resynchs, 7);
    const read = () => {
      const a = only(host, {
        type: PcToRdr.Escape,
        data: [VENDOR_MAGIC_0, VENDOR_MAGIC_1, VendorCommand.Diagnostics],
      });
      const r = a.vendor as { diagnostics?: { slots: Record<string, number>[] } };
      return r.diagnostics!.slots;
    };
    const slots = read();
    expect(slots.map((s) => s.slot)).toEqual([0, 1, 2]);
    expect(slots[0]).toMatchObject({ parityErrors: 3, timeouts: 0, activations: 0 });
    expect(slots[1]).toMatchObject({ parityErrors: 0, activations: 0xfffffffe });
    expect(slots[2]).toMatchObject({ t1Resynchs: 7, t1Retransmissions: 0 });
    expect(fw.fake_counter_resets()).toBe(0);
    only(host, {
      type: PcToRdr.Escape,
      data: [VENDOR_MAGIC_0, VENDOR_MAGIC_1, VendorCommand.DiagnosticsReset],
    });
    expect(fw.fake_counter_resets()).toBe(1);
    expect(read()).toEqual([0, 1, 2].map(idleSlot));
  });
});

describe('CCID commands: XfrBlock', () => {
  it('fails with ICC_MUTE when the card is not active', async () => {
    const { host, fw } = await native();
    fw.fake_set_icc(0, IccStatus.PresentInactive);
    const a = only(host, { type: PcToRdr.XfrBlock, data: [0, 0xa4, 0, 0] });
    expect([a.status, a.error]).toEqual([FAILED | IccStatus.PresentInactive, CcidError.IccMute]);
    expect(fw.fake_op(0)).toBe(Op.None);
  });

  it('native: chains an extended APDU of MAX_APDU_DATA bytes in parts (wLevelParameter 1, 3, 2)', async () => {
    const { host, fw, hal } = await native();
    fw.fake_set_icc(0, IccStatus.PresentActive);
    const data = Array.from({ length: MAX_APDU_DATA }, (_, i) => (i * 7) & 0xff);
    const apdu = [
      0x00,
      0xd6,
      0x00,
      0x00,
      0x00,
      MAX_APDU_DATA >> 8,
      MAX_APDU_DATA & 0xff,
      ...data,
      0x00,
      0x00,
    ];
    const parts = [
      apdu.slice(0, 1000),
      apdu.slice(1000, 2000),
      apdu.slice(2000, 3000),
      apdu.slice(3000),
    ];
    const levels = [ChainLevel.Begins, ChainLevel.Continues, ChainLevel.Continues, ChainLevel.Ends];
    parts.forEach((part, i) => {
      const out = frames(
        host.send({ type: PcToRdr.XfrBlock, seq: i, specific: [0, levels[i], 0], data: part }),
      );
      if (i < 3) {
        expect(out.map((a) => [a.seq, a.status, a.specific, a.length])).toEqual([
          [i, IccStatus.PresentActive, ChainLevel.ContinueResponse, 0],
        ]);
      } else expect(out).toEqual([]);
    });
    expect(fw.fake_op(0)).toBe(Op.Transmit);
    expect(fw.fake_last_apdu_level()).toBe(1);
    expect(hex(lastTransmitted(hal, fw))).toBe(hex(apdu));
    fw.fake_complete(0, 0, setResponse(hal, fw, [0x90, 0x00]));
    expect(frames(host.take()).map((a) => [a.seq, a.specific, hex(a.data)])).toEqual([
      [3, 0, '90 00'],
    ]);
  });

  it('native: a whole extended APDU in one message, and a response of MAX_APDU_DATA + 2 in one DataBlock', async () => {
    const { host, fw, hal } = await native();
    fw.fake_set_icc(0, IccStatus.PresentActive);
    const apdu = [0x00, 0xb0, 0x00, 0x00, 0x00, 0x10, 0x00];
    expect(host.send({ type: PcToRdr.XfrBlock, data: apdu })).toEqual([]);
    expect(hex(lastTransmitted(hal, fw))).toBe(hex(apdu));
    const response = [...new Array(MAX_APDU_DATA).fill(0x5a), 0x90, 0x00];
    fw.fake_complete(0, 0, setResponse(hal, fw, response));
    const a = frames(host.take());
    expect(a.map((x) => [x.length, x.specific])).toEqual([[MAX_APDU_DATA + 2, 0]]);
  });

  it('native: out-of-order chain parts fail with bError 8, a chain too long with bError 1', async () => {
    const { host, fw } = await native();
    fw.fake_set_icc(0, IccStatus.PresentActive);
    for (const level of [
      ChainLevel.Continues,
      ChainLevel.Ends,
      ChainLevel.ContinueResponse,
      0x04,
    ]) {
      const a = only(host, {
        type: PcToRdr.XfrBlock,
        specific: [0, level, 0],
        data: level === ChainLevel.ContinueResponse ? [] : [1, 2],
      });
      expect([a.status & 0xc0, a.error]).toEqual([FAILED, 8]);
    }
    const big = new Array(4000).fill(0);
    only(host, { type: PcToRdr.XfrBlock, specific: [0, ChainLevel.Begins, 0], data: big });
    const over = only(host, {
      type: PcToRdr.XfrBlock,
      specific: [0, ChainLevel.Continues, 0],
      data: big,
    });
    expect([over.status & 0xc0, over.error]).toEqual([FAILED, 1]);
    // The chain was dropped: its end is out of order now.
    const end = only(host, {
      type: PcToRdr.XfrBlock,
      specific: [0, ChainLevel.Ends, 0],
      data: [1],
    });
    expect(end.error).toBe(8);
    expect(fw.fake_op(0)).toBe(Op.None);
  });

  it('native: a chain holds MAX_EXTENDED_APDU_LENGTH bytes, not one more', async () => {
    const { host, fw } = await native();
    fw.fake_set_icc(0, IccStatus.PresentActive);
    const whole = new Array(MAX_EXTENDED_APDU_LENGTH).fill(0x11);
    const first = host.send({
      type: PcToRdr.XfrBlock,
      specific: [0, ChainLevel.Begins, 0],
      data: whole,
    });
    expect(frames(first).map((a) => [a.status & 0xc0, a.specific])).toEqual([
      [0, ChainLevel.ContinueResponse],
    ]);
    const over = only(host, {
      type: PcToRdr.XfrBlock,
      specific: [0, ChainLevel.Ends, 0],
      data: [0x22],
    });
    expect([over.status & 0xc0, over.error]).toEqual([FAILED, 1]);
    expect(fw.fake_op(0)).toBe(Op.None);
  });

  it('compat: TPDU level, no chaining, and a response longer than the compat maximum is XFR_OVERRUN', async () => {
    const { host, fw, hal } = await loadHarness();
    fw.fake_set_icc(0, IccStatus.PresentActive);
    const chainedCmd = {
      type: PcToRdr.XfrBlock,
      specific: [0, ChainLevel.Begins, 0] as [number, number, number],
      data: [0, 0xa4, 0, 0],
    };
    const chained = frames(host.send(chainedCmd));
    expect(chained.map((a) => hex(a.raw))).toEqual([
      hex(shortEchoOf(chainedCmd)),
      expect.any(String),
    ]);
    expect([chained[1].status & 0xc0, chained[1].error]).toEqual([FAILED, 8]);
    host.send({ type: PcToRdr.XfrBlock, data: [0, 0xb0, 0, 0, 0] });
    expect(fw.fake_last_apdu_level()).toBe(0);
    fw.fake_complete(0, 0, setResponse(hal, fw, new Array(COMPAT_MAX_MESSAGE_LENGTH - 9).fill(1)));
    const out = frames(host.take());
    expect(out).toHaveLength(2);
    expect([out[1].status & 0xc0, out[1].error]).toEqual([FAILED, CcidError.XfrOverrun]);
  });
});

describe('profiles: SetProfile and NotifySlotChange', () => {
  it('switching profile deactivates every card; switching to the same profile does not', async () => {
    const { host, fw } = await loadHarness();
    const set = (p: number) =>
      frames(
        host.send({
          type: PcToRdr.Escape,
          data: [VENDOR_MAGIC_0, VENDOR_MAGIC_1, VendorCommand.SetProfile, p],
        }),
      );
    set(Profile.Compat);
    expect(fw.fake_power_offs()).toBe(0);
    set(Profile.Native);
    expect(fw.fake_power_offs()).toBe(SLOT_COUNT);
  });

  it('a profile switch while a slot is busy is refused with Busy, and nothing changes', async () => {
    const { host, fw } = await native();
    fw.fake_set_icc(2, IccStatus.PresentActive);
    host.send({ type: PcToRdr.XfrBlock, slot: 2, seq: 1, data: [0, 0xb0, 0, 0, 0] });
    const powerOffs = fw.fake_power_offs();
    const a = only(host, {
      type: PcToRdr.Escape,
      seq: 2,
      data: [VENDOR_MAGIC_0, VENDOR_MAGIC_1, VendorCommand.SetProfile, Profile.Compat],
    });
    expect(hex(a.data)).toBe(
      hex([VENDOR_MAGIC_0, VENDOR_MAGIC_1, VendorCommand.SetProfile, VendorStatus.Busy]),
    );
    expect(fw.fake_power_offs()).toBe(powerOffs);
    expect(fw.fake_op(2)).toBe(Op.Transmit);
    // Still native: no echo.
    expect(frames(host.send({ type: PcToRdr.GetSlotStatus, seq: 3 })).map((x) => x.seq)).toEqual([
      3,
    ]);
  });

  it('native pushes 50 bmSlotICCState on presence changes; compat does not', async () => {
    const { host, fw } = await loadHarness();
    fw.fake_presence(0, 1);
    expect(host.take()).toEqual([]);
    frames(
      host.send({
        type: PcToRdr.Escape,
        data: [VENDOR_MAGIC_0, VENDOR_MAGIC_1, VendorCommand.SetProfile, Profile.Native],
      }),
    );
    fw.fake_presence(2, 1);
    expect(host.take()).toEqual([{ kind: 'slot-change', state: 0b11_00_01 }]);
    fw.fake_presence(0, 0);
    expect(host.take()).toEqual([{ kind: 'slot-change', state: 0b01_00_10 }]);
  });

  it('a card pulled during an exchange ends it with the slot layer error, then the push', async () => {
    const { host, fw } = await native();
    fw.fake_set_icc(0, IccStatus.PresentActive);
    host.send({ type: PcToRdr.XfrBlock, seq: 9, data: [0, 0xb0, 0, 0, 0] });
    fw.fake_presence(0, 0);
    const out = host.take();
    expect(
      out[0].kind === 'frame' && [out[0].answer.seq, out[0].answer.status, out[0].answer.error],
    ).toEqual([9, FAILED | IccStatus.NoIcc, CcidError.IccMute]);
    expect(out[1]).toEqual({ kind: 'slot-change', state: 0b10 });
  });
});
