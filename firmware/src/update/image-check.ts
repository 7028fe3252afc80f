// What the update agent checks at UpdateFinish, reading the secondary slot back (IMAGE.md): the
// SHA-256 of all the bytes against UpdateBegin's, then the image's own structure, its SHA-256 TLV,
// and its security counter against the boot stage's. The signature is the boot stage's to check
// (iso7816-and-ccid.md §D3); these checks only refuse early what it would refuse anyway.
import { flash_read } from '../hal';
import { WINDOW_SECONDARY_SLOT, SLOT_SIZE } from '../../../protocol/image/flash-map';
import {
  HDR_FLAGS,
  HDR_HEADER_SIZE,
  HDR_MAGIC,
  HDR_PAYLOAD_SIZE,
  HDR_PROTECTED_TLV_SIZE,
  HDR_RESERVED,
  HDR_SECURITY_COUNTER,
  HDR_VERSION_MAJOR,
  HDR_VERSION_MINOR,
  HDR_VERSION_REVISION,
  IMAGE_HEADER_SIZE,
  IMAGE_KNOWN_FLAGS,
  IMAGE_MAGIC,
  ImageCheck,
  KEY_ID_LENGTH,
  ED25519_SIGNATURE_LENGTH,
  TLV_CRITICAL,
  TLV_HEADER_SIZE,
  TLV_INFO_PROTECTED,
  TLV_INFO_SIZE,
  TLV_INFO_UNPROTECTED,
  TlvType,
} from '../../../protocol/image/image-constants';
import { SHA256_LENGTH } from '../../../protocol/native-constants';
import { sha256Final, sha256Init, sha256Update } from './sha256';

const chunk = memory.data(256);
const headerBytes = memory.data(IMAGE_HEADER_SIZE);
const word = memory.data(8);
const digest = memory.data(SHA256_LENGTH);
const tlvValue = memory.data(SHA256_LENGTH);

/** SHA-256 of the first `len` bytes of the secondary slot into `out`; false if a read fails. */
export function hashSlot(len: i32, out: usize): bool {
  sha256Init();
  for (let at = 0; at < len; at += 256) {
    const n = len - at < 256 ? len - at : 256;
    if (flash_read(WINDOW_SECONDARY_SLOT + at, chunk, n) != 0) return false;
    sha256Update(chunk, n);
  }
  sha256Final(out);
  return true;
}

function readSlot(at: i32, ptr: usize, len: i32): bool {
  return at >= 0 && at + len <= SLOT_SIZE && flash_read(WINDOW_SECONDARY_SLOT + at, ptr, len) == 0;
}

/** The header of the image in the secondary slot, read into static memory; false if unreadable. */
export function readSlotHeader(): bool {
  return (
    readSlot(0, headerBytes, IMAGE_HEADER_SIZE) &&
    load<u32>(headerBytes + HDR_MAGIC) == <u32>IMAGE_MAGIC
  );
}

export function slotVersionMajor(): i32 {
  return <i32>load<u8>(headerBytes + HDR_VERSION_MAJOR);
}
export function slotVersionMinor(): i32 {
  return <i32>load<u8>(headerBytes + HDR_VERSION_MINOR);
}
export function slotVersionRevision(): i32 {
  return <i32>load<u16>(headerBytes + HDR_VERSION_REVISION);
}

/**
 * Checks the structure of the `size`-byte image in the secondary slot; returns an ImageCheck
 * (Ok = 0). `minSecurityCounter` is the boot stage's stored counter.
 */
export function checkSlotImage(size: i32, minSecurityCounter: u32): i32 {
  if (size < IMAGE_HEADER_SIZE || !readSlot(0, headerBytes, IMAGE_HEADER_SIZE))
    return ImageCheck.Truncated;
  if (load<u32>(headerBytes + HDR_MAGIC) != <u32>IMAGE_MAGIC) return ImageCheck.BadMagic;
  if (<i32>load<u16>(headerBytes + HDR_HEADER_SIZE) != IMAGE_HEADER_SIZE) return ImageCheck.BadSize;
  const flags = load<u32>(headerBytes + HDR_FLAGS);
  if ((flags & ~(<u32>IMAGE_KNOWN_FLAGS)) != 0 || load<u32>(headerBytes + HDR_RESERVED) != 0)
    return ImageCheck.BadHeader;
  const payload = load<u32>(headerBytes + HDR_PAYLOAD_SIZE);
  const prot = <i32>load<u16>(headerBytes + HDR_PROTECTED_TLV_SIZE);
  if (payload == 0 || payload > <u32>SLOT_SIZE) return ImageCheck.BadSize;
  const hashedEnd = IMAGE_HEADER_SIZE + <i32>payload + prot;
  if (hashedEnd + TLV_INFO_SIZE > size) return ImageCheck.Truncated;
  if (prot != 0) {
    if (!readSlot(IMAGE_HEADER_SIZE + <i32>payload, word, TLV_INFO_SIZE))
      return ImageCheck.Truncated;
    if (<i32>load<u16>(word) != TLV_INFO_PROTECTED) return ImageCheck.BadMagic;
    if (<i32>load<u16>(word, 2) != prot) return ImageCheck.BadSize;
    const check = walkTlvs(IMAGE_HEADER_SIZE + <i32>payload, prot, false);
    if (check != ImageCheck.Ok) return check;
  }
  if (!readSlot(hashedEnd, word, TLV_INFO_SIZE)) return ImageCheck.Truncated;
  if (<i32>load<u16>(word) != TLV_INFO_UNPROTECTED) return ImageCheck.BadMagic;
  const total = <i32>load<u16>(word, 2);
  if (total < TLV_INFO_SIZE) return ImageCheck.BadSize;
  if (hashedEnd + total > size) return ImageCheck.Truncated;
  if (hashedEnd + total < size) return ImageCheck.TrailingBytes;
  const check = walkTlvs(hashedEnd, total, true);
  if (check != ImageCheck.Ok) return check;
  if (!hashSlot(hashedEnd, digest)) return ImageCheck.Truncated;
  if (memory.compare(digest, tlvValue, SHA256_LENGTH) != 0) return ImageCheck.HashMismatch;
  if (load<u32>(headerBytes + HDR_SECURITY_COUNTER) < minSecurityCounter)
    return ImageCheck.Rollback;
  return ImageCheck.Ok;
}

/** Walks a TLV area; in the unprotected one, requires the key id, hash and signature TLVs. */
function walkTlvs(area: i32, size: i32, unprotected: bool): i32 {
  let seen: i32 = 0;
  let at = area + TLV_INFO_SIZE;
  while (at < area + size) {
    if (at + TLV_HEADER_SIZE > area + size || !readSlot(at, word, TLV_HEADER_SIZE))
      return ImageCheck.BadTlv;
    const type = <i32>load<u16>(word);
    const len = <i32>load<u16>(word, 2);
    if (at + TLV_HEADER_SIZE + len > area + size) return ImageCheck.BadTlv;
    let expected: i32 = -1;
    let bit: i32 = 0;
    if (unprotected) {
      if (type == TlvType.KeyId) {
        expected = KEY_ID_LENGTH;
        bit = 1;
      } else if (type == TlvType.Sha256) {
        expected = SHA256_LENGTH;
        bit = 2;
      } else if (type == TlvType.Ed25519) {
        expected = ED25519_SIGNATURE_LENGTH;
        bit = 4;
      }
    }
    if (expected < 0) {
      if (type & TLV_CRITICAL) return ImageCheck.UnknownCriticalTlv;
    } else {
      if (len != expected || (seen & bit) != 0) return ImageCheck.BadTlv;
      seen |= bit;
      if (type == TlvType.Sha256 && !readSlot(at + TLV_HEADER_SIZE, tlvValue, SHA256_LENGTH))
        return ImageCheck.BadTlv;
    }
    at += TLV_HEADER_SIZE + len;
  }
  if (unprotected && seen != 7) return ImageCheck.Unsigned;
  return ImageCheck.Ok;
}
