// What host/pin needs from the driver: PC_to_RDR_Secure to the slot of one card, answered at
// APDU level (the native profile), with the reader's PIN progress along the way. The driver's
// CardSession is meant to offer it (see README.md); ccid-secure-channel.ts builds one on the CCID
// client. The structure sent never holds a PIN — the reader reads the digits from its keypad —
// and nothing that comes back does: the card's status word, and counts of digits typed.
import type { SecurePayload } from '../../protocol/pin-structures.ts';

/** Which PIN the holder is typing. */
export type PinStageName = 'current' | 'new' | 'confirm';

/** From the reader's time extensions while the holder types: how many digits, never which. */
export interface PinProgress {
  readonly digits: number;
  readonly stage: PinStageName;
}

export interface SecureOptions {
  /** Ends the entry on the reader (PC_to_RDR_Abort); the call rejects with CancelledError. */
  signal?: AbortSignal;
  onProgress?(progress: PinProgress): void;
}

export interface SecureChannel {
  /**
   * Sends the Secure command and resolves with the card's response (data ‖ SW1 SW2). A failed
   * answer rejects with the driver's ReaderError carrying `bError` (PIN timeout F0, cancelled
   * EF, the PIN errors of protocol/PROTOCOL.md §4a, the offset of a refused field).
   */
  secure(payload: SecurePayload, options?: SecureOptions): Promise<Uint8Array>;
}
