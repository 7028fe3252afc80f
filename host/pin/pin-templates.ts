// The PIN structures host/pin sends for each card application (CCID §6.1.11; the fields:
// protocol/pin-structures.ts). They hold the command template the reader fills in, never a PIN.
//
// Social security card (kiosk-cards.md §1.5–§1.6): VERIFY `00 20 00 00 Lc PIN` and CHANGE PIN
// `80 5E 01 00 Lc old ‖ FF ‖ new`, each PIN in cn (BCD, an odd digit count padded with F), 4 to
// 16 digits. The length varies, so the templates carry no PIN field: block size 0 asks the
// reader to insert each PIN at its offset and set Lc (protocol/PROTOCOL.md §4a), which yields
// exactly the card's form — `00 20 00 00 03 12 34 56` for 123456.
import {
  LangId,
  PinConfirm,
  PinEntryValidation,
  PinMessage,
} from '../../protocol/ccid-constants.ts';
import type {
  PinFormatString,
  PinModifyStructure,
  PinVerifyStructure,
} from '../../protocol/pin-structures.ts';

/** Card applications with a PIN that the reader's keypad can serve. */
export type PinApplication = 'ssc';

export interface PinPadOptions {
  /** Seconds for the first key of each PIN (bTimeOut); 0 or absent = the reader's default (30 s). */
  timeoutSeconds?: number;
  /** Language of the reader's prompts: 'zh' (default) or 'en'. */
  language?: 'zh' | 'en';
}

/** The reader's prompt table (protocol/ccid-constants.ts PinMessage). */
export const PinPrompt = {
  ENTER_PIN: PinMessage.EnterPin,
  NEW_PIN: PinMessage.NewPin,
  CONFIRM_PIN: PinMessage.ConfirmPin,
  OLD_PIN: PinMessage.OldPin,
} as const;

const LANG_ID = { zh: LangId.ChinesePrc, en: LangId.EnglishUs } as const;

const CN_PIN: PinFormatString = {
  units: 'bytes',
  position: 0,
  justification: 'left',
  format: 'bcd',
};

/** §1.6: the reader's keypad must accept 4 to 16 digits. */
export const SSC_PIN_DIGITS = { min: 4, max: 16 } as const;

function common(options: PinPadOptions) {
  const timeOut = options.timeoutSeconds ?? 0;
  if (!Number.isInteger(timeOut) || timeOut < 0 || timeOut > 255) {
    throw new RangeError(`timeoutSeconds must be an integer 0..255, got ${timeOut}`);
  }
  return {
    timeOut,
    formatString: CN_PIN,
    pinBlockString: { lengthFieldBits: 0, blockSize: 0 },
    pinLengthFormat: { units: 'bits', position: 0, rfu: 0 },
    pinDigits: SSC_PIN_DIGITS,
    entryValidationCondition: PinEntryValidation.ValidationKey,
    langId: LANG_ID[options.language ?? 'zh'],
    teoPrologue: [0, 0, 0],
  } as const;
}

export function verifyStructure(
  application: PinApplication,
  options: PinPadOptions = {},
): PinVerifyStructure {
  checkApplication(application);
  return {
    ...common(options),
    numberMessage: 1,
    msgIndex: PinPrompt.ENTER_PIN,
    // VERIFY, global PIN; Lc 00 is a placeholder the reader replaces.
    apdu: Uint8Array.of(0x00, 0x20, 0x00, 0x00, 0x00),
  };
}

export function modifyStructure(
  application: PinApplication,
  options: PinPadOptions = {},
): PinModifyStructure {
  checkApplication(application);
  return {
    ...common(options),
    // Old PIN before the FF separator (offset 0), new PIN after it (offset 1).
    insertionOffsetOld: 0,
    insertionOffsetNew: 1,
    confirmPin: PinConfirm.EnterCurrent | PinConfirm.ConfirmNew,
    numberMessage: 3,
    msgIndex1: PinPrompt.OLD_PIN,
    msgIndex2: PinPrompt.NEW_PIN,
    msgIndex3: PinPrompt.CONFIRM_PIN,
    apdu: Uint8Array.of(0x80, 0x5e, 0x01, 0x00, 0x01, 0xff),
  };
}

function checkApplication(application: string): void {
  if (application !== 'ssc') {
    throw new RangeError(`no PIN template for application "${application}" (known: ssc)`);
  }
}
