// The one error type of the ISO 7816-4 codecs: the APDU codec here and the host's data codecs
// (host/iso7816: hex, BCD, TLV, text) throw it, so callers catch one thing.

/** Which codec rejected the input. */
export type FormatErrorKind =
  'hex' | 'command-apdu' | 'response-apdu' | 'simple-tlv' | 'ber-tlv' | 'bcd' | 'text';

/**
 * Malformed bytes or text given to an ISO 7816-4 codec. Every such codec throws this and nothing
 * else on bad input, so callers can tell "the card (or caller) sent garbage" apart
 * from programming errors.
 */
export class Iso7816FormatError extends Error {
  override readonly name = 'Iso7816FormatError';
  /** Marker, as node-serialport marks its errors: `if (e.iso7816Format)`. */
  readonly iso7816Format = true;

  constructor(
    readonly kind: FormatErrorKind,
    message: string,
    /** Byte (or character) offset of the problem, where there is one. */
    readonly offset?: number,
  ) {
    super(offset === undefined ? `${kind}: ${message}` : `${kind}: ${message} at offset ${offset}`);
  }
}

export function isIso7816FormatError(e: unknown): e is Iso7816FormatError {
  return e instanceof Iso7816FormatError;
}
