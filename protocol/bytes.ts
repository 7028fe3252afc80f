// Byte helpers shared by the protocol codecs: little-endian fields (every multi-byte CCID field is
// little-endian, CCID rev 1.1 §6), range checks for encoders, and hex for traces and documents.

/** A value that does not fit its field, or text that is not hex. `field` names what was wrong. */
export class ByteFieldError extends Error {
  override readonly name = 'ByteFieldError';
  readonly code = 'bad-value';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

export function readU16LE(b: Uint8Array, at: number): number {
  return b[at] | (b[at + 1] << 8);
}

export function readU32LE(b: Uint8Array, at: number): number {
  return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
}

export function writeU16LE(b: Uint8Array, at: number, v: number): void {
  b[at] = v & 0xff;
  b[at + 1] = (v >>> 8) & 0xff;
}

export function writeU32LE(b: Uint8Array, at: number, v: number): void {
  b[at] = v & 0xff;
  b[at + 1] = (v >>> 8) & 0xff;
  b[at + 2] = (v >>> 16) & 0xff;
  b[at + 3] = (v >>> 24) & 0xff;
}

/** Throws ByteFieldError unless `v` is an integer in [min, max]. Returns `v`. */
export function checkInt(field: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new ByteFieldError(field, `${String(v)} is not an integer in ${min}..${max}`);
  }
  return v;
}

export const checkU8 = (field: string, v: unknown): number => checkInt(field, v, 0, 0xff);
export const checkU16 = (field: string, v: unknown): number => checkInt(field, v, 0, 0xffff);
export const checkU32 = (field: string, v: unknown): number => checkInt(field, v, 0, 0xffffffff);

/** Throws ByteFieldError unless `v` is a Uint8Array of at most `max` bytes. Returns `v`. */
export function checkBytes(field: string, v: unknown, max = 0xffffffff): Uint8Array {
  if (!(v instanceof Uint8Array)) throw new ByteFieldError(field, 'not a Uint8Array');
  if (v.length > max) throw new ByteFieldError(field, `${v.length} bytes, at most ${max} allowed`);
  return v;
}

/** Uppercase hex with a space between bytes, the form of the reference traces. */
export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) {
    if (i > 0) s += ' ';
    s += bytes[i].toString(16).toUpperCase().padStart(2, '0');
  }
  return s;
}

/** Parses hex pairs; whitespace between them is ignored. Throws ByteFieldError otherwise. */
export function fromHex(text: string): Uint8Array {
  const compact = text.replace(/\s+/g, '');
  if (!/^[0-9a-fA-F]*$/.test(compact) || compact.length % 2 !== 0) {
    throw new ByteFieldError('hex', `not an even number of hex digits: ${JSON.stringify(text)}`);
  }
  const out = new Uint8Array(compact.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(compact.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
