// The CCID device on the real firmware, with the ISO 7816-3 layer behind the slot API: only
// what the slot contract promises is assumed (an activation waits for the ATR; slotAbort ends
// an operation with CMD_ABORTED). The command processor's own cases run on the harness
// (ccid-commands.test.ts).
import { describe, expect, it } from 'vitest';
import { CcidError, CommandStatus, PcToRdr, RdrToPc } from '../../protocol/ccid-constants.ts';
import {
  Profile,
  VendorCommand,
  VENDOR_MAGIC_0,
  VENDOR_MAGIC_1,
} from '../../protocol/native-constants.ts';
import { frames, loadFirmware } from './harness.ts';

for (const variant of ['debug', 'release'] as const) {
  describe(`slots on the ${variant} firmware`, () => {
    it('a slot waiting for its ATR is busy, the others answer, and Abort frees it', async () => {
      const { hal, host } = await loadFirmware(variant);
      hal.present[1] = 1;
      host.send({
        type: PcToRdr.Escape,
        data: [VENDOR_MAGIC_0, VENDOR_MAGIC_1, VendorCommand.SetProfile, Profile.Native],
      });
      const powerOn = host.send({ type: PcToRdr.IccPowerOn, slot: 1, seq: 1, specific: [1, 0, 0] });
      expect(powerOn).toEqual([]);
      expect(
        hal.calls.some((c) => c.name === 'card_power' && c.args[0] === 1 && c.args[1] !== 0),
      ).toBe(true);

      const busy = frames(host.send({ type: PcToRdr.GetSlotStatus, slot: 1, seq: 2 }));
      expect(busy.map((a) => [a.type, a.seq, a.status & 0xc0, a.error])).toEqual([
        [RdrToPc.SlotStatus, 2, CommandStatus.Failed, CcidError.CmdSlotBusy],
      ]);
      const other = frames(host.send({ type: PcToRdr.GetSlotStatus, slot: 0, seq: 3 }));
      expect(other.map((a) => [a.slot, a.seq, a.status & 0xc0])).toEqual([
        [0, 3, CommandStatus.Ok],
      ]);

      const aborted = frames(host.send({ type: PcToRdr.Abort, slot: 1, seq: 4 }));
      expect(aborted.map((a) => [a.type, a.seq, a.status & 0xc0, a.error])).toEqual([
        [RdrToPc.DataBlock, 1, CommandStatus.Failed, CcidError.CmdAborted],
        [RdrToPc.SlotStatus, 4, CommandStatus.Ok, 0],
      ]);
      const free = frames(host.send({ type: PcToRdr.GetSlotStatus, slot: 1, seq: 5 }));
      expect(free.map((a) => [a.seq, a.status & 0xc0])).toEqual([[5, CommandStatus.Ok]]);
      // Whatever the aborted activation left armed, it answers nothing more.
      hal.advance(60_000);
      expect(host.take()).toEqual([]);
      expect(hal.panics).toEqual([]);
    });

    it('IccPowerOn on an empty slot fails with the ISO layer error, the slot absent', async () => {
      const { host } = await loadFirmware(variant);
      const out = frames(host.send({ type: PcToRdr.IccPowerOn, slot: 0, seq: 9 }));
      const answer = out[out.length - 1];
      expect([answer.type, answer.seq, answer.status & 0xc0]).toEqual([
        RdrToPc.DataBlock,
        9,
        CommandStatus.Failed,
      ]);
      expect(answer.status & 0x03).toBe(2);
    });
  });
}
