// Firmware update escapes (issue 8): payload layouts and the CRC-32 that UpdateWrite carries.
//   UpdateBegin  request: u32 image size, 32 bytes SHA-256 of the whole image
//                reply:   u16 largest UpdateWrite data (chunk size), u32 resume offset
//                         (0 for a new transfer; where to continue if the same image — same size
//                         and SHA-256 — was interrupted)
//   UpdateWrite  request: u32 offset, u32 CRC-32 of the data, data (1..chunk size bytes)
//                reply:   u32 next offset expected
//   UpdateStatus reply:   u8 UpdateState, u32 received, u32 image size, running version (u8 major,
//                         u8 minor, u16 patch), u8 1 if a pending version follows else 0, pending
//                         version (4 bytes, zeros when absent)
//   UpdateFinish, UpdateAbort, Reboot: empty both ways.

import type { UpdateState } from '../native-constants.ts';
import type { FirmwareVersion } from './hello.ts';
import { PayloadReader, PayloadWriter } from './cursor.ts';
import { VendorMessageError } from './vendor-error.ts';

export interface UpdateStatusInfo {
  readonly state: UpdateState;
  readonly received: number;
  readonly size: number;
  readonly running: FirmwareVersion;
  readonly pending: FirmwareVersion | undefined;
}

export function writeVersion(w: PayloadWriter, field: string, v: FirmwareVersion): PayloadWriter {
  return w
    .u8(`${field}.major`, v.major)
    .u8(`${field}.minor`, v.minor)
    .u16(`${field}.patch`, v.patch);
}

export function readVersion(r: PayloadReader): FirmwareVersion {
  return { major: r.u8(), minor: r.u8(), patch: r.u16() };
}

export function encodeUpdateStatus(s: UpdateStatusInfo): Uint8Array {
  const w = new PayloadWriter()
    .u8('state', s.state)
    .u32('received', s.received)
    .u32('size', s.size);
  writeVersion(w, 'running', s.running);
  w.u8('pending present', s.pending === undefined ? 0 : 1);
  writeVersion(w, 'pending', s.pending ?? { major: 0, minor: 0, patch: 0 });
  return w.done();
}

export function decodeUpdateStatus(payload: Uint8Array): UpdateStatusInfo {
  const r = new PayloadReader(payload, 'UpdateStatus');
  const state = r.u8();
  const received = r.u32();
  const size = r.u32();
  const running = readVersion(r);
  const hasPending = r.u8();
  const pending = readVersion(r);
  r.end();
  if (hasPending > 1) {
    throw new VendorMessageError('bad-field', `UpdateStatus: pending flag ${hasPending}`);
  }
  return { state, received, size, running, pending: hasPending === 1 ? pending : undefined };
}

const CRC32_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE 802.3, reflected 0xEDB88320, init and final XOR 0xFFFFFFFF), as zlib's crc32. */
export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of data) c = CRC32_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
