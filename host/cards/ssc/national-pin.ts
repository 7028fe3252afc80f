// iVerifyPIN and iChangePIN of the national reader interface (kiosk-cards.md §2.2, §2.6): the
// holder types the PIN — and for a change the old PIN, the new one and the new one again — on
// the reader's keypad (host/pin); the host only learns how it ended. Codes: −31 cancelled, −32
// timeout, −33 wrong length, −34 the two new PINs differ, −51 wrong PIN with the tries left in
// pOutInfo, −52 blocked. Unlike the vendor variants that take the PIN as a string (iVerifyPin,
// iVerifyPINK), nothing here does.
import { changePin, verifyPin, type ChangePinOutcome } from '../../pin/pin-entry.ts';
import type { PinPadOptions } from '../../pin/pin-templates.ts';
import type { SecureChannel } from '../../pin/secure-channel.ts';
import { CardError, toCardError } from '../card-error.ts';
import { NationalCode, nationalCodeText } from '../national-codes.ts';
import { nationalBytes } from './basic-info.ts';
import type { IType, NationalReply } from './national.ts';

export interface SscPinTerminal extends PinPadOptions {
  /**
   * The user card for iType, as the reader's PIN pad sees it: the driver's session on that card
   * (a SecureChannel). Throws a driver error (best with `nationalCode` −2) when there is none.
   */
  pinPad(iType: IType): Promise<SecureChannel>;
}

export class SscNationalPin {
  readonly #terminal: SscPinTerminal;

  constructor(terminal: SscPinTerminal) {
    this.#terminal = terminal;
  }

  /** The holder's PIN, typed on the reader, checked by the card (VERIFY 00 20). */
  iVerifyPIN(iType: number): Promise<NationalReply<ChangePinOutcome>> {
    return this.#run(iType, (slot) => verifyPin({ ...this.#options(), slot }));
  }

  /** Old PIN, new PIN, new PIN again on the reader; the card's CHANGE PIN (80 5E). */
  iChangePIN(iType: number): Promise<NationalReply<ChangePinOutcome>> {
    return this.#run(iType, (slot) => changePin({ ...this.#options(), slot }));
  }

  #options(): PinPadOptions {
    const { timeoutSeconds, language } = this.#terminal;
    return {
      ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
      ...(language !== undefined ? { language } : {}),
    };
  }

  async #run(
    iType: number,
    entry: (slot: SecureChannel) => Promise<ChangePinOutcome>,
  ): Promise<NationalReply<ChangePinOutcome>> {
    let outcome: ChangePinOutcome;
    try {
      if (iType !== 1 && iType !== 2 && iType !== 3 && iType !== 4)
        throw new CardError(
          NationalCode.BAD_PARAMETERS,
          `iType must be 1, 2, 3 or 4, got ${iType}`,
          { role: 'caller' },
        );
      outcome = await entry(await this.#terminal.pinPad(iType));
    } catch (e) {
      return failure(toCardError(e, 'card'));
    }
    switch (outcome.outcome) {
      case 'ok':
        return { code: 0, pOutInfo: '', gbk: new Uint8Array(0), data: outcome };
      case 'wrong-pin': {
        // S7: "PIN校验失败，剩余次数N次".
        const text = `PIN校验失败，剩余次数${outcome.triesLeft}次`;
        const error = new CardError(
          NationalCode.PIN_WRONG,
          `PIN wrong, ${outcome.triesLeft} tries left`,
          { role: 'card', sw: 0x63c0 | outcome.triesLeft, triesLeft: outcome.triesLeft },
        );
        return { ...failure(error, text), data: outcome };
      }
      case 'blocked':
        return { ...failure(pinError(NationalCode.PIN_BLOCKED, 'PIN blocked')), data: outcome };
      case 'cancelled':
        return {
          ...failure(pinError(NationalCode.PIN_CANCELLED, 'PIN entry cancelled')),
          data: outcome,
        };
      case 'timeout':
        return {
          ...failure(pinError(NationalCode.PIN_TIMEOUT, 'PIN entry timed out')),
          data: outcome,
        };
      case 'invalid-length':
        return { ...failure(pinError(NationalCode.PIN_LENGTH, 'wrong PIN length')), data: outcome };
      case 'mismatch':
        return {
          ...failure(pinError(NationalCode.PIN_MISMATCH, 'the two new PINs differ')),
          data: outcome,
        };
    }
  }
}

function pinError(code: number, message: string): CardError {
  return new CardError(code, message, { role: 'card' });
}

function failure(error: CardError, text = nationalCodeText(error.code).zh): NationalReply<never> {
  return { code: error.code, pOutInfo: text, gbk: nationalBytes(text), error: error.toJSON() };
}
