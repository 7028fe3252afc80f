// The boot stage's typed failures: what the reader's native boot code reports when it cannot
// start any image. A refused update is not one of these: it is recorded (BootOutcome.Rejected)
// and the running image boots as before.
import type { ImageError } from '../../protocol/image/image-error.ts';

export type BootErrorCode =
  /** The flash part does not have the geometry of firmware/FLASH.md. */
  | 'flash-geometry'
  /** The primary slot holds no image that passes the checks (and nothing could replace it). */
  | 'no-bootable-image'
  /** A flash operation of the boot stage reported a failure. */
  | 'flash-failed'
  /** The boot journal has no room left (never expected: the boot stage compacts it). */
  | 'journal-full';

export class BootError extends Error {
  override readonly name = 'BootError';
  readonly bootError = true;
  constructor(
    readonly code: BootErrorCode,
    message: string,
    /** The image check that failed, for 'no-bootable-image'. */
    readonly imageError?: ImageError,
  ) {
    super(message, imageError ? { cause: imageError } : undefined);
  }
}
