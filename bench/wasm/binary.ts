// Just enough of the WebAssembly binary format (core spec §5) to read sections and rewrite a
// module: LEB128 in both directions and the section list.

export class ByteReader {
  pos: number;
  constructor(
    readonly bytes: Uint8Array,
    start = 0,
  ) {
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.bytes.length;
  }

  u8(): number {
    if (this.pos >= this.bytes.length) throw new WasmFormatError(this.pos, 'unexpected end');
    return this.bytes[this.pos++];
  }

  /** Unsigned LEB128 (u32 and smaller). */
  u32(): number {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = this.u8();
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return value;
      if (shift > 28) throw new WasmFormatError(this.pos, 'LEB128 longer than 5 bytes');
    }
  }

  /** Skips a signed LEB128 of any width (s32, s33, s64). */
  skipSigned(): void {
    while (this.u8() & 0x80);
  }

  skip(n: number): void {
    this.pos += n;
    if (this.pos > this.bytes.length) throw new WasmFormatError(this.pos, 'unexpected end');
  }

  take(n: number): Uint8Array {
    const start = this.pos;
    this.skip(n);
    return this.bytes.subarray(start, this.pos);
  }

  name(): string {
    return new TextDecoder().decode(this.take(this.u32()));
  }
}

export class WasmFormatError extends Error {
  constructor(
    readonly offset: number,
    what: string,
  ) {
    super(`wasm: ${what} at byte ${offset}`);
    this.name = 'WasmFormatError';
  }
}

export function unsignedLeb(value: number): number[] {
  const out: number[] = [];
  let v = value;
  do {
    let byte = v % 128;
    v = Math.floor(v / 128);
    if (v > 0) byte |= 0x80;
    out.push(byte);
  } while (v > 0);
  return out;
}

export function signedLeb(value: bigint): number[] {
  const out: number[] = [];
  let v = value;
  for (;;) {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    const signBit = (byte & 0x40) !== 0;
    if ((v === 0n && !signBit) || (v === -1n && signBit)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

export function nameBytes(name: string): number[] {
  const utf8 = new TextEncoder().encode(name);
  return [...unsignedLeb(utf8.length), ...utf8];
}

export const enum SectionId {
  Custom = 0,
  Type = 1,
  Import = 2,
  Function = 3,
  Table = 4,
  Memory = 5,
  Global = 6,
  Export = 7,
  Start = 8,
  Element = 9,
  Code = 10,
  Data = 11,
  DataCount = 12,
  Tag = 13,
}

export interface Section {
  id: number;
  /** The section's contents (without id and size). */
  body: Uint8Array;
}

const MAGIC_VERSION = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

export function readSections(module: Uint8Array): Section[] {
  for (let i = 0; i < MAGIC_VERSION.length; i++) {
    if (module[i] !== MAGIC_VERSION[i])
      throw new WasmFormatError(i, 'not a WebAssembly 1.0 module');
  }
  const r = new ByteReader(module, MAGIC_VERSION.length);
  const sections: Section[] = [];
  while (!r.done) {
    const id = r.u8();
    const size = r.u32();
    sections.push({ id, body: r.take(size) });
  }
  return sections;
}

export function writeModule(sections: readonly Section[]): Uint8Array<ArrayBuffer> {
  // Copied piece by piece: spreading a large section body into push() overflows the stack.
  const heads = sections.map((s) => [s.id, ...unsignedLeb(s.body.length)]);
  let size = MAGIC_VERSION.length;
  sections.forEach((s, i) => (size += heads[i].length + s.body.length));
  const out = new Uint8Array(size);
  out.set(MAGIC_VERSION, 0);
  let at = MAGIC_VERSION.length;
  sections.forEach((s, i) => {
    out.set(heads[i], at);
    at += heads[i].length;
    out.set(s.body, at);
    at += s.body.length;
  });
  return out;
}

/** Memory limits (pages of 64 KiB) of the module's own or imported memory 0. */
export interface MemoryLimits {
  initial: number;
  maximum: number | undefined;
}

function readLimits(r: ByteReader): MemoryLimits {
  const flags = r.u8();
  const initial = r.u32();
  const maximum = flags & 1 ? r.u32() : undefined;
  return { initial, maximum };
}

export function memoryLimits(module: Uint8Array): MemoryLimits | undefined {
  for (const s of readSections(module)) {
    if (s.id === SectionId.Memory) {
      const r = new ByteReader(s.body);
      return r.u32() > 0 ? readLimits(r) : undefined;
    }
    if (s.id === SectionId.Import) {
      const r = new ByteReader(s.body);
      for (let n = r.u32(); n > 0; n--) {
        r.name();
        r.name();
        const kind = r.u8();
        if (kind === 0x02) return readLimits(r);
        skipImportDescriptor(r, kind);
      }
    }
  }
  return undefined;
}

/** Skips an import descriptor of the given kind (after the kind byte). */
export function skipImportDescriptor(r: ByteReader, kind: number): void {
  switch (kind) {
    case 0x00: // function: type index
      r.u32();
      return;
    case 0x01: // table: reftype, limits
      r.u8();
      readLimits(r);
      return;
    case 0x02: // memory: limits
      readLimits(r);
      return;
    case 0x03: // global: valtype, mutability
      r.u8();
      r.u8();
      return;
    case 0x04: // tag: attribute, type index
      r.u8();
      r.u32();
      return;
    default:
      throw new WasmFormatError(r.pos, `unknown import kind ${kind}`);
  }
}
