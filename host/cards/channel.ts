// What a card application needs from the driver: one card, its ATR, and APDU exchange.
// The driver's CardSession implements this; tests wrap the simulator's card operating system.

/** One card behind a reader slot, at the APDU level. */
export interface CardChannel {
  /** The card's Answer-to-Reset, as received. */
  readonly atr: Uint8Array;
  /**
   * Sends one command APDU and returns response data ‖ SW1 SW2. A reader working at APDU level
   * has already handled 61xx and 6Cxx; the applications stay robust when it has not.
   *
   * Errors below the APDU level (no card, card removed, reader lost) are thrown as the driver's
   * own typed errors; an error object with a numeric `nationalCode` property (e.g. −2 无卡)
   * keeps that code when an application maps it to the national interface.
   */
  transmit(apdu: Uint8Array): Promise<Uint8Array>;
  /**
   * Holds the card exclusively while `fn` runs, as the Web Smart Card API's `startTransaction`:
   * released when the returned promise settles. Optional; without it a sequence runs unguarded.
   */
  transaction?<T>(fn: () => Promise<T>): Promise<T>;
}

/** Runs `fn` inside the channel's transaction when it has one. */
export function withTransaction<T>(channel: CardChannel, fn: () => Promise<T>): Promise<T> {
  return channel.transaction ? channel.transaction(fn) : fn();
}
