// DeviceInfo and Diagnostics vendor escapes: TLV lists (protocol/native-constants.ts tags).
import { describe, expect, it } from 'vitest';
import { CommandStatus, PcToRdr } from '../../protocol/ccid-constants.ts';
import {
  DeviceInfoTag,
  DiagnosticsTag,
  Profile,
  VendorCommand,
  VendorStatus,
  VENDOR_MAGIC_0,
  VENDOR_MAGIC_1,
  VENDOR_RESPONSE_HEADER,
} from '../../protocol/native-constants.ts';
import { FIRMWARE_NAME, FIRMWARE_VERSION, MODEL } from '../src/version.ts';
import { FakeHal } from './fake-hal.ts';
import { frames, Host } from './harness.ts';
import { command, frame, hex } from './wire.ts';

const vendor = (cmd: number, ...payload: number[]) => [
  VENDOR_MAGIC_0,
  VENDOR_MAGIC_1,
  cmd,
  ...payload,
];

function tlvs(payload: Uint8Array): Map<number, Uint8Array> {
  const out = new Map<number, Uint8Array>();
  for (let p = 0; p < payload.length;) {
    const n = payload[p + 1];
    expect(p + 2 + n).toBeLessThanOrEqual(payload.length);
    expect(out.has(payload[p])).toBe(false);
    out.set(payload[p], payload.slice(p + 2, p + 2 + n));
    p += 2 + n;
  }
  return out;
}
const u32 = (v: Uint8Array | undefined) => {
  expect(v?.length).toBe(4);
  return new DataView(v!.buffer, v!.byteOffset).getUint32(0, true);
};
const text = (v: Uint8Array | undefined) => new TextDecoder().decode(v);

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
    return { status: a[0].data[3], payload: a[0].data.slice(VENDOR_RESPONSE_HEADER) };
  };
  return { hal, host, ask };
}

describe('DeviceInfo', () => {
  it('reports serial number, model, firmware version and uptime as TLVs', async () => {
    const { hal, ask } = await nativeHost();
    hal.advance(7_500);
    const r = ask(VendorCommand.DeviceInfo);
    expect(r.status).toBe(VendorStatus.Ok);
    const t = tlvs(r.payload);
    expect(text(t.get(DeviceInfoTag.SerialNumber))).toBe(
      Buffer.from(hal.uid).toString('hex').toUpperCase(),
    );
    expect(text(t.get(DeviceInfoTag.Model))).toBe(MODEL);
    expect(text(t.get(DeviceInfoTag.FirmwareVersion))).toBe(FIRMWARE_VERSION);
    expect(u32(t.get(DeviceInfoTag.Uptime))).toBe(7);
    expect(FIRMWARE_NAME).toBe(`${MODEL} ${FIRMWARE_VERSION}`);
    expect(ask(VendorCommand.DeviceInfo, 0).status).toBe(VendorStatus.BadLength);
  });

  it('keeps counting uptime across the 2^31 ms wrap of now_ms', async () => {
    const { hal, ask } = await nativeHost(2 ** 31 - 2_000);
    hal.advance(5_000);
    expect(u32(tlvs(ask(VendorCommand.DeviceInfo).payload).get(DeviceInfoTag.Uptime))).toBe(5);
  });
});

describe('Diagnostics', () => {
  it('counts frames, frame errors, NAKs and garbage bytes; DiagnosticsReset clears them', async () => {
    const { hal, host, ask } = await nativeHost();
    const bad = frame(command({ type: PcToRdr.GetSlotStatus }));
    bad[bad.length - 1] ^= 1;
    host.sendRaw([0x00, 0x11, 0x22, ...bad]);
    hal.advance(2_000);
    const t = tlvs(ask(VendorCommand.Diagnostics).payload);
    // SetProfile, then this Diagnostics request; the bad frame is an error and a NAK; the three
    // garbage bytes, and the bad frame's bytes rescanned after its SYNC, are garbage.
    expect(u32(t.get(DiagnosticsTag.HostFramesReceived))).toBe(2);
    expect(u32(t.get(DiagnosticsTag.HostFrameErrors))).toBe(1);
    expect(u32(t.get(DiagnosticsTag.HostNaksSent))).toBe(1);
    expect(u32(t.get(DiagnosticsTag.HostGarbageBytes))).toBe(3 + bad.length - 1);
    expect(u32(t.get(DiagnosticsTag.Uptime))).toBe(2);
    expect(ask(VendorCommand.DiagnosticsReset).status).toBe(VendorStatus.Ok);
    const after = tlvs(ask(VendorCommand.Diagnostics).payload);
    expect(u32(after.get(DiagnosticsTag.HostFramesReceived))).toBe(1);
    expect(u32(after.get(DiagnosticsTag.HostFrameErrors))).toBe(0);
    expect(u32(after.get(DiagnosticsTag.HostNaksSent))).toBe(0);
    expect(u32(after.get(DiagnosticsTag.HostGarbageBytes))).toBe(0);
    expect(ask(VendorCommand.Diagnostics, 1).status).toBe(VendorStatus.BadLength);
  });
});
