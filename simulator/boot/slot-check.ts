// Checking the image in a slot (IMAGE.md "Checks"): find where it ends from its header and TLV
// info words, read exactly that much, and verify it with the boot stage's public key and stored
// security counter. Never throws: a refused image is a result the boot sequence acts on.
import { readU16LE, readU32LE } from '../../protocol/bytes.ts';
import { SLOT_SIZE } from '../../protocol/image/flash-map.ts';
import {
  HDR_MAGIC,
  HDR_PAYLOAD_SIZE,
  HDR_PROTECTED_TLV_SIZE,
  IMAGE_HEADER_SIZE,
  IMAGE_MAGIC,
  TLV_INFO_SIZE,
  TLV_INFO_UNPROTECTED,
} from '../../protocol/image/image-constants.ts';
import { ImageError } from '../../protocol/image/image-error.ts';
import { verifyImage, type VerifiedImage } from '../../protocol/image/verify.ts';
import type { KeyObject } from 'node:crypto';

export type SlotCheck =
  | { ok: true; image: VerifiedImage; extent: number }
  | { ok: false; error: ImageError; extent: number };

/** How many bytes from `base` the image claims (clamped to the slot), for reading it whole. */
export function imageExtent(read: (addr: number, len: number) => Uint8Array, base: number): number {
  const h = read(base, IMAGE_HEADER_SIZE);
  if (readU32LE(h, HDR_MAGIC) !== IMAGE_MAGIC) return IMAGE_HEADER_SIZE;
  const tlvAt =
    IMAGE_HEADER_SIZE + readU32LE(h, HDR_PAYLOAD_SIZE) + readU16LE(h, HDR_PROTECTED_TLV_SIZE);
  if (tlvAt + TLV_INFO_SIZE > SLOT_SIZE) return SLOT_SIZE;
  const info = read(base + tlvAt, TLV_INFO_SIZE);
  if (readU16LE(info, 0) !== TLV_INFO_UNPROTECTED) return tlvAt + TLV_INFO_SIZE;
  return Math.min(SLOT_SIZE, tlvAt + readU16LE(info, 2));
}

export function checkSlot(
  read: (addr: number, len: number) => Uint8Array,
  base: number,
  publicKey: KeyObject,
  minSecurityCounter: number,
): SlotCheck {
  const extent = imageExtent(read, base);
  try {
    const image = verifyImage(read(base, extent), [publicKey], {
      minSecurityCounter,
      maxSize: SLOT_SIZE,
    });
    return { ok: true, image, extent };
  } catch (e) {
    if (e instanceof ImageError) return { ok: false, error: e, extent };
    throw e;
  }
}
