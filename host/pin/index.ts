// Secure PIN entry on the reader's keypad, for the driver's API, the CLI and the local service
// (README.md). No function here takes or returns a PIN.
export {
  verifyPin,
  changePin,
  outcomeOfStatusWord,
  outcomeOfBError,
  type PinOutcome,
  type ChangePinOutcome,
  type PinRequest,
} from './pin-entry.ts';
export {
  verifyStructure,
  modifyStructure,
  PinPrompt,
  SSC_PIN_DIGITS,
  type PinApplication,
  type PinPadOptions,
} from './pin-templates.ts';
export { PinError, PinStatusWord } from './pin-codes.ts';
export type { SecureChannel, SecureOptions, PinProgress, PinStageName } from './secure-channel.ts';
export { ccidSecureChannel, progressOf, SECURE_SILENCE_MS } from './ccid-secure-channel.ts';
