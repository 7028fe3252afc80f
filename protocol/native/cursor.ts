// Reading and writing vendor payloads field by field. The reader throws VendorMessageError
// ('bad-length') when the payload ends early or has bytes left over; the writer checks ranges
// (ByteFieldError) so that a value never wraps silently.

import {
  ByteFieldError,
  checkBytes,
  checkU16,
  checkU32,
  checkU8,
  concatBytes,
  readU16LE,
  readU32LE,
  writeU16LE,
  writeU32LE,
} from '../bytes.ts';
import { VendorMessageError } from './vendor-error.ts';

export class PayloadReader {
  private at = 0;
  constructor(
    private readonly bytes: Uint8Array,
    /** Names the payload in error messages. */
    private readonly what: string,
  ) {}

  get remaining(): number {
    return this.bytes.length - this.at;
  }

  private need(n: number): number {
    if (this.remaining < n) {
      throw new VendorMessageError(
        'bad-length',
        `${this.what}: payload ends at byte ${this.bytes.length}, ${n} more needed at ${this.at}`,
      );
    }
    const at = this.at;
    this.at += n;
    return at;
  }

  u8(): number {
    return this.bytes[this.need(1)];
  }
  u16(): number {
    return readU16LE(this.bytes, this.need(2));
  }
  u32(): number {
    return readU32LE(this.bytes, this.need(4));
  }
  bytesOf(n: number): Uint8Array {
    const at = this.need(n);
    return this.bytes.slice(at, at + n);
  }
  rest(): Uint8Array {
    return this.bytesOf(this.remaining);
  }
  /** Throws unless every byte has been read. */
  end(): void {
    if (this.remaining !== 0) {
      throw new VendorMessageError(
        'bad-length',
        `${this.what}: ${this.remaining} byte(s) after the end of the layout`,
      );
    }
  }
}

export class PayloadWriter {
  private readonly parts: Uint8Array[] = [];

  u8(field: string, v: number): this {
    this.parts.push(Uint8Array.of(checkU8(field, v)));
    return this;
  }
  u16(field: string, v: number): this {
    const b = new Uint8Array(2);
    writeU16LE(b, 0, checkU16(field, v));
    this.parts.push(b);
    return this;
  }
  u32(field: string, v: number): this {
    const b = new Uint8Array(4);
    writeU32LE(b, 0, checkU32(field, v));
    this.parts.push(b);
    return this;
  }
  bytes(field: string, v: Uint8Array, max?: number): this {
    this.parts.push(checkBytes(field, v, max).slice());
    return this;
  }
  done(): Uint8Array {
    return concatBytes(this.parts);
  }
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

/** Strict UTF-8 decode: invalid sequences are a 'bad-field' error, never U+FFFD. */
export function decodeUtf8(bytes: Uint8Array, what: string): string {
  try {
    return utf8Decoder.decode(bytes);
  } catch {
    throw new VendorMessageError('bad-field', `${what}: not valid UTF-8`);
  }
}

export function encodeUtf8(text: string): Uint8Array {
  return utf8Encoder.encode(text);
}

/** Printable ASCII (20..7E) only: serial numbers and other identifiers. */
export function decodeAscii(bytes: Uint8Array, what: string): string {
  for (const b of bytes) {
    if (b < 0x20 || b > 0x7e) {
      throw new VendorMessageError('bad-field', `${what}: byte ${b} is not printable ASCII`);
    }
  }
  return String.fromCharCode(...bytes);
}

export function encodeAscii(field: string, text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) {
      throw new ByteFieldError(
        field,
        `character ${i} (U+${c.toString(16)}) is not printable ASCII`,
      );
    }
    out[i] = c;
  }
  return out;
}
