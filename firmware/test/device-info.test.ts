// DeviceInfo and Diagnostics vendor escapes: TLV lists (protocol/native-constants.ts tags).
import { describe, expect, it } from 'vitest';
import { CommandStatus, PcToRdr } from '../../protocol/ccid-constants.ts';
import {
  Profile,
  VendorCommand,
  VendorStatus,
  VENDOR_MAGIC_0,
  VENDOR_MAGIC_1,
} from '../../protocol/native-constants.ts';
import { FIRMWARE_NAME, FIRMWARE_VERSION, MODEL } from '../src/version.ts';
import type { DeviceInfo } from '../../protocol/native/device-info.ts';
import type { Diagnostics } from '../../protocol/native/diagnostics.ts';
import type { VendorResponse } from '../../protocol/native/vendor-escape.ts';
import { FakeHal } from './fake-hal.ts';
import { idleSlot } from './diagnostics-kit.ts';
import { encodeBootRecord } from '../../simulator/boot/boot-record.ts';
import {
  BootOutcome,
  FIRMWARE_WINDOW_SIZE,
  WINDOW_BOOT_RECORD,
} from '../../protocol/image/flash-map.ts';
import { ImageCheck } from '../../protocol/image/image-constants.ts';
import { frames, Host } from './harness.ts';
import { command, frame, hex } from './wire.ts';

const vendor = (cmd: number, ...payload: number[]) => [
  VENDOR_MAGIC_0,
  VENDOR_MAGIC_1,
  cmd,
  ...payload,
];

async function nativeHost(startMs = 0) {
  const hal = new FakeHal();
  hal.nowMs = startMs;
  await hal.load('debug');
  const host = new Host(hal);
  host.send({ type: PcToRdr.Escape, data: vendor(VendorCommand.SetProfile, Profile.Native) });
  const ask = (cmd: number, ...payload: number[]) => {
    const a = frames(host.send({ type: PcToRdr.Escape, seq: cmd, data: vendor(cmd, ...payload) }));
    expect(a).toHaveLength(1);
    expect(a[0].status & 0xc0).toBe(CommandStatus.Ok);
    expect(hex(a[0].data.slice(0, 3))).toBe(hex(vendor(cmd)));
    // Read by protocol/'s vendor codec (wire.ts), which also checks the payload layout.
    expect(a[0].vendor).toBeDefined();
    return a[0].vendor as VendorResponse & { info?: DeviceInfo; diagnostics?: Diagnostics };
  };
  return { hal, host, ask };
}

describe('DeviceInfo', () => {
  it('reports serial number, model, firmware version and uptime as TLVs', async () => {
    const { hal, ask } = await nativeHost();
    hal.advance(7_500);
    const r = ask(VendorCommand.DeviceInfo);
    expect(r.status).toBe(VendorStatus.Ok);
    expect(r.info).toEqual({
      serialNumber: Buffer.from(hal.uid).toString('hex').toUpperCase(),
      model: MODEL,
      firmwareVersion: FIRMWARE_VERSION,
      uptime: 7,
    });
    expect(FIRMWARE_NAME).toBe(`${MODEL} ${FIRMWARE_VERSION}`);
    expect(ask(VendorCommand.DeviceInfo, 0).status).toBe(VendorStatus.BadLength);
  });

  it("reports the boot stage's stored security counter and the last update from the boot record", async () => {
    const hal = new FakeHal();
    hal.flash = new Uint8Array(FIRMWARE_WINDOW_SIZE).fill(0xff);
    const record = {
      outcome: BootOutcome.Rejected,
      reason: ImageCheck.Rollback,
      version: { major: 1, minor: 4, revision: 2, build: 0 },
      imageFlags: 0,
      imageSecurityCounter: 7,
      storedSecurityCounter: 7,
      bootStage: { major: 1, minor: 0, revision: 0 },
      imageHash: new Uint8Array(32),
    };
    hal.flash.set(encodeBootRecord(record), WINDOW_BOOT_RECORD);
    await hal.load('debug');
    const host = new Host(hal);
    host.send({ type: PcToRdr.Escape, data: vendor(VendorCommand.SetProfile, Profile.Native) });
    const info = () => {
      const a = frames(host.send({ type: PcToRdr.Escape, data: vendor(VendorCommand.DeviceInfo) }));
      return (a[0].vendor as VendorResponse & { info: DeviceInfo }).info;
    };
    expect(info()).toMatchObject({
      securityCounter: 7,
      lastUpdate: { outcome: BootOutcome.Rejected, reason: ImageCheck.Rollback },
    });
    // Without a valid boot record (no boot stage, or a torn one) neither is known: both absent.
    hal.flash[WINDOW_BOOT_RECORD + 70] ^= 1;
    hal.exports.init();
    host.send({ type: PcToRdr.Escape, data: vendor(VendorCommand.SetProfile, Profile.Native) });
    const without = info();
    expect(without.securityCounter).toBeUndefined();
    expect(without.lastUpdate).toBeUndefined();
    expect(without.serialNumber).toBeDefined();
  });

  it('keeps counting uptime across the 2^31 ms wrap of now_ms', async () => {
    const { hal, ask } = await nativeHost(2 ** 31 - 2_000);
    hal.advance(5_000);
    expect(ask(VendorCommand.DeviceInfo).info?.uptime).toBe(5);
  });

  it('keeps uptime right when the host is silent for longer than 2^31 ms (24.8 days)', async () => {
    for (const start of [0, 2 ** 31 - 2_000, 2 ** 32 - 1_000]) {
      const { hal, ask } = await nativeHost(start);
      const silent = 40 * 86_400_000 + 1_500; // 40 days: now_ms - last is negative as an i32
      hal.advance(silent);
      expect(ask(VendorCommand.DeviceInfo).info?.uptime).toBe(40 * 86_400 + 1);
      hal.advance(2 ** 31 + 600); // once more past the sign bit, from the odd half-second
      expect(ask(VendorCommand.DeviceInfo).info?.uptime).toBe(40 * 86_400 + 2_147_485); // 1.5 s + 2^31 ms + 0.6 s
    }
  });
});

const idleSlots = [0, 1, 2].map(idleSlot);

describe('Diagnostics', () => {
  it('counts frames, frame errors, NAKs and garbage bytes; DiagnosticsReset clears them', async () => {
    const { hal, host, ask } = await nativeHost();
    const bad = frame(command({ type: PcToRdr.GetSlotStatus }));
    bad[bad.length - 1] ^= 1;
    host.sendRaw([0x00, 0x11, 0x22, ...bad]);
    hal.advance(2_000);
    // SetProfile, then this Diagnostics request; the bad frame is an error and a NAK; the three
    // garbage bytes, and the bad frame's bytes rescanned after its SYNC, are garbage. No card
    // anywhere: every slot's line counters are 0.
    expect(ask(VendorCommand.Diagnostics).diagnostics).toEqual({
      hostFramesReceived: 2,
      hostFrameErrors: 1,
      hostNaksSent: 1,
      hostGarbageBytes: 3 + bad.length - 1,
      uptime: 2,
      slots: idleSlots,
    });
    expect(ask(VendorCommand.DiagnosticsReset).status).toBe(VendorStatus.Ok);
    expect(ask(VendorCommand.Diagnostics).diagnostics).toEqual({
      hostFramesReceived: 1,
      hostFrameErrors: 0,
      hostNaksSent: 0,
      hostGarbageBytes: 0,
      uptime: 2,
      slots: idleSlots,
    });
    expect(ask(VendorCommand.Diagnostics, 1).status).toBe(VendorStatus.BadLength);
  });
});
