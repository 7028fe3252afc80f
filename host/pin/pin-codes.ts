// The reader's PIN-entry failures as the host sees them: CCID bError values and the PC/SC part 10
// status words (protocol/PROTOCOL.md §4a), named for host/pin's callers. The numbers are
// protocol/ccid-constants.ts's, which the firmware sends.
import { CcidError, PIN_PAD_SW1, PinPadError, PinPadSw2 } from '../../protocol/ccid-constants.ts';

export const PinError = {
  /** CCID PIN_TIMEOUT. */
  TIMEOUT: CcidError.PinTimeout,
  /** CCID PIN_CANCELLED: the holder pressed Cancel. */
  CANCELLED: CcidError.PinCancelled,
  /** Vendor bError (CCID 0x81..0xC0): too few or too many digits. */
  LENGTH: PinPadError.Length,
  /** Vendor bError: the two new PINs differ. */
  MISMATCH: PinPadError.Mismatch,
} as const;

const sw = (sw2: PinPadSw2): number => (PIN_PAD_SW1 << 8) | sw2;

/** PC/SC part 10 status words an IFD handler returns for its PIN-pad failures (SW1 64). */
export const PinStatusWord = {
  TIMEOUT: sw(PinPadSw2.Timeout),
  CANCELLED: sw(PinPadSw2.Cancelled),
  MISMATCH: sw(PinPadSw2.Mismatch),
  LENGTH: sw(PinPadSw2.Length),
} as const;
