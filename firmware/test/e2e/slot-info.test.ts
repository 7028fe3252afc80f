// What the ISO 7816-3 layer tells the CCID layer about each slot, end to end on the real
// firmware.wasm in the simulator: DataRateAndClockFrequency answers the clock and data rate in
// force (the activation clock, and the F and D that PPS set), and Diagnostics reports the
// per-slot line counters, which DiagnosticsReset clears.
import { describe, expect, it } from 'vitest';
import {
  CcidError,
  CommandStatus,
  IccStatus,
  PcToRdr,
  RdrToPc,
  VendorCommand,
  VendorStatus,
  decodeVendorResponse,
  encodeVendorRequest,
  type SlotDiagnostics,
} from '../../../protocol/index.ts';
import { bench, type Answer, type Host } from './e2e-kit.ts';
import { idleSlot } from '../diagnostics-kit.ts';

function rate(host: Host, slot: number, clockFrequency: number, dataRate: number) {
  return host.send({ type: PcToRdr.SetDataRateAndClockFrequency, slot, clockFrequency, dataRate });
}

function fields(a: Answer) {
  if (a.type !== RdrToPc.DataRateAndClockFrequency) throw new Error(`answer ${a.type}`);
  return [
    a.commandStatus,
    a.commandStatus === CommandStatus.Failed ? a.error : 0,
    a.clockFrequency,
    a.dataRate,
  ];
}

async function escape(
  host: Host,
  command: VendorCommand.Diagnostics | VendorCommand.DiagnosticsReset,
) {
  const a = await host.send({
    type: PcToRdr.Escape,
    slot: 0,
    data: encodeVendorRequest({ command }),
  });
  if (a.type !== RdrToPc.Escape) throw new Error(`answer ${a.type}`);
  return decodeVendorResponse(a.data);
}

async function slotCounters(host: Host): Promise<SlotDiagnostics[]> {
  const r = await escape(host, VendorCommand.Diagnostics);
  if (r.command !== VendorCommand.Diagnostics || r.status !== VendorStatus.Ok)
    throw new Error(`Diagnostics: ${JSON.stringify(r)}`);
  return r.diagnostics.slots;
}

const OK = CommandStatus.Ok;
const FAILED = CommandStatus.Failed;

describe('slot clock, data rate and counters through CCID (real firmware, simulator)', () => {
  it('DataRateAndClockFrequency answers the values in force; only those can be "set"', async () => {
    // ssc3-t1: TA1 96 (Fi 512, Di 32), taken by the reader's PPS; ssc3: no TA1 (372, 1). Both
    // class B cards, so the activation clock is 4 MHz (ARCHITECTURE §6).
    const { host, stop } = await bench(['ssc3-t1', 'ssc3'], { profile: 'native' });
    try {
      expect(fields(await rate(host, 0, 4000, 250_000))).toEqual([FAILED, CcidError.IccMute, 0, 0]);
      expect((await host.powerOn(0)).type).toBe(RdrToPc.DataBlock);
      expect((await host.powerOn(1)).type).toBe(RdrToPc.DataBlock);
      expect(fields(await rate(host, 0, 4000, 250_000))).toEqual([OK, 0, 4000, 250_000]);
      expect(fields(await rate(host, 1, 4000, 10_752))).toEqual([OK, 0, 4000, 10_752]);
      // The host cannot change them: refused, and the answer says what stays in force.
      expect(fields(await rate(host, 0, 5000, 312_500))).toEqual([
        FAILED,
        CcidError.CmdNotSupported,
        4000,
        250_000,
      ]);
      expect(fields(await rate(host, 1, 4000, 21_505))).toEqual([
        FAILED,
        CcidError.CmdNotSupported,
        4000,
        10_752,
      ]);
      // Off again: nothing in force.
      await host.powerOff(0);
      const off = await rate(host, 0, 0, 0);
      expect(off.type === RdrToPc.DataRateAndClockFrequency && off.iccStatus).toBe(
        IccStatus.PresentInactive,
      );
      expect(fields(off)).toEqual([FAILED, CcidError.IccMute, 0, 0]);
    } finally {
      await stop();
    }
  });

  it("Diagnostics reports each slot's line counters; DiagnosticsReset clears them", async () => {
    const { host, stop } = await bench(['ssc3-t1', undefined, 'psam'], { profile: 'native' });
    try {
      expect(await slotCounters(host)).toEqual([idleSlot(0), idleSlot(1), idleSlot(2)]);
      expect((await host.powerOn(0)).type).toBe(RdrToPc.DataBlock);
      const after = await slotCounters(host);
      expect(after.map((s) => s.slot)).toEqual([0, 1, 2]);
      // Automatic class selection starts at class C; the class B card stays mute there (the ISO
      // layer's counts: firmware/test/iso/counters.test.ts): more than one activation, and the
      // waiting times that ran out.
      expect(after[0].activations).toBeGreaterThan(1);
      expect(after[0].timeouts).toBeGreaterThan(0);
      expect(after[0].parityErrors).toBe(0);
      expect(after[1]).toEqual(idleSlot(1));
      expect(after[2]).toEqual(idleSlot(2));
      expect((await host.powerOn(2)).type).toBe(RdrToPc.DataBlock);
      expect((await slotCounters(host))[2].activations).toBeGreaterThan(0);

      const reset = await escape(host, VendorCommand.DiagnosticsReset);
      expect(reset.status).toBe(VendorStatus.Ok);
      expect(await slotCounters(host)).toEqual([idleSlot(0), idleSlot(1), idleSlot(2)]);
      await host.powerOff(0);
      expect((await host.powerOn(0)).type).toBe(RdrToPc.DataBlock);
      expect((await slotCounters(host))[0].activations).toBe(after[0].activations);
    } finally {
      await stop();
    }
  });
});
