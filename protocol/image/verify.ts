// Verification, in the order of IMAGE.md "Checks": structure, hash (tampering), key id (wrong
// key), signature, security counter (rollback). The boot stage and the tools share this code;
// the boot stage is the one that must never be skipped.
import { timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import { parseImage, type ParsedImage } from './image.ts';
import { ImageError } from './image-error.ts';
import { keyIdOf, loadPublicKey, rawPublicKey } from './keys.ts';
import { sha256 } from './sign.ts';

export interface VerifyOptions {
  /** Refuse an image whose security counter is below this (the reader's stored counter). */
  minSecurityCounter?: number;
  maxSize?: number;
}

export interface VerifiedImage extends ParsedImage {
  /** The hash the signature covers (the SHA-256 TLV, checked). */
  readonly digest: Uint8Array;
  /** The raw public key that verified it. */
  readonly publicKey: Uint8Array;
}

export function verifyImage(
  bytes: Uint8Array,
  trustedKeys: readonly (KeyObject | Uint8Array | string)[],
  options: VerifyOptions = {},
): VerifiedImage {
  const image = parseImage(bytes, { maxSize: options.maxSize });
  if (!image.sha256 || !image.signature || !image.keyId)
    throw new ImageError(
      'unsigned',
      `the image is not signed: ${[!image.sha256 && 'SHA-256', !image.keyId && 'key id', !image.signature && 'Ed25519 signature'].filter(Boolean).join(', ')} missing`,
    );
  const digest = sha256(image.hashed);
  if (!timingSafeEqual(digest, image.sha256))
    throw new ImageError(
      'hash-mismatch',
      'the SHA-256 of header and payload does not match the image: it was altered after signing',
    );
  const keys = trustedKeys.map((k) => loadPublicKey(k));
  const key = keys.find((k) => equal(keyIdOf(k), image.keyId!));
  if (!key)
    throw new ImageError(
      'unknown-key',
      `signed with key id ${hex(image.keyId)}, which is not a trusted key (${keys.map((k) => hex(keyIdOf(k))).join(', ') || 'none given'})`,
    );
  if (!verify(null, digest, key, image.signature))
    throw new ImageError(
      'bad-signature',
      `the Ed25519 signature does not verify with key ${hex(image.keyId)}`,
    );
  const floor = options.minSecurityCounter ?? 0;
  if (image.header.securityCounter < floor)
    throw new ImageError(
      'rollback',
      `security counter ${image.header.securityCounter} is below the reader's ${floor}: this image was withdrawn (rollback refused)`,
    );
  return { ...image, digest, publicKey: rawPublicKey(key) };
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}
