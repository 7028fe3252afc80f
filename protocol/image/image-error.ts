// The typed errors of the image format (IMAGE.md "Checks, in order, and their errors").
import { ImageCheck } from './image-constants.ts';

export type ImageErrorCode =
  | 'truncated'
  | 'bad-magic'
  | 'bad-size'
  | 'bad-header'
  | 'trailing-bytes'
  | 'bad-tlv'
  | 'unknown-critical-tlv'
  | 'unsigned'
  | 'hash-mismatch'
  | 'unknown-key'
  | 'bad-signature'
  | 'rollback';

/** The number the boot stage records for each code (boot record, BR_REASON). */
export const IMAGE_CHECK_OF: Record<ImageErrorCode, ImageCheck> = {
  truncated: ImageCheck.Truncated,
  'bad-magic': ImageCheck.BadMagic,
  'bad-size': ImageCheck.BadSize,
  'bad-header': ImageCheck.BadHeader,
  'trailing-bytes': ImageCheck.TrailingBytes,
  'bad-tlv': ImageCheck.BadTlv,
  'unknown-critical-tlv': ImageCheck.UnknownCriticalTlv,
  unsigned: ImageCheck.Unsigned,
  'hash-mismatch': ImageCheck.HashMismatch,
  'unknown-key': ImageCheck.UnknownKey,
  'bad-signature': ImageCheck.BadSignature,
  rollback: ImageCheck.Rollback,
};

/** The code for a number found in a boot record; undefined for Ok or an unknown number. */
export function imageErrorCodeOf(check: number): ImageErrorCode | undefined {
  for (const [code, n] of Object.entries(IMAGE_CHECK_OF))
    if (n === check) return code as ImageErrorCode;
  return undefined;
}

export class ImageError extends Error {
  override readonly name = 'ImageError';
  readonly imageError = true;
  constructor(
    readonly code: ImageErrorCode,
    message: string,
  ) {
    super(message);
  }
  get check(): ImageCheck {
    return IMAGE_CHECK_OF[this.code];
  }
}

export type KeyErrorCode =
  /** The file or text is not a PEM key, or not the kind expected (private vs public). */
  | 'bad-key'
  /** A key of another algorithm (RSA, EC): images are signed with Ed25519 only. */
  | 'not-ed25519'
  /** The key file cannot be read or written. */
  | 'key-file';

export class KeyError extends Error {
  override readonly name = 'KeyError';
  readonly keyError = true;
  constructor(
    readonly code: KeyErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
