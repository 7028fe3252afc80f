// PIN entry on the reader's keypad for the service: host/pin's verifyPin / changePin on the
// driver's session, and their outcomes as national codes (kiosk-cards.md §2.6: −31 … −34, −51
// with the tries left, −52). No PIN passes through here — only outcomes and counts of digits.
import { CardError } from '../cards/card-error.ts';
import { NationalCode } from '../cards/national-codes.ts';
import type { CardSession } from '../index.ts';
import { changePin, verifyPin, type ChangePinOutcome, type PinOutcome } from '../pin/pin-entry.ts';
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

export function verifyOnKeypad(session: CardSession, o: PinEntryOptions): Promise<PinOutcome> {
  return verifyPin({ slot: secureChannelOf(session), application: 'ssc', ...o });
}

export function changeOnKeypad(
  session: CardSession,
  o: PinEntryOptions,
): Promise<ChangePinOutcome> {
  return changePin({ slot: secureChannelOf(session), application: 'ssc', ...o });
}

/** An outcome as the national code and pOutInfo (S7 table A.1). */
export function nationalPinResult(outcome: ChangePinOutcome): { code: number; pOutInfo: string } {
  switch (outcome.outcome) {
    case 'ok':
      return { code: 0, pOutInfo: '' };
    case 'wrong-pin':
      return {
        code: NationalCode.PIN_WRONG,
        pOutInfo: `PIN校验失败，剩余次数${outcome.triesLeft}次`,
      };
    case 'blocked':
      return { code: NationalCode.PIN_BLOCKED, pOutInfo: 'PIN锁定' };
    case 'cancelled':
      return { code: NationalCode.PIN_CANCELLED, pOutInfo: '用户取消密码输入' };
    case 'timeout':
      return { code: NationalCode.PIN_TIMEOUT, pOutInfo: '密码输入操作超时' };
    case 'invalid-length':
      return { code: NationalCode.PIN_LENGTH, pOutInfo: '输入密码长度错' };
    case 'mismatch':
      return { code: NationalCode.PIN_MISMATCH, pOutInfo: '两次输入密码不一致' };
  }
}

/** For iReadCard with iAuthType 1: an outcome other than ok is the CardError of its code. */
export function pinOutcomeError(outcome: PinOutcome): CardError | undefined {
  if (outcome.outcome === 'ok') return undefined;
  const { code } = nationalPinResult(outcome);
  return new CardError(code, `PIN entry on the reader ended: ${outcome.outcome}`, {
    role: 'card',
    ...(outcome.outcome === 'wrong-pin' ? { triesLeft: outcome.triesLeft } : {}),
  });
}
