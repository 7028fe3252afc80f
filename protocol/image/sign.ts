// Signing (IMAGE.md): header + payload → SHA-256 → Ed25519 over the 32 hash bytes, with the key
// id, as MCUboot's imgtool does for ed25519 keys (§E2, §E3).
import { createHash, sign, type KeyObject } from 'node:crypto';
import { appendTlvs, encodeHashed, type ImageTlv, type ImageVersion } from './image.ts';
import { IMAGE_KNOWN_FLAGS, TlvType } from './image-constants.ts';
import { ImageError } from './image-error.ts';
import { keyIdOf, loadPrivateKey } from './keys.ts';
import { SLOT_SIZE } from './flash-map.ts';
import { parseImage } from './image.ts';

/** The first 8 bytes of every WebAssembly binary (magic and version 1). */
export const WASM_PREAMBLE = Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00);

export interface SignRequest {
  readonly payload: Uint8Array;
  readonly version: ImageVersion;
  readonly securityCounter: number;
  readonly flags?: number;
  /** Future protected TLVs; none are defined yet. */
  readonly protectedTlvs?: readonly ImageTlv[];
}

export function sha256(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(bytes).digest());
}

export function isWasm(payload: Uint8Array): boolean {
  return payload.length >= WASM_PREAMBLE.length && WASM_PREAMBLE.every((b, i) => payload[i] === b);
}

export function signImage(request: SignRequest, privateKey: KeyObject | string): Uint8Array {
  const key = typeof privateKey === 'string' ? loadPrivateKey(privateKey) : privateKey;
  const flags = request.flags ?? 0;
  if (!isWasm(request.payload))
    throw new ImageError(
      'bad-size',
      'the payload is not a WebAssembly module (no 00 61 73 6D 01 00 00 00 preamble)',
    );
  if ((flags & ~IMAGE_KNOWN_FLAGS) >>> 0 !== 0)
    throw new ImageError('bad-header', `unknown flags 0x${(flags >>> 0).toString(16)}`);
  if (
    !Number.isInteger(request.securityCounter) ||
    request.securityCounter < 0 ||
    request.securityCounter > 0xffffffff
  )
    throw new ImageError('bad-header', `security counter ${request.securityCounter} is not a u32`);
  const hashed = encodeHashed(
    { flags, version: request.version, securityCounter: request.securityCounter },
    request.payload,
    request.protectedTlvs,
  );
  const digest = sha256(hashed);
  const signature = new Uint8Array(sign(null, digest, key));
  const image = appendTlvs(hashed, [
    { type: TlvType.KeyId, value: keyIdOf(key) },
    { type: TlvType.Sha256, value: digest },
    { type: TlvType.Ed25519, value: signature },
  ]);
  // The signer never hands out an image the format would refuse (too large for the slot).
  parseImage(image, { maxSize: SLOT_SIZE });
  return image;
}
