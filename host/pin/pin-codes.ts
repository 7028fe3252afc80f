// The reader's PIN-entry failures as the host sees them: CCID bError values and the PC/SC part 10
// status words (protocol/PROTOCOL.md §4a). The firmware has the same numbers in
// firmware/src/pin/pin-constants.ts; pin-codes.test.ts checks that they agree.
import { CcidError } from '../../protocol/ccid-constants.ts';

export const PinError = {
  /** CCID PIN_TIMEOUT. */
  TIMEOUT: CcidError.PinTimeout,
  /** CCID PIN_CANCELLED: the holder pressed Cancel. */
  CANCELLED: CcidError.PinCancelled,
  /** Vendor bError (CCID 0x81..0xC0): too few or too many digits. */
  LENGTH: 0xc0,
  /** Vendor bError: the two new PINs differ. */
  MISMATCH: 0xbf,
} as const;

/** PC/SC part 10 status words an IFD handler returns for its PIN-pad failures (SW1 64). */
export const PinStatusWord = {
  TIMEOUT: 0x6400,
  CANCELLED: 0x6401,
  MISMATCH: 0x6402,
  LENGTH: 0x6403,
} as const;
