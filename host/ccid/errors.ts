// The driver's typed errors, one class per thing that can go wrong below the card application,
// each with a string `code`, a marker property in node-serialport's style (`err.cardRemoved`),
// and the national interface code the card applications keep (host/cards/card-error.ts reads
// `nationalCode`). Messages never contain APDU data, so a PIN can never leak through them.
import { NationalCode } from '../cards/national-codes.ts';

export type ReaderErrorCode =
  /** The reader's link was lost, or the reader went away; pending calls fail with this. */
  | 'reader-detached'
  /** The card was pulled while a session was open on it. */
  | 'card-removed'
  /** There is no card in the slot. */
  | 'no-card'
  /** The card did not answer (no ATR, or silent past its waiting time). */
  | 'card-mute'
  /** The reader did not answer in time (the command was aborted). */
  | 'timeout'
  /** The slot is held: an exclusive session, or the reader reported it busy. */
  | 'busy'
  /** The reader runs the compat profile (stock GemPC-style firmware) and cannot do this. */
  | 'not-supported-in-compat'
  /** The reader refused the command (CMD_NOT_SUPPORTED, or a vendor escape it lacks). */
  | 'not-supported'
  /** The reader answered something the protocol does not allow. */
  | 'protocol-error'
  /** The caller cancelled (AbortSignal). */
  | 'cancelled'
  /** The reader reported a failure (bError), other than those above. */
  | 'command-failed'
  /** The session was disconnected, or the driver closed. */
  | 'session-closed'
  /** The caller passed something invalid (APDU too long, bad slot, …). */
  | 'bad-request';

const NATIONAL: Record<ReaderErrorCode, number | undefined> = {
  'reader-detached': NationalCode.READER_CONNECTION,
  'card-removed': NationalCode.NO_CARD,
  'no-card': NationalCode.NO_CARD,
  'card-mute': NationalCode.CARD_NO_ANSWER,
  timeout: NationalCode.CARD_NO_ANSWER,
  busy: NationalCode.READER_CONNECTION,
  'not-supported-in-compat': NationalCode.UNSUPPORTED_COMMAND,
  'not-supported': NationalCode.UNSUPPORTED_COMMAND,
  'protocol-error': NationalCode.READER_CONNECTION,
  cancelled: undefined,
  'command-failed': NationalCode.CARD_NO_ANSWER,
  'session-closed': NationalCode.NOT_CONNECTED,
  'bad-request': NationalCode.BAD_PARAMETERS,
};

export interface ReaderErrorDetails {
  /** The reader (its port path) and slot concerned, when known. */
  reader?: string;
  slot?: number;
  /** CCID bError, when the reader reported the failure. */
  bError?: number;
  cause?: unknown;
}

export class ReaderError extends Error {
  override readonly name: string = 'ReaderError';
  readonly readerError = true;
  readonly reader: string | undefined;
  readonly slot: number | undefined;
  readonly bError: number | undefined;

  constructor(
    readonly code: ReaderErrorCode,
    message: string,
    details: ReaderErrorDetails = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.reader = details.reader;
    this.slot = details.slot;
    this.bError = details.bError;
  }

  /** The national interface code (S7 table A.1) for this failure, when one fits. */
  get nationalCode(): number | undefined {
    return NATIONAL[this.code];
  }

  toJSON(): {
    name: string;
    code: ReaderErrorCode;
    message: string;
    reader?: string;
    slot?: number;
  } {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      ...(this.reader !== undefined ? { reader: this.reader } : {}),
      ...(this.slot !== undefined ? { slot: this.slot } : {}),
    };
  }
}

export class ReaderDetachedError extends ReaderError {
  override readonly name = 'ReaderDetachedError';
  readonly readerDetached = true;
  constructor(message: string, details?: ReaderErrorDetails) {
    super('reader-detached', message, details);
  }
}
export class CardRemovedError extends ReaderError {
  override readonly name = 'CardRemovedError';
  readonly cardRemoved = true;
  constructor(message: string, details?: ReaderErrorDetails) {
    super('card-removed', message, details);
  }
}
export class NoCardError extends ReaderError {
  override readonly name = 'NoCardError';
  readonly noCard = true;
  constructor(message: string, details?: ReaderErrorDetails) {
    super('no-card', message, details);
  }
}
export class CardMuteError extends ReaderError {
  override readonly name = 'CardMuteError';
  readonly cardMute = true;
  constructor(message: string, details?: ReaderErrorDetails) {
    super('card-mute', message, details);
  }
}
export class ReaderTimeoutError extends ReaderError {
  override readonly name = 'ReaderTimeoutError';
  readonly timedOut = true;
  constructor(message: string, details?: ReaderErrorDetails) {
    super('timeout', message, details);
  }
}
export class BusyError extends ReaderError {
  override readonly name = 'BusyError';
  readonly busy = true;
  constructor(message: string, details?: ReaderErrorDetails) {
    super('busy', message, details);
  }
}
export class NotSupportedInCompatError extends ReaderError {
  override readonly name = 'NotSupportedInCompatError';
  readonly notSupportedInCompat = true;
  constructor(message: string, details?: ReaderErrorDetails) {
    super('not-supported-in-compat', message, details);
  }
}
export class NotSupportedError extends ReaderError {
  override readonly name = 'NotSupportedError';
  readonly notSupported = true;
  constructor(message: string, details?: ReaderErrorDetails) {
    super('not-supported', message, details);
  }
}
export class ProtocolError extends ReaderError {
  override readonly name = 'ProtocolError';
  readonly protocolError = true;
  constructor(message: string, details?: ReaderErrorDetails) {
    super('protocol-error', message, details);
  }
}
export class CancelledError extends ReaderError {
  override readonly name = 'CancelledError';
  readonly cancelled = true;
  constructor(message: string, details?: ReaderErrorDetails) {
    super('cancelled', message, details);
  }
}
export class CommandFailedError extends ReaderError {
  override readonly name = 'CommandFailedError';
  readonly commandFailed = true;
  constructor(message: string, details?: ReaderErrorDetails) {
    super('command-failed', message, details);
  }
}
export class SessionClosedError extends ReaderError {
  override readonly name = 'SessionClosedError';
  readonly sessionClosed = true;
  constructor(message: string, details?: ReaderErrorDetails) {
    super('session-closed', message, details);
  }
}
export class BadRequestError extends ReaderError {
  override readonly name = 'BadRequestError';
  readonly badRequest = true;
  constructor(message: string, details?: ReaderErrorDetails) {
    super('bad-request', message, details);
  }
}

export function isReaderError(e: unknown): e is ReaderError {
  return e instanceof ReaderError;
}
