// Typed errors of the virtual card. Reader bytes never raise errors (a card answers them, or stays
// silent, as ISO 7816-3 says); only a profile that cannot describe a real card does.

/** A card transport profile that no real card could have (bad ATR, impossible timing …). */
export class CardProfileError extends Error {
  override readonly name = 'CardProfileError';
  readonly code = 'bad-card-profile';
  constructor(
    /** The profile field at fault, e.g. `atr`, `classes`, `processingUsByIns.B2`. */
    readonly field: string,
    message: string,
  ) {
    super(`card profile, ${field}: ${message}`);
  }
}
