// Every failure the service reports: an HTTP status and a body `{ error: { code, message, … } }`.
// The driver's ReaderErrors and the card applications' CardErrors are translated here, in one
// place. Messages never hold card data or a PIN: driver and card messages carry neither
// (host/ccid/errors.ts, host/cards/card-error.ts), and this layer adds only names and numbers.
import { CardError } from '../cards/card-error.ts';
import { ReaderError, type ReaderErrorCode } from '../ccid/errors.ts';

export type ServiceErrorCode =
  | 'bad-request'
  | 'invalid-json'
  | 'payload-too-large'
  | 'unsupported-media-type'
  | 'host-not-allowed'
  | 'origin-not-allowed'
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'unknown-reader'
  | 'unknown-session'
  | 'reader-busy'
  | 'reader-queue-full'
  | 'operation-timeout'
  | 'too-many-waiters'
  | 'acquire-pending'
  | 'too-many-pin-operations'
  | 'too-many-clients'
  | 'raw-apdu-not-allowed'
  | 'pin-apdu-refused'
  | 'pin-pad-unavailable'
  | 'no-reader'
  | 'card-error'
  | 'internal'
  | ReaderErrorCode;

export interface ErrorBody {
  error: { code: ServiceErrorCode; message: string; [extra: string]: unknown };
}

export class ServiceError extends Error {
  override readonly name = 'ServiceError';
  constructor(
    readonly status: number,
    readonly code: ServiceErrorCode,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  body(): ErrorBody {
    return { error: { code: this.code, message: this.message, ...this.extra } };
  }
}

const READER_STATUS: Record<ReaderErrorCode, number> = {
  'reader-detached': 503,
  'card-removed': 409,
  'no-card': 409,
  'card-mute': 502,
  timeout: 504,
  busy: 409,
  'not-supported-in-compat': 501,
  'not-supported': 501,
  'protocol-error': 502,
  cancelled: 409,
  'command-failed': 502,
  'session-closed': 409,
  'bad-request': 400,
};

/** Any thrown value as a ServiceError. */
export function toServiceError(e: unknown): ServiceError {
  if (e instanceof ServiceError) return e;
  if (e instanceof ReaderError) {
    return new ServiceError(READER_STATUS[e.code] ?? 502, e.code, e.message, {
      ...(e.slot !== undefined ? { slot: e.slot } : {}),
    });
  }
  if (e instanceof CardError) {
    // A card error whose cause is a driver error (the card was pulled) keeps the driver's code.
    const cause = e.details.cause;
    if (cause instanceof ReaderError) {
      const inner = toServiceError(cause);
      return new ServiceError(inner.status, inner.code, e.message, {
        ...inner.extra,
        national: { code: e.code, text: e.text },
      });
    }
    const json = e.toJSON();
    return new ServiceError(422, 'card-error', e.message, {
      national: { code: e.code, text: e.text },
      ...(json.sw ? { sw: json.sw } : {}),
      ...(json.role ? { role: json.role } : {}),
      ...(json.triesLeft !== undefined ? { triesLeft: json.triesLeft } : {}),
    });
  }
  return new ServiceError(500, 'internal', 'internal error (see the service log)');
}
