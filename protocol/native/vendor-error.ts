// The one error class of the native-profile (vendor escape) codec. `code` says what is wrong.

export type VendorMessageErrorCode =
  /** abData does not start with the magic 4B 52 and a command byte (not one of our escapes). */
  | 'not-vendor'
  /** The command byte is not a VendorCommand this codec knows. */
  | 'unknown-command'
  /** The payload is shorter or longer than the command's layout. */
  | 'bad-length'
  /** A field holds a value outside its range (unknown profile, bad UTF-8, …). */
  | 'bad-field'
  /** A TLV list is truncated or repeats a tag that may appear once. */
  | 'bad-tlv';

export class VendorMessageError extends Error {
  override readonly name = 'VendorMessageError';
  constructor(
    readonly code: VendorMessageErrorCode,
    message: string,
  ) {
    super(message);
  }
}
