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
