// fast-check arbitraries for every vendor escape request and reply of the native profile.
// Test support only.

import fc from 'fast-check';
import {
  DiagnosticsTag,
  PinStage,
  Profile,
  SHA256_LENGTH,
  SlotKind,
  UpdateState,
  VendorCommand,
  VendorStatus,
} from '../native-constants.ts';
import type { DeviceInfo, ReaderConfig } from '../native/device-info.ts';
import type { Diagnostics } from '../native/diagnostics.ts';
import type { HelloInfo } from '../native/hello.ts';
import type { Tlv } from '../native/tlv.ts';
import type { VendorFailure, VendorReply, VendorRequest } from '../native/vendor-escape.ts';

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const text = fc.string({ maxLength: 40 });
const ascii = fc.stringMatching(/^[\x20-\x7e]{0,32}$/);
const profile = fc.constantFrom(Profile.Compat, Profile.Native);
const version = fc.record({ major: u8, minor: u8, patch: u16 });
const cmd = <C extends VendorCommand>(c: C) => fc.constant(c);
const ok = fc.constant(VendorStatus.Ok as const);

/** TLVs with tags the schema does not know (the room left for later issues). */
const otherTlvs = (minTag: number) =>
  fc.option(
    fc.array(
      fc.record({
        tag: fc.integer({ min: minTag, max: 0xff }),
        value: fc.uint8Array({ maxLength: 8 }),
      }),
      { minLength: 1, maxLength: 3 },
    ),
    { nil: undefined },
  ) as fc.Arbitrary<Tlv[] | undefined>;

const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });

/** Drops undefined keys so that decode (which omits absent fields) compares equal. */
function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

export const arbDeviceInfo: fc.Arbitrary<DeviceInfo> = fc
  .record({
    serialNumber: opt(text),
    model: opt(text),
    hardwareRevision: opt(text),
    firmwareVersion: opt(text),
    bootCount: opt(u32),
    uptime: opt(u32),
    language: opt(u16),
    manufacturer: opt(text),
    bootloaderVersion: opt(text),
    securityCounter: opt(u32),
    lastUpdate: opt(fc.record({ outcome: u8, reason: u8 })),
    other: otherTlvs(0x40),
  })
  .map(compact);

export const arbReaderConfig: fc.Arbitrary<ReaderConfig> = fc
  .record({
    serialNumber: opt(ascii),
    language: opt(u16),
    beeper: opt(fc.boolean()),
    pinTimeout: opt(u8),
    timeExtensionInterval: opt(u16),
    exchangeLimit: opt(u16),
    other: otherTlvs(0x40),
  })
  .map(compact);

export const arbDiagnostics: fc.Arbitrary<Diagnostics> = fc
  .record({
    slots: fc.uniqueArray(
      fc
        .record({
          slot: u8,
          parityErrors: opt(u32),
          timeouts: opt(u32),
          warmResets: opt(u32),
          t1Retransmissions: opt(u32),
          t1Resynchs: opt(u32),
          activations: opt(u32),
        })
        .map(compact)
        // a slot with no counter does not appear on the wire
        .filter((s) => Object.keys(s).length > 1),
      { selector: (s) => s.slot, maxLength: 4 },
    ),
    hostFramesReceived: opt(u32),
    hostFrameErrors: opt(u32),
    hostNaksSent: opt(u32),
    hostGarbageBytes: opt(u32),
    uptime: opt(u32),
    other: otherTlvs(DiagnosticsTag.Uptime + 1),
  })
  .map(compact);

export const arbHello: fc.Arbitrary<HelloInfo> = fc.record({
  protocolVersion: u8,
  profile,
  firmware: version,
  features: u32,
  maxMessageLength: u32,
  maxApduData: u16,
  displayRows: u8,
  displayColumns: u8,
  slots: fc.array(fc.constantFrom(SlotKind.User, SlotKind.Sam), { maxLength: 8 }),
  serialNumber: ascii,
});

export const arbVendorRequest: fc.Arbitrary<VendorRequest> = fc.oneof(
  fc.record({ command: cmd(VendorCommand.Hello) }),
  fc.record({ command: cmd(VendorCommand.Hello), hostVersion: u8 }),
  fc.record({ command: cmd(VendorCommand.SetProfile), profile }),
  fc.record({ command: cmd(VendorCommand.DeviceInfo) }),
  fc.record({ command: cmd(VendorCommand.DisplayClear) }),
  fc.record({ command: cmd(VendorCommand.DisplayText), row: u8, column: u8, text }),
  fc.record({ command: cmd(VendorCommand.Beep), frequencyHz: u16, durationMs: u16 }),
  fc.record({ command: cmd(VendorCommand.KeypadState) }),
  fc.record({
    command: cmd(VendorCommand.UpdateBegin),
    imageSize: u32,
    sha256: fc.uint8Array({ minLength: SHA256_LENGTH, maxLength: SHA256_LENGTH }),
  }),
  fc.record({
    command: cmd(VendorCommand.UpdateWrite),
    offset: u32,
    crc32: u32,
    data: fc.uint8Array({ minLength: 1, maxLength: 64 }),
  }),
  fc.record({ command: cmd(VendorCommand.UpdateFinish) }),
  fc.record({ command: cmd(VendorCommand.UpdateStatus) }),
  fc.record({ command: cmd(VendorCommand.UpdateAbort) }),
  fc.record({ command: cmd(VendorCommand.Reboot) }),
  fc.record({ command: cmd(VendorCommand.ConfigRead), tags: fc.array(u8, { maxLength: 6 }) }),
  fc.record({ command: cmd(VendorCommand.ConfigWrite), config: arbReaderConfig }),
  fc.record({ command: cmd(VendorCommand.Diagnostics) }),
  fc.record({ command: cmd(VendorCommand.DiagnosticsReset) }),
);

export const arbVendorReply: fc.Arbitrary<VendorReply> = fc.oneof(
  fc.record({ command: cmd(VendorCommand.Hello), status: ok, hello: arbHello }),
  fc.record({ command: cmd(VendorCommand.SetProfile), status: ok, profile }),
  fc.record({ command: cmd(VendorCommand.DeviceInfo), status: ok, info: arbDeviceInfo }),
  fc.record({
    command: fc.constantFrom(
      VendorCommand.DisplayClear,
      VendorCommand.DisplayText,
      VendorCommand.Beep,
      VendorCommand.UpdateFinish,
      VendorCommand.UpdateAbort,
      VendorCommand.Reboot,
      VendorCommand.ConfigWrite,
      VendorCommand.DiagnosticsReset,
    ),
    status: ok,
  }),
  fc.record({
    command: cmd(VendorCommand.KeypadState),
    status: ok,
    keys: u16,
    pinEntryActive: fc.boolean(),
  }),
  fc.record({
    command: cmd(VendorCommand.UpdateBegin),
    status: ok,
    chunkSize: u16,
    resumeOffset: u32,
  }),
  fc.record({ command: cmd(VendorCommand.UpdateWrite), status: ok, nextOffset: u32 }),
  fc.record({
    command: cmd(VendorCommand.UpdateStatus),
    status: ok,
    update: fc.record({
      state: fc.constantFrom(
        UpdateState.Idle,
        UpdateState.Receiving,
        UpdateState.Pending,
        UpdateState.Testing,
        UpdateState.Failed,
      ),
      received: u32,
      size: u32,
      running: version,
      pending: opt(version),
    }),
  }),
  fc.record({ command: cmd(VendorCommand.ConfigRead), status: ok, config: arbReaderConfig }),
  fc.record({ command: cmd(VendorCommand.Diagnostics), status: ok, diagnostics: arbDiagnostics }),
  fc.record({
    command: cmd(VendorCommand.PinProgress),
    status: ok,
    digits: u8,
    stage: fc.constantFrom(PinStage.Current, PinStage.New, PinStage.Confirm),
  }),
);

export const arbVendorFailure: fc.Arbitrary<VendorFailure> = fc.record({
  command: u8,
  status: fc.integer({ min: VendorStatus.UnknownCommand, max: VendorStatus.BadState }),
});
