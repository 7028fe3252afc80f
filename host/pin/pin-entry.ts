// PIN verification and change on the reader's keypad: `verifyPin` and `changePin` send the
// application's PIN structure (pin-templates.ts) as PC_to_RDR_Secure and turn the answer into an
// outcome. No function here takes, returns or logs a PIN: the holder types it on the reader, the
// reader builds the command, and the host learns only how it ended.
import { CardError } from '../cards/card-error.ts';
import { isReaderError } from '../ccid/errors.ts';
import { PinError, PinStatusWord } from './pin-codes.ts';
import {
  modifyStructure,
  verifyStructure,
  type PinApplication,
  type PinPadOptions,
} from './pin-templates.ts';
import type { PinProgress, SecureChannel } from './secure-channel.ts';

export type PinOutcome =
  | { readonly outcome: 'ok' }
  /** The card refused the PIN (63Cx) and allows `triesLeft` more tries. */
  | { readonly outcome: 'wrong-pin'; readonly triesLeft: number }
  /** The PIN is blocked (6983), or this wrong PIN blocked it (63C0). */
  | { readonly outcome: 'blocked' }
  /** The holder pressed Cancel. */
  | { readonly outcome: 'cancelled' }
  /** The holder did not finish in time. */
  | { readonly outcome: 'timeout' }
  /** Too few or too many digits: nothing went to the card. */
  | { readonly outcome: 'invalid-length' };

/** A change can also end with the two new PINs differing (nothing went to the card). */
export type ChangePinOutcome = PinOutcome | { readonly outcome: 'mismatch' };

export interface PinRequest extends PinPadOptions {
  /** The card's slot on the reader: a SecureChannel (the driver's session on that card). */
  slot: SecureChannel;
  /** Which PIN structure to send; 'ssc' (the social security card) by default. */
  application?: PinApplication;
  /** Ends the entry on the reader; the call then rejects with the driver's CancelledError. */
  signal?: AbortSignal;
  /** Digits typed so far and which PIN, as the reader reports them (never the digits). */
  onProgress?(progress: PinProgress): void;
}

export async function verifyPin(request: PinRequest): Promise<PinOutcome> {
  const structure = verifyStructure(request.application ?? 'ssc', request);
  const outcome = await run(request, 'VERIFY', () =>
    request.slot.secure({ kind: 'verify', structure }, request),
  );
  if (outcome.outcome === 'mismatch') {
    // A verification has one PIN: a reader that says "mismatch" answered nonsense.
    throw CardError.fromStatusWord(PinStatusWord.MISMATCH, 'VERIFY');
  }
  return outcome;
}

export async function changePin(request: PinRequest): Promise<ChangePinOutcome> {
  const structure = modifyStructure(request.application ?? 'ssc', request);
  return run(request, 'CHANGE PIN', () =>
    request.slot.secure({ kind: 'modify', structure }, request),
  );
}

async function run(
  request: PinRequest,
  command: string,
  send: () => Promise<Uint8Array>,
): Promise<ChangePinOutcome> {
  if (!request.slot || typeof request.slot.secure !== 'function') {
    throw new TypeError('slot must be a SecureChannel (the card session of the PIN pad)');
  }
  let response: Uint8Array;
  try {
    response = await send();
  } catch (e) {
    const outcome = isReaderError(e) ? outcomeOfBError(e.bError) : undefined;
    if (outcome) return outcome;
    throw e;
  }
  if (response.length < 2) {
    throw new CardError(
      -4,
      `${command}: the reader answered ${response.length} bytes, no status word`,
    );
  }
  // VERIFY and CHANGE PIN answer a status word only; any data is ignored, never echoed.
  const sw = (response[response.length - 2] << 8) | response[response.length - 1];
  return outcomeOfStatusWord(sw, command);
}

/** The reader's own PIN-entry failures (CCID bError); undefined for any other failure. */
export function outcomeOfBError(bError: number | undefined): ChangePinOutcome | undefined {
  switch (bError) {
    case PinError.TIMEOUT:
      return { outcome: 'timeout' };
    case PinError.CANCELLED:
      return { outcome: 'cancelled' };
    case PinError.LENGTH:
      return { outcome: 'invalid-length' };
    case PinError.MISMATCH:
      return { outcome: 'mismatch' };
  }
  return undefined;
}

/** The card's answer — or a PC/SC part 10 reader status word (64 0x) — as an outcome. */
export function outcomeOfStatusWord(sw: number, command: string): ChangePinOutcome {
  if (sw === 0x9000) return { outcome: 'ok' };
  if ((sw & 0xfff0) === 0x63c0) {
    const triesLeft = sw & 0x0f;
    return triesLeft === 0 ? { outcome: 'blocked' } : { outcome: 'wrong-pin', triesLeft };
  }
  switch (sw) {
    case 0x6983:
      return { outcome: 'blocked' };
    case PinStatusWord.TIMEOUT:
      return { outcome: 'timeout' };
    case PinStatusWord.CANCELLED:
      return { outcome: 'cancelled' };
    case PinStatusWord.MISMATCH:
      return { outcome: 'mismatch' };
    case PinStatusWord.LENGTH:
      return { outcome: 'invalid-length' };
  }
  throw CardError.fromStatusWord(sw, command);
}
