// Structured logs (fastify's pino) that never hold a PIN — none ever reaches the host — nor the
// holder's personal data: request bodies and responses are not logged, tokens are cut out of
// URLs and headers, and any field named like card data is censored wherever it appears.
import type { FastifyRequest } from 'fastify';

/** Keys whose values are personal data or secrets, censored at any depth pino's redact reaches. */
const SENSITIVE_KEYS = [
  'name',
  'holderName',
  'socialSecurityNumber',
  'idNumber',
  'cardNumber',
  'cardId',
  'pan',
  'pOutInfo',
  'birthDate',
  'phone1',
  'phone2',
  'token',
  'authorization',
];

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  ...SENSITIVE_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]),
];

/** The URL without the value of a `token` query parameter. */
export function redactUrl(url: string): string {
  return url.replace(/([?&]token=)[^&#]*/gi, '$1[redacted]');
}

/** Long digit runs (ID, card and account numbers) masked in free text, e.g. an error message. */
export function redactText(text: string): string {
  return text.replace(/\d{6,}[\dXx]?/g, (m) => `${m.slice(0, 2)}…[${m.length} digits redacted]`);
}

export function loggerOptions(level: string, stream?: { write(line: string): void }) {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: {
      req(req: FastifyRequest) {
        return { method: req.method, url: redactUrl(req.url) };
      },
    },
    ...(stream ? { stream } : {}),
  };
}

/**
 * Which texts were seen, to log each distinct one once — bounded: past `max` distinct texts the
 * oldest is forgotten (and would be logged again), so a stream of ever-new texts cannot grow the
 * service's memory. Texts are kept to their first `maxLength` characters.
 */
export class SeenTexts {
  readonly #seen = new Set<string>();
  constructor(
    readonly max = 256,
    readonly maxLength = 500,
  ) {}

  get size(): number {
    return this.#seen.size;
  }

  /** True the first time `text` comes (or again once it was forgotten). */
  first(text: string): boolean {
    const key = text.slice(0, this.maxLength);
    if (this.#seen.has(key)) return false;
    this.#seen.add(key);
    if (this.#seen.size > this.max) this.#seen.delete(this.#seen.values().next().value!);
    return true;
  }
}
