// HELLO (VendorCommand.Hello) reply payload, a FIXED layout that the firmware implements:
//   u8 native protocol version (NATIVE_PROTOCOL_VERSION); u8 current Profile;
//   u8 firmware major; u8 minor; u16 LE patch; u32 LE features (ReaderFeature bits);
//   u32 LE largest CCID message in the native profile (header + data);
//   u16 LE largest APDU data field; u8 display rows; u8 display columns;
//   u8 slot count n, then n bytes SlotKind; u8 serial-number length m, then m ASCII bytes.
// The request payload is empty, or one byte: the host's native protocol version.

import { checkInt } from '../bytes.ts';
import type { Profile, SlotKind } from '../native-constants.ts';
import { PayloadReader, PayloadWriter, decodeAscii, encodeAscii } from './cursor.ts';

export interface FirmwareVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

export interface HelloInfo {
  readonly protocolVersion: number;
  readonly profile: Profile;
  readonly firmware: FirmwareVersion;
  /** ReaderFeature bits. */
  readonly features: number;
  readonly maxMessageLength: number;
  readonly maxApduData: number;
  readonly displayRows: number;
  readonly displayColumns: number;
  readonly slots: readonly SlotKind[];
  readonly serialNumber: string;
}

export function encodeHello(h: HelloInfo): Uint8Array {
  const w = new PayloadWriter()
    .u8('protocolVersion', h.protocolVersion)
    .u8('profile', h.profile)
    .u8('firmware.major', h.firmware.major)
    .u8('firmware.minor', h.firmware.minor)
    .u16('firmware.patch', h.firmware.patch)
    .u32('features', h.features)
    .u32('maxMessageLength', h.maxMessageLength)
    .u16('maxApduData', h.maxApduData)
    .u8('displayRows', h.displayRows)
    .u8('displayColumns', h.displayColumns)
    .u8('slots.length', h.slots.length);
  h.slots.forEach((k, i) => w.u8(`slots[${i}]`, k));
  const serial = encodeAscii('serialNumber', h.serialNumber);
  checkInt('serialNumber.length', serial.length, 0, 255);
  return w.u8('serialNumber.length', serial.length).bytes('serialNumber', serial).done();
}

export function decodeHello(payload: Uint8Array): HelloInfo {
  const r = new PayloadReader(payload, 'HELLO');
  const protocolVersion = r.u8();
  const profile = r.u8();
  const firmware = { major: r.u8(), minor: r.u8(), patch: r.u16() };
  const features = r.u32();
  const maxMessageLength = r.u32();
  const maxApduData = r.u16();
  const displayRows = r.u8();
  const displayColumns = r.u8();
  const slots = [...r.bytesOf(r.u8())];
  const serialNumber = decodeAscii(r.bytesOf(r.u8()), 'HELLO serial number');
  r.end();
  return {
    protocolVersion,
    profile,
    firmware,
    features,
    maxMessageLength,
    maxApduData,
    displayRows,
    displayColumns,
    slots,
    serialNumber,
  };
}
