// PIN entry on the reader's keypad for the service: the driver's session as host/pin's
// SecureChannel, and an outcome as the CardError iReadCard needs (kiosk-cards.md §2.6). No PIN
// passes through here — only outcomes and counts of digits.
import { CardError } from '../cards/card-error.ts';
import { NationalCode } from '../cards/national-codes.ts';
import type { CardSession } from '../index.ts';
import type { ChangePinOutcome, PinOutcome } from '../pin/pin-entry.ts';
import type { PinProgress, SecureChannel } from '../pin/secure-channel.ts';
import { ServiceError } from './errors.ts';

export type { ChangePinOutcome, PinOutcome, PinProgress };

export interface PinEntryOptions {
  language?: 'zh' | 'en';
  timeoutSeconds?: number;
  signal?: AbortSignal;
  onProgress?(progress: PinProgress): void;
}

/**
 * The driver's session as host/pin's SecureChannel (PC_to_RDR_Secure to its slot). The driver
 * offers `secure` on CardSession; a driver without it gets a clear 501.
 */
export function secureChannelOf(session: CardSession): SecureChannel {
  const candidate = session as unknown as Partial<SecureChannel>;
  if (typeof candidate.secure !== 'function')
    throw new ServiceError(
      501,
      'pin-pad-unavailable',
      'PIN entry is not available: the driver session has no secure() (PC_to_RDR_Secure)',
    );
  return { secure: (payload, options) => candidate.secure!.call(session, payload, options) };
}

const PIN_CODES: Record<Exclude<PinOutcome['outcome'], 'ok' | 'wrong-pin'>, number> = {
  blocked: NationalCode.PIN_BLOCKED,
  cancelled: NationalCode.PIN_CANCELLED,
  timeout: NationalCode.PIN_TIMEOUT,
  'invalid-length': NationalCode.PIN_LENGTH,
};

/** For iReadCard with iAuthType 1: an outcome other than ok is the CardError of its code. */
export function pinOutcomeError(outcome: PinOutcome): CardError | undefined {
  if (outcome.outcome === 'ok') return undefined;
  const code =
    outcome.outcome === 'wrong-pin' ? NationalCode.PIN_WRONG : PIN_CODES[outcome.outcome];
  return new CardError(code, `PIN entry on the reader ended: ${outcome.outcome}`, {
    role: 'card',
    ...(outcome.outcome === 'wrong-pin' ? { triesLeft: outcome.triesLeft } : {}),
  });
}
