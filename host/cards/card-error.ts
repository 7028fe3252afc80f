// The one error type the card applications throw. It carries the national code (S7 table A.1,
// or −SW for a card status word), so the national functions can return it as is, and a JSON form.
import { formatStatusWord, swTriesLeftOf } from '../../protocol/iso7816/status-words.ts';
import { NationalCode, nationalCodeOfStatusWord, nationalCodeText } from './national-codes.ts';

/** Which card or module answered. */
export type CardRole = 'card' | 'psam' | 'hsm' | 'caller';

export interface CardErrorJson {
  name: 'CardError';
  code: number;
  message: string;
  text: string;
  role?: CardRole;
  sw?: string;
  command?: string;
  triesLeft?: number;
}

export class CardError extends Error {
  override readonly name = 'CardError';
  /** Marker, as node-serialport marks its errors. */
  readonly cardError = true;

  constructor(
    /** National code: a named code (−1 … −2204) or −(SW1·256 + SW2). */
    readonly code: number,
    /** English message for logs and JSON. Never contains a PIN. */
    message: string,
    readonly details: {
      role?: CardRole;
      /** The status word that caused it. */
      sw?: number;
      /** What was being done, e.g. 'READ RECORD EF05'. */
      command?: string;
      /** 63Cx: tries left. */
      triesLeft?: number;
      cause?: unknown;
    } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
  }

  /** The S7 text of the code (Chinese), as the national DLL writes it to pOutInfo. */
  get text(): string {
    return nationalCodeText(this.code).zh;
  }

  /** A card answered `sw` to `command`. */
  static fromStatusWord(sw: number, command: string, role: CardRole = 'card'): CardError {
    const code = nationalCodeOfStatusWord(sw);
    const triesLeft = swTriesLeftOf(sw);
    const who = role === 'psam' ? 'PSAM' : 'card';
    return new CardError(
      code,
      `${command}: ${who} answered ${formatStatusWord(sw)} (${nationalCodeText(code).en})`,
      { role, sw, command, triesLeft },
    );
  }

  static named(code: number, message?: string, details: CardError['details'] = {}): CardError {
    return new CardError(code, message ?? nationalCodeText(code).en, details);
  }

  toJSON(): CardErrorJson {
    const d = this.details;
    return {
      name: 'CardError',
      code: this.code,
      message: this.message,
      text: this.text,
      ...(d.role ? { role: d.role } : {}),
      ...(d.sw !== undefined ? { sw: formatStatusWord(d.sw) } : {}),
      ...(d.command ? { command: d.command } : {}),
      ...(d.triesLeft !== undefined ? { triesLeft: d.triesLeft } : {}),
    };
  }
}

export function isCardError(e: unknown): e is CardError {
  return e instanceof CardError;
}

/**
 * Any error on the way to a national return code: CardError keeps its code; a driver error with
 * a numeric `nationalCode` keeps that; anything else below the APDU level is −4 (卡无应答).
 */
export function toCardError(e: unknown, role: CardRole = 'card'): CardError {
  if (e instanceof CardError) return e;
  const code = (e as { nationalCode?: unknown } | null)?.nationalCode;
  const message = e instanceof Error ? e.message : String(e);
  if (typeof code === 'number' && Number.isInteger(code) && code < 0)
    return new CardError(code, message, { role, cause: e });
  return new CardError(NationalCode.CARD_NO_ANSWER, `${role}: ${message}`, { role, cause: e });
}
