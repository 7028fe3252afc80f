// The one error class of the CCID message codec. `code` says what is wrong; `offset` (when known)
// is the byte offset in the message of the offending field, the same number a CCID reader puts
// in bError for a bad parameter (CCID rev 1.1 §6.2.6: bError 1..127 = offset of the bad byte).

export type CcidMessageErrorCode =
  /** Fewer bytes than the fixed part of the message (10-byte header, or 2/4 for interrupt ones). */
  | 'short-message'
  /** dwLength disagrees with the number of bytes that follow the header. */
  | 'length-mismatch'
  /** bMessageType is not a message of this direction. */
  | 'unknown-type'
  /** dwLength is not allowed for this message type (e.g. data on a GetSlotStatus). */
  | 'bad-dwlength'
  /** A field holds a value outside its defined range. */
  | 'bad-field';

export class CcidMessageError extends Error {
  override readonly name = 'CcidMessageError';
  constructor(
    readonly code: CcidMessageErrorCode,
    message: string,
    /** Byte offset of the offending field in the message, when there is one. */
    readonly offset?: number,
  ) {
    super(message);
  }
}
