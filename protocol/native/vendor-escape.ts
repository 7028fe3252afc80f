// The native profile's vendor escapes, carried in PC_to_RDR_Escape / RDR_to_PC_Escape abData
// (protocol/native-constants.ts, protocol/PROTOCOL.md):
//   request  4B 52 <command> <payload>
//   response 4B 52 <command> <VendorStatus> <payload>   — payload only when the status is Ok
// Layouts of each payload are in the files of this folder and in PROTOCOL.md.

import { ByteFieldError, checkBytes, checkInt, concatBytes } from '../bytes.ts';
import {
  PinStage,
  Profile,
  SHA256_LENGTH,
  VENDOR_MAGIC_0,
  VENDOR_MAGIC_1,
  VENDOR_REQUEST_HEADER,
  VENDOR_RESPONSE_HEADER,
  VendorCommand,
  VendorStatus,
} from '../native-constants.ts';
import { PayloadReader, PayloadWriter, decodeUtf8, encodeUtf8 } from './cursor.ts';
import {
  type DeviceInfo,
  type ReaderConfig,
  decodeDeviceInfo,
  decodeReaderConfig,
  encodeDeviceInfo,
  encodeReaderConfig,
} from './device-info.ts';
import { type Diagnostics, decodeDiagnostics, encodeDiagnostics } from './diagnostics.ts';
import { type HelloInfo, decodeHello, encodeHello } from './hello.ts';
import { type UpdateStatusInfo, decodeUpdateStatus, encodeUpdateStatus } from './update.ts';
import { VendorMessageError } from './vendor-error.ts';

/** Requests (host → reader). PinProgress is not a request: see PinProgress below. */
export type VendorRequest =
  | { readonly command: VendorCommand.Hello; readonly hostVersion?: number }
  | { readonly command: VendorCommand.SetProfile; readonly profile: Profile }
  | { readonly command: VendorCommand.DeviceInfo }
  | { readonly command: VendorCommand.DisplayClear }
  /** Text at (row, column) in display cells, UTF-8; a CJK character takes two cells. */
  | {
      readonly command: VendorCommand.DisplayText;
      readonly row: number;
      readonly column: number;
      readonly text: string;
    }
  | {
      readonly command: VendorCommand.Beep;
      readonly frequencyHz: number;
      readonly durationMs: number;
    }
  | { readonly command: VendorCommand.KeypadState }
  | {
      readonly command: VendorCommand.UpdateBegin;
      readonly imageSize: number;
      readonly sha256: Uint8Array;
    }
  | {
      readonly command: VendorCommand.UpdateWrite;
      readonly offset: number;
      readonly crc32: number;
      readonly data: Uint8Array;
    }
  | { readonly command: VendorCommand.UpdateFinish }
  | { readonly command: VendorCommand.UpdateStatus }
  | { readonly command: VendorCommand.UpdateAbort }
  | { readonly command: VendorCommand.Reboot }
  /** ConfigTag values to read; empty = every entry. */
  | { readonly command: VendorCommand.ConfigRead; readonly tags: readonly number[] }
  | { readonly command: VendorCommand.ConfigWrite; readonly config: ReaderConfig }
  | { readonly command: VendorCommand.Diagnostics }
  | { readonly command: VendorCommand.DiagnosticsReset };

type Ok = VendorStatus.Ok;

/** Successful replies (status Ok), one per command, with the command's reply payload. */
export type VendorReply =
  | { readonly command: VendorCommand.Hello; readonly status: Ok; readonly hello: HelloInfo }
  | { readonly command: VendorCommand.SetProfile; readonly status: Ok; readonly profile: Profile }
  | { readonly command: VendorCommand.DeviceInfo; readonly status: Ok; readonly info: DeviceInfo }
  | {
      readonly command:
        | VendorCommand.DisplayClear
        | VendorCommand.DisplayText
        | VendorCommand.Beep
        | VendorCommand.UpdateFinish
        | VendorCommand.UpdateAbort
        | VendorCommand.Reboot
        | VendorCommand.ConfigWrite
        | VendorCommand.DiagnosticsReset;
      readonly status: Ok;
    }
  | {
      readonly command: VendorCommand.KeypadState;
      readonly status: Ok;
      /** FunctionKey bits pressed since the last KeypadState. */
      readonly keys: number;
      readonly pinEntryActive: boolean;
    }
  | {
      readonly command: VendorCommand.UpdateBegin;
      readonly status: Ok;
      readonly chunkSize: number;
      readonly resumeOffset: number;
    }
  | {
      readonly command: VendorCommand.UpdateWrite;
      readonly status: Ok;
      readonly nextOffset: number;
    }
  | {
      readonly command: VendorCommand.UpdateStatus;
      readonly status: Ok;
      readonly update: UpdateStatusInfo;
    }
  | {
      readonly command: VendorCommand.ConfigRead;
      readonly status: Ok;
      readonly config: ReaderConfig;
    }
  | {
      readonly command: VendorCommand.Diagnostics;
      readonly status: Ok;
      readonly diagnostics: Diagnostics;
    }
  /**
   * PIN-entry progress: the abData of a native-profile time-extension DataBlock (bStatus 0x80)
   * during PC_to_RDR_Secure. Counts and stage only — never a digit.
   */
  | {
      readonly command: VendorCommand.PinProgress;
      readonly status: Ok;
      readonly digits: number;
      readonly stage: PinStage;
    };

/** A reply whose status is not Ok: no payload. `command` may be one this codec does not know. */
export interface VendorFailure {
  readonly command: number;
  readonly status: Exclude<VendorStatus, Ok>;
}

export type VendorResponse = VendorReply | VendorFailure;

export function isVendorFailure(r: VendorResponse): r is VendorFailure {
  return r.status !== VendorStatus.Ok;
}

/** True if an Escape's abData is one of ours (starts with the magic and has a command byte). */
export function isVendorEscape(abData: Uint8Array): boolean {
  return (
    abData.length >= VENDOR_REQUEST_HEADER &&
    abData[0] === VENDOR_MAGIC_0 &&
    abData[1] === VENDOR_MAGIC_1
  );
}

const COMMANDS = new Set<number>(
  Object.values(VendorCommand).filter((v): v is number => typeof v === 'number'),
);
const STATUSES = new Set<number>(
  Object.values(VendorStatus).filter((v): v is number => typeof v === 'number'),
);
const name = (c: number): string => VendorCommand[c] ?? `0x${c.toString(16)}`;

// ---------------------------------------------------------------------------------------------
// requests

function requestPayload(r: VendorRequest): Uint8Array {
  const w = new PayloadWriter();
  switch (r.command) {
    case VendorCommand.Hello:
      return r.hostVersion === undefined ? w.done() : w.u8('hostVersion', r.hostVersion).done();
    case VendorCommand.SetProfile:
      return w.u8('profile', r.profile).done();
    case VendorCommand.DisplayText:
      return w.u8('row', r.row).u8('column', r.column).bytes('text', encodeUtf8(r.text)).done();
    case VendorCommand.Beep:
      return w.u16('frequencyHz', r.frequencyHz).u16('durationMs', r.durationMs).done();
    case VendorCommand.UpdateBegin:
      checkInt(
        'sha256.length',
        checkBytes('sha256', r.sha256).length,
        SHA256_LENGTH,
        SHA256_LENGTH,
      );
      return w.u32('imageSize', r.imageSize).bytes('sha256', r.sha256).done();
    case VendorCommand.UpdateWrite:
      return w.u32('offset', r.offset).u32('crc32', r.crc32).bytes('data', r.data).done();
    case VendorCommand.ConfigRead:
      r.tags.forEach((t, i) => w.u8(`tags[${i}]`, t));
      return w.done();
    case VendorCommand.ConfigWrite:
      return encodeReaderConfig(r.config);
    case VendorCommand.DeviceInfo:
    case VendorCommand.DisplayClear:
    case VendorCommand.KeypadState:
    case VendorCommand.UpdateFinish:
    case VendorCommand.UpdateStatus:
    case VendorCommand.UpdateAbort:
    case VendorCommand.Reboot:
    case VendorCommand.Diagnostics:
    case VendorCommand.DiagnosticsReset:
      return w.done();
  }
}

/** The Escape abData of a request. Throws ByteFieldError when a field does not fit. */
export function encodeVendorRequest(r: VendorRequest): Uint8Array {
  if (!COMMANDS.has(r.command) || (r.command as number) === VendorCommand.PinProgress) {
    throw new ByteFieldError('command', `${String(r.command)} is not a request VendorCommand`);
  }
  return concatBytes([Uint8Array.of(VENDOR_MAGIC_0, VENDOR_MAGIC_1, r.command), requestPayload(r)]);
}

/** Decodes an Escape abData as a request. Throws VendorMessageError with a `code`. */
export function decodeVendorRequest(abData: Uint8Array): VendorRequest {
  if (!(abData instanceof Uint8Array) || !isVendorEscape(abData)) {
    throw new VendorMessageError('not-vendor', 'abData does not start with 4B 52 and a command');
  }
  const command = abData[2];
  if (!COMMANDS.has(command) || command === VendorCommand.PinProgress) {
    throw new VendorMessageError(
      'unknown-command',
      `vendor command ${name(command)} is not a request`,
    );
  }
  const r = new PayloadReader(abData.subarray(VENDOR_REQUEST_HEADER), name(command));
  const out = ((): VendorRequest => {
    switch (command as VendorCommand) {
      case VendorCommand.Hello:
        return r.remaining === 0 ? { command } : { command, hostVersion: r.u8() };
      case VendorCommand.SetProfile:
        return { command, profile: profile(r.u8()) };
      case VendorCommand.DisplayText:
        return { command, row: r.u8(), column: r.u8(), text: decodeUtf8(r.rest(), 'DisplayText') };
      case VendorCommand.Beep:
        return { command, frequencyHz: r.u16(), durationMs: r.u16() };
      case VendorCommand.UpdateBegin:
        return { command, imageSize: r.u32(), sha256: r.bytesOf(SHA256_LENGTH) };
      case VendorCommand.UpdateWrite: {
        const offset = r.u32();
        const crc32 = r.u32();
        const data = r.rest();
        if (data.length === 0) {
          throw new VendorMessageError('bad-length', 'UpdateWrite without data');
        }
        return { command, offset, crc32, data };
      }
      case VendorCommand.ConfigRead:
        return { command, tags: [...r.rest()] };
      case VendorCommand.ConfigWrite:
        return { command, config: decodeReaderConfig(r.rest()) };
      default:
        return { command } as VendorRequest;
    }
  })();
  r.end();
  return out;
}

function profile(v: number): Profile {
  if (v !== Profile.Compat && v !== Profile.Native) {
    throw new VendorMessageError('bad-field', `profile ${v} is not Compat (0) or Native (1)`);
  }
  return v;
}

// ---------------------------------------------------------------------------------------------
// responses

function replyPayload(r: VendorReply): Uint8Array {
  const w = new PayloadWriter();
  switch (r.command) {
    case VendorCommand.Hello:
      return encodeHello(r.hello);
    case VendorCommand.SetProfile:
      return w.u8('profile', r.profile).done();
    case VendorCommand.DeviceInfo:
      return encodeDeviceInfo(r.info);
    case VendorCommand.KeypadState:
      return w
        .u16('keys', r.keys)
        .u8('flags', r.pinEntryActive ? 1 : 0)
        .done();
    case VendorCommand.UpdateBegin:
      return w.u16('chunkSize', r.chunkSize).u32('resumeOffset', r.resumeOffset).done();
    case VendorCommand.UpdateWrite:
      return w.u32('nextOffset', r.nextOffset).done();
    case VendorCommand.UpdateStatus:
      return encodeUpdateStatus(r.update);
    case VendorCommand.ConfigRead:
      return encodeReaderConfig(r.config);
    case VendorCommand.Diagnostics:
      return encodeDiagnostics(r.diagnostics);
    case VendorCommand.PinProgress:
      checkInt('stage', r.stage, PinStage.Current, PinStage.Confirm);
      return w.u8('digits', r.digits).u8('stage', r.stage).done();
    default:
      return w.done();
  }
}

/** The Escape abData of a response (or, for PinProgress, of the time-extension DataBlock). */
export function encodeVendorResponse(r: VendorResponse): Uint8Array {
  checkInt('command', r.command, 0, 0xff);
  if (!STATUSES.has(r.status)) {
    throw new ByteFieldError('status', `${String(r.status)} is not a VendorStatus`);
  }
  const head = Uint8Array.of(VENDOR_MAGIC_0, VENDOR_MAGIC_1, r.command, r.status);
  if (isVendorFailure(r)) return head;
  if (!COMMANDS.has(r.command)) {
    throw new ByteFieldError('command', `${r.command} is not a VendorCommand`);
  }
  return concatBytes([head, replyPayload(r)]);
}

/** Decodes an Escape (or PIN-progress DataBlock) abData as a response. */
export function decodeVendorResponse(abData: Uint8Array): VendorResponse {
  if (
    !(abData instanceof Uint8Array) ||
    abData.length < VENDOR_RESPONSE_HEADER ||
    !isVendorEscape(abData)
  ) {
    throw new VendorMessageError('not-vendor', 'abData does not start with 4B 52, command, status');
  }
  const command = abData[2];
  const status = abData[3];
  const payload = abData.subarray(VENDOR_RESPONSE_HEADER);
  if (status !== VendorStatus.Ok) {
    if (!STATUSES.has(status)) {
      throw new VendorMessageError('bad-field', `vendor status ${status} is unknown`);
    }
    if (payload.length !== 0) {
      throw new VendorMessageError('bad-length', `${name(command)} failed with a payload`);
    }
    return { command, status: status as Exclude<VendorStatus, Ok> };
  }
  if (!COMMANDS.has(command)) {
    throw new VendorMessageError('unknown-command', `vendor command ${name(command)} is unknown`);
  }
  const ok = VendorStatus.Ok as const;
  const r = new PayloadReader(payload, name(command));
  const out = ((): VendorReply => {
    switch (command as VendorCommand) {
      case VendorCommand.Hello:
        return { command, status: ok, hello: decodeHello(r.rest()) };
      case VendorCommand.SetProfile:
        return { command, status: ok, profile: profile(r.u8()) };
      case VendorCommand.DeviceInfo:
        return { command, status: ok, info: decodeDeviceInfo(r.rest()) };
      case VendorCommand.KeypadState: {
        const keys = r.u16();
        const flags = r.u8();
        if (flags > 1) throw new VendorMessageError('bad-field', `KeypadState flags ${flags}`);
        return { command, status: ok, keys, pinEntryActive: flags === 1 };
      }
      case VendorCommand.UpdateBegin:
        return { command, status: ok, chunkSize: r.u16(), resumeOffset: r.u32() };
      case VendorCommand.UpdateWrite:
        return { command, status: ok, nextOffset: r.u32() };
      case VendorCommand.UpdateStatus:
        return { command, status: ok, update: decodeUpdateStatus(r.rest()) };
      case VendorCommand.ConfigRead:
        return { command, status: ok, config: decodeReaderConfig(r.rest()) };
      case VendorCommand.Diagnostics:
        return { command, status: ok, diagnostics: decodeDiagnostics(r.rest()) };
      case VendorCommand.PinProgress: {
        const digits = r.u8();
        const stage = r.u8();
        if (stage > PinStage.Confirm) {
          throw new VendorMessageError('bad-field', `PinProgress stage ${stage}`);
        }
        return { command, status: ok, digits, stage };
      }
      default:
        return { command, status: ok } as VendorReply;
    }
  })();
  r.end();
  return out;
}
