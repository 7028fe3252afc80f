// The bank (PBOC / UnionPay) application on the social security and health cards
// (kiosk-cards.md §4; PBOC 3.0 / EMV Book 1 and 3): where it is found and the tags it is read by.

/** "1PAY.SYS.DDF01", the contact Payment System Environment, hex. */
export const PSE_NAME = '315041592E5359532E4444463031';

/** UnionPay AIDs (§4): debit, credit (seen on cards), quasi-credit (general PBOC knowledge), hex. */
export const UNIONPAY_AIDS = {
  debit: 'A000000333010101',
  credit: 'A000000333010102',
  quasiCredit: 'A000000333010103',
} as const;

/** EMV tags (EMV Book 3 annex A) of the records and answers the bank application reads. */
export const EMV_TAG = {
  /** ADF name (AID) in a PSE directory entry. */
  ADF_NAME: 0x4f,
  /** Track 2 equivalent data. */
  TRACK2: 0x57,
  /** Application primary account number (PAN). */
  PAN: 0x5a,
  /** Cardholder name. */
  CARDHOLDER_NAME: 0x5f20,
  /** Application expiration date YYMMDD. */
  EXPIRY_DATE: 0x5f24,
  /** Application effective date YYMMDD. */
  EFFECTIVE_DATE: 0x5f25,
  /** PAN sequence number. */
  PAN_SEQUENCE_NUMBER: 0x5f34,
  /** Record template of READ RECORD answers. */
  RECORD_TEMPLATE: 0x70,
  /** GET PROCESSING OPTIONS answer, format 1: AIP ‖ AFL. */
  RESPONSE_FORMAT_1: 0x80,
  /** Command template of GET PROCESSING OPTIONS. */
  COMMAND_TEMPLATE: 0x83,
  /** SFI of the directory elementary file (in the PSE FCI). */
  DIRECTORY_SFI: 0x88,
  /** Application file locator. */
  AFL: 0x94,
  /** Processing options data object list. */
  PDOL: 0x9f38,
} as const;
