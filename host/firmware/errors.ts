// The typed errors of the firmware tools (keygen, sign, verify, info, flash, provision). Image
// format problems stay ImageError / KeyError (protocol/image); this one says what went wrong with
// a reader, a file or an option, with a `code` a caller can branch on.
import type { ImageErrorCode } from '../../protocol/image/image-error.ts';

export type FirmwareToolErrorCode =
  /** The image failed a check before anything was sent (unsigned, tampered, wrong key, …). */
  | 'image-refused'
  /** The image's version is older than the reader's running one (and --allow-downgrade is not set). */
  | 'downgrade'
  /** The reader answered a command with a failure status (VendorStatus). */
  | 'reader-refused'
  /** After the reboot the boot stage refused the image or reverted it. */
  | 'boot-refused'
  /** After the reboot the reader does not run the new image, and says nothing else went wrong. */
  | 'not-updated'
  /** The reader stopped answering and did not come back after the allowed retries. */
  | 'link'
  /** The reader answered something the protocol does not allow. */
  | 'protocol'
  /** The reader stayed busy longer than allowed. */
  | 'busy-timeout'
  /** A command-line value is invalid. */
  | 'bad-option'
  /** A file cannot be read or written. */
  | 'file';

export class FirmwareToolError extends Error {
  override readonly name = 'FirmwareToolError';
  readonly firmwareToolError = true;
  constructor(
    readonly code: FirmwareToolErrorCode,
    message: string,
    readonly details: { imageError?: ImageErrorCode; vendorStatus?: number; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
  }
}
