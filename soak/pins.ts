// PINs in the soak: every card gets its own PIN of 10–12 random digits (the persona's data stays,
// only its PIN is replaced), and typos are random digit strings of the same kind. A PIN that long
// is 5–6 bytes in BCD and 10–12 in ASCII, so finding one of its encodings in host-side bytes by
// coincidence is out of the question (random data matches 5 given bytes once in 10^12), while the
// personas' own 6-digit PINs occur in other personas' data ('123456' is inside a phone number).
// PinScanner then searches everything the host side saw for every PIN typed in the life.
import type { Prng } from '../simulator/engine/prng.ts';

/** Digits of a PIN the soak types or gives a card (never shorter than 4). */
export function randomPin(rng: Prng, min = 10, max = 12): string {
  const n = min + rng.int(max - min + 1);
  let s = String(1 + rng.int(9));
  while (s.length < n) s += String(rng.int(10));
  return s;
}

/** The key script that types `digits` and then `tail` (enter, cancel, …). */
export function typed(digits: string, tail = 'enter'): string {
  return [...digits, ...(tail ? [tail] : [])].join(' ');
}

/** BCD digits, an odd count padded with F (cn, the social security card's PIN form). */
export function cn(digits: string): Uint8Array {
  const nibbles = [...digits].map(Number);
  if (nibbles.length % 2) nibbles.push(0xf);
  return Uint8Array.from(
    { length: nibbles.length / 2 },
    (_, i) => (nibbles[2 * i] << 4) | nibbles[2 * i + 1],
  );
}

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
const hexOf = (b: Uint8Array, sep: string): string =>
  Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(sep);

/** The forms a PIN could leak in: ASCII, BCD (and one nibble off), hex text of the BCD. */
export function pinEncodings(digits: string): { name: string; bytes: Uint8Array }[] {
  const bcd = cn(digits);
  // The same digits one nibble off (x1 23 45 …): the inner whole bytes.
  const shifted = cn(digits.slice(1, digits.length - ((digits.length - 1) % 2)));
  const out = [
    { name: 'ASCII', bytes: ascii(digits) },
    { name: 'BCD', bytes: bcd },
    { name: 'BCD one nibble off', bytes: shifted },
    { name: 'one digit a byte', bytes: Uint8Array.from([...digits].map(Number)) },
    { name: 'hex of the BCD', bytes: ascii(hexOf(bcd, '')) },
    { name: 'HEX of the BCD', bytes: ascii(hexOf(bcd, '').toUpperCase()) },
    { name: 'spaced hex of the BCD', bytes: ascii(hexOf(bcd, ' ')) },
    { name: 'spaced HEX of the BCD', bytes: ascii(hexOf(bcd, ' ').toUpperCase()) },
  ];
  // Shorter patterns than 4 bytes match by chance.
  return out.filter((e) => e.bytes.length >= 4);
}

export interface PinHit {
  pin: string;
  encoding: string;
  where: string;
}

/**
 * Everything the host side produced (bytes received and sent, driver trace, results, errors,
 * warnings, logs, HTTP bodies), searched for the PINs typed so far. Text is kept as UTF-8 bytes.
 * Chunks are scanned and dropped at each check, keeping a tail so a PIN across two chunks is found.
 */
export class PinScanner {
  readonly #pins = new Map<string, { name: string; bytes: Buffer }[]>();
  #chunks: { where: string; bytes: Buffer }[] = [];
  #tail: Buffer = Buffer.alloc(0);
  #size = 0;
  scannedBytes = 0;

  /** A PIN typed on the keypad (or given to a card): from now on, it must never show. */
  secret(digits: string): void {
    if (digits.length < 8 || this.#pins.has(digits)) return;
    this.#pins.set(
      digits,
      pinEncodings(digits).map((e) => ({ name: e.name, bytes: Buffer.from(e.bytes) })),
    );
  }

  get secrets(): number {
    return this.#pins.size;
  }

  /** Host-side material: bytes, or any value (text, errors, objects with byte arrays). */
  add(where: string, value: unknown): void {
    const bytes = toBytes(value);
    if (bytes.length === 0) return;
    this.#chunks.push({ where, bytes });
    this.#size += bytes.length;
  }

  get pendingBytes(): number {
    return this.#size;
  }

  /** Scans what was added since the last scan; returns the hits. */
  scan(): PinHit[] {
    const hits: PinHit[] = [];
    const chunks = this.#chunks;
    this.#chunks = [];
    this.#size = 0;
    // Each chunk is searched on its own (to say where), and the stream of all of them too
    // (a PIN split across two deliveries).
    const all = Buffer.concat([this.#tail, ...chunks.map((c) => c.bytes)]);
    for (const [pin, encodings] of this.#pins) {
      for (const e of encodings) {
        if (all.indexOf(e.bytes) < 0) continue;
        const chunk = chunks.find((c) => c.bytes.indexOf(e.bytes) >= 0);
        hits.push({ pin, encoding: e.name, where: chunk?.where ?? 'across two host-side chunks' });
      }
    }
    this.scannedBytes += all.length - this.#tail.length;
    this.#tail = Buffer.from(all.subarray(Math.max(0, all.length - 64)));
    return hits;
  }
}

/** Bytes of a host-side value: byte arrays as they are, everything else as text. */
export function toBytes(value: unknown): Buffer {
  if (value instanceof Uint8Array)
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  const parts: Buffer[] = [];
  walk(value, parts, 0, new Set());
  return Buffer.concat(parts);
}

function walk(value: unknown, out: Buffer[], depth: number, seen: Set<unknown>): void {
  if (value === null || value === undefined || depth > 8) return;
  if (value instanceof Uint8Array) {
    out.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
    return;
  }
  if (typeof value === 'string') {
    out.push(Buffer.from(value, 'utf8'), Buffer.from('\n'));
    return;
  }
  if (typeof value !== 'object') {
    out.push(Buffer.from(String(value) + '\n'));
    return;
  }
  if (seen.has(value)) return;
  seen.add(value);
  if (value instanceof Error) {
    out.push(Buffer.from(`${value.name}: ${value.message}\n${value.stack ?? ''}\n`));
    try {
      out.push(Buffer.from(JSON.stringify(value) + '\n'));
    } catch {
      // an error whose toJSON throws: its fields are walked below
    }
    walk((value as { cause?: unknown }).cause, out, depth + 1, seen);
  }
  for (const key of Object.keys(value)) {
    out.push(Buffer.from(key + '='));
    walk((value as Record<string, unknown>)[key], out, depth + 1, seen);
  }
}
