// The boot record (firmware/FLASH.md "Boot record", layout in protocol/image/flash-map.ts): what
// the boot stage tells the firmware about the image it started and the last update. The firmware
// reads it at init; the update agent reports it (UpdateStatus) and self-confirms a trial image.
import { readU16LE, readU32LE, writeU16LE, writeU32LE } from '../../protocol/bytes.ts';
import {
  BOOT_RECORD_LAYOUT,
  BOOT_RECORD_MAGIC,
  BOOT_RECORD_SIZE,
  BR_BOOT_STAGE_MAJOR,
  BR_BOOT_STAGE_MINOR,
  BR_BOOT_STAGE_REVISION,
  BR_CRC,
  BR_IMAGE_FLAGS,
  BR_IMAGE_HASH,
  BR_IMAGE_SECURITY_COUNTER,
  BR_LAYOUT,
  BR_MAGIC,
  BR_OUTCOME,
  BR_REASON,
  BR_STORED_SECURITY_COUNTER,
  BR_VERSION_BUILD,
  BR_VERSION_MAJOR,
  BR_VERSION_MINOR,
  BR_VERSION_REVISION,
  type BootOutcome,
} from '../../protocol/image/flash-map.ts';
import type { ImageCheck } from '../../protocol/image/image-constants.ts';
import type { ImageVersion } from '../../protocol/image/image.ts';
import { SHA256_LENGTH } from '../../protocol/native-constants.ts';
import { crc32 } from '../../protocol/native/update.ts';

export interface BootStageVersion {
  readonly major: number;
  readonly minor: number;
  readonly revision: number;
}

export interface BootRecord {
  readonly outcome: BootOutcome;
  readonly reason: ImageCheck;
  readonly version: ImageVersion;
  readonly imageFlags: number;
  readonly imageSecurityCounter: number;
  readonly storedSecurityCounter: number;
  readonly bootStage: BootStageVersion;
  readonly imageHash: Uint8Array;
}

export function encodeBootRecord(r: BootRecord): Uint8Array {
  const b = new Uint8Array(BOOT_RECORD_SIZE);
  writeU32LE(b, BR_MAGIC, BOOT_RECORD_MAGIC);
  b[BR_LAYOUT] = BOOT_RECORD_LAYOUT;
  b[BR_OUTCOME] = r.outcome;
  b[BR_REASON] = r.reason;
  b[BR_VERSION_MAJOR] = r.version.major;
  b[BR_VERSION_MINOR] = r.version.minor;
  writeU16LE(b, BR_VERSION_REVISION, r.version.revision);
  writeU32LE(b, BR_VERSION_BUILD, r.version.build);
  writeU32LE(b, BR_IMAGE_FLAGS, r.imageFlags >>> 0);
  writeU32LE(b, BR_IMAGE_SECURITY_COUNTER, r.imageSecurityCounter);
  writeU32LE(b, BR_STORED_SECURITY_COUNTER, r.storedSecurityCounter);
  b[BR_BOOT_STAGE_MAJOR] = r.bootStage.major;
  b[BR_BOOT_STAGE_MINOR] = r.bootStage.minor;
  writeU16LE(b, BR_BOOT_STAGE_REVISION, r.bootStage.revision);
  b.set(r.imageHash.subarray(0, SHA256_LENGTH), BR_IMAGE_HASH);
  writeU32LE(b, BR_CRC, crc32(b.subarray(0, BR_CRC)));
  return b;
}

/** undefined unless the bytes hold a whole, valid record. */
export function decodeBootRecord(b: Uint8Array): BootRecord | undefined {
  if (b.length < BOOT_RECORD_SIZE) return undefined;
  if (readU32LE(b, BR_MAGIC) !== BOOT_RECORD_MAGIC || b[BR_LAYOUT] !== BOOT_RECORD_LAYOUT)
    return undefined;
  if (readU32LE(b, BR_CRC) !== crc32(b.subarray(0, BR_CRC))) return undefined;
  return {
    outcome: b[BR_OUTCOME],
    reason: b[BR_REASON],
    version: {
      major: b[BR_VERSION_MAJOR],
      minor: b[BR_VERSION_MINOR],
      revision: readU16LE(b, BR_VERSION_REVISION),
      build: readU32LE(b, BR_VERSION_BUILD),
    },
    imageFlags: readU32LE(b, BR_IMAGE_FLAGS),
    imageSecurityCounter: readU32LE(b, BR_IMAGE_SECURITY_COUNTER),
    storedSecurityCounter: readU32LE(b, BR_STORED_SECURITY_COUNTER),
    bootStage: {
      major: b[BR_BOOT_STAGE_MAJOR],
      minor: b[BR_BOOT_STAGE_MINOR],
      revision: readU16LE(b, BR_BOOT_STAGE_REVISION),
    },
    imageHash: b.slice(BR_IMAGE_HASH, BR_IMAGE_HASH + SHA256_LENGTH),
  };
}
