// Constants of the signed firmware image (protocol/image/IMAGE.md), shared by the signing tool,
// the update agent (asc) and the boot stage. Portable subset: integer constants and enums only.

/** Header magic: bytes 4B 52 46 57 ("KRFW") read as a little-endian u32. */
export const IMAGE_MAGIC = 0x5746524b;
export const IMAGE_HEADER_SIZE = 32;

/** Header field offsets (IMAGE.md "Header"). */
export const HDR_MAGIC = 0;
export const HDR_HEADER_SIZE = 4;
export const HDR_PROTECTED_TLV_SIZE = 6;
export const HDR_PAYLOAD_SIZE = 8;
export const HDR_FLAGS = 12;
export const HDR_VERSION_MAJOR = 16;
export const HDR_VERSION_MINOR = 17;
export const HDR_VERSION_REVISION = 18;
export const HDR_VERSION_BUILD = 20;
export const HDR_SECURITY_COUNTER = 24;
export const HDR_RESERVED = 28;

/** TLV area info words: u16 magic, u16 total size of the area including the info (MCUboot §E2). */
export const TLV_INFO_PROTECTED = 0x6908;
export const TLV_INFO_UNPROTECTED = 0x6907;
export const TLV_INFO_SIZE = 4;
/** Each TLV: u16 type, u16 length, value. */
export const TLV_HEADER_SIZE = 4;
/** A TLV type with this bit set must be understood, or the image is refused. */
export const TLV_CRITICAL = 0x8000;

export enum TlvType {
  /** First KEY_ID_LENGTH bytes of SHA-256 of the raw Ed25519 public key (MCUboot KEYHASH). */
  KeyId = 0x01,
  /** SHA-256 of header, payload and protected TLV area. */
  Sha256 = 0x10,
  /** Ed25519 signature of the 32 hash bytes. */
  Ed25519 = 0x24,
}

export const KEY_ID_LENGTH = 8;
export const ED25519_PUBLIC_KEY_LENGTH = 32;
export const ED25519_SIGNATURE_LENGTH = 64;

export enum ImageFlag {
  /** Test builds only: the firmware's self-test fails on a trial boot (IMAGE.md, FLASH.md). */
  SelfTestFail = 0x00010000,
}
/** Every flag bit this format defines; any other bit refuses the image. */
export const IMAGE_KNOWN_FLAGS = 0x00010000;

/**
 * What the checks of IMAGE.md found, as a number: the boot stage stores it in the boot record
 * (flash-map.ts) and the TypeScript ImageError maps its codes onto it.
 */
export enum ImageCheck {
  Ok = 0,
  Truncated = 1,
  BadMagic = 2,
  BadSize = 3,
  BadHeader = 4,
  TrailingBytes = 5,
  BadTlv = 6,
  UnknownCriticalTlv = 7,
  Unsigned = 8,
  HashMismatch = 9,
  UnknownKey = 10,
  BadSignature = 11,
  Rollback = 12,
}
