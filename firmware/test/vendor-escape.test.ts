// Vendor escapes (protocol/native-constants.ts): status codes for bad requests, SetProfile's
// effect on the echo, and the escapes that are not ours.
import { describe, expect, it } from 'vitest';
import { CcidError, CommandStatus, PcToRdr, RdrToPc } from '../../protocol/ccid-constants.ts';
import {
  Profile,
  VendorCommand,
  VendorStatus,
  VENDOR_MAGIC_0,
  VENDOR_MAGIC_1,
} from '../../protocol/native-constants.ts';
import { frames, loadFirmware, shortEchoOf, type Host } from './harness.ts';
import { hex, type Answer, type CommandFields } from './wire.ts';

const vendor = (cmd: number, ...payload: number[]) => [
  VENDOR_MAGIC_0,
  VENDOR_MAGIC_1,
  cmd,
  ...payload,
];

/** Sends an escape in compat and returns its answer after checking the short echo. */
function compatEscape(host: Host, data: number[], seq = 1): Answer {
  const c: CommandFields = { type: PcToRdr.Escape, seq, data };
  const out = frames(host.send(c));
  expect(out).toHaveLength(2);
  expect(hex(out[0].raw)).toBe(hex(shortEchoOf(c)));
  expect([out[1].type, out[1].seq]).toEqual([RdrToPc.Escape, seq]);
  return out[1];
}

describe('vendor escapes', () => {
  it('answer bad requests with a VendorStatus inside a successful CCID Escape', async () => {
    const { host } = await loadFirmware('debug');
    const cases: [number[], string][] = [
      [vendor(VendorCommand.Hello, 1, 2), hex(vendor(VendorCommand.Hello, VendorStatus.BadLength))],
      [
        vendor(VendorCommand.SetProfile),
        hex(vendor(VendorCommand.SetProfile, VendorStatus.BadLength)),
      ],
      [
        vendor(VendorCommand.SetProfile, 0, 0),
        hex(vendor(VendorCommand.SetProfile, VendorStatus.BadLength)),
      ],
      [
        vendor(VendorCommand.SetProfile, 7),
        hex(vendor(VendorCommand.SetProfile, VendorStatus.BadParameter)),
      ],
      [vendor(0x7e), hex(vendor(0x7e, VendorStatus.UnknownCommand))],
      [
        vendor(VendorCommand.UpdateBegin, 1, 2, 3),
        hex(vendor(VendorCommand.UpdateBegin, VendorStatus.BadLength)),
      ],
    ];
    for (const [request, response] of cases) {
      const a = compatEscape(host, request);
      expect(a.status & 0xc0).toBe(CommandStatus.Ok);
      expect(hex(a.data)).toBe(response);
    }
  });

  it('the magic without a command byte is not a vendor escape: failed, CMD_NOT_SUPPORTED', async () => {
    const { host } = await loadFirmware('debug');
    for (const data of [[VENDOR_MAGIC_0, VENDOR_MAGIC_1], [VENDOR_MAGIC_0], []]) {
      const a = compatEscape(host, data);
      expect([a.status & 0xc0, a.error, a.length]).toEqual([
        CommandStatus.Failed,
        CcidError.CmdNotSupported,
        0,
      ]);
    }
  });

  it('the echo follows the profile in force when the command arrived', async () => {
    const { host } = await loadFirmware('release');
    // Compat → native: this answer still has its echo; the next command has none.
    compatEscape(host, vendor(VendorCommand.SetProfile, Profile.Native), 2);
    const native = frames(host.send({ type: PcToRdr.GetSlotStatus, seq: 3 }));
    expect(native.map((a) => [a.type, a.seq])).toEqual([[RdrToPc.SlotStatus, 3]]);
    // Native → compat: no echo for this answer; the next command has one.
    const back = frames(
      host.send({
        type: PcToRdr.Escape,
        seq: 4,
        data: vendor(VendorCommand.SetProfile, Profile.Compat),
      }),
    );
    expect(back.map((a) => hex(a.data))).toEqual([
      hex(vendor(VendorCommand.SetProfile, VendorStatus.Ok, Profile.Compat)),
    ]);
    expect(frames(host.send({ type: PcToRdr.GetSlotStatus, seq: 5 })).map((a) => a.type)).toEqual([
      PcToRdr.GetSlotStatus,
      RdrToPc.SlotStatus,
    ]);
  });
});
