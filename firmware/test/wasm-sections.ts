// Just enough of the WebAssembly binary format for the module-shape tests: function and global
// names from the `name` section, and the constant initial value of each global.

class Reader {
  p = 0;
  constructor(readonly b: Uint8Array) {}
  u8(): number {
    return this.b[this.p++];
  }
  leb(): number {
    let v = 0;
    let shift = 0;
    for (;;) {
      const byte = this.b[this.p++];
      v += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return v;
      shift += 7;
    }
  }
  sleb(): number {
    let v = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = this.b[this.p++];
      v |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80);
    if (shift < 32 && byte & 0x40) v |= -1 << shift;
    return v;
  }
  name(): string {
    const n = this.leb();
    const s = new TextDecoder().decode(this.b.subarray(this.p, this.p + n));
    this.p += n;
    return s;
  }
}

/** Names from the `name` custom section: subsection 1 (functions) or 7 (globals). */
export function names(module: WebAssembly.Module, subsection: 1 | 7): Map<number, string> {
  const out = new Map<number, string>();
  for (const section of WebAssembly.Module.customSections(module, 'name')) {
    const r = new Reader(new Uint8Array(section));
    while (r.p < r.b.length) {
      const id = r.u8();
      const end = r.leb() + r.p;
      if (id === subsection) {
        for (let i = r.leb(); i > 0; i--) out.set(r.leb(), r.name());
      }
      r.p = end;
    }
  }
  return out;
}

/** Initial values of the module's own i32 globals that start as an i32.const, by global index. */
export function globalInits(bytes: Uint8Array): Map<number, number> {
  const r = new Reader(bytes);
  r.p = 8;
  let importedGlobals = 0;
  const out = new Map<number, number>();
  while (r.p < bytes.length) {
    const id = r.u8();
    const size = r.leb();
    const end = r.p + size;
    if (id === 2) {
      for (let i = r.leb(); i > 0; i--) {
        r.name();
        r.name();
        const kind = r.u8();
        if (kind === 0) r.leb();
        else if (kind === 1) {
          r.u8();
          const flags = r.u8();
          r.leb();
          if (flags & 1) r.leb();
        } else if (kind === 2) {
          const flags = r.u8();
          r.leb();
          if (flags & 1) r.leb();
        } else if (kind === 3) {
          r.u8();
          r.u8();
          importedGlobals++;
        }
      }
    } else if (id === 6) {
      const count = r.leb();
      for (let i = 0; i < count; i++) {
        const type = r.u8();
        r.u8();
        const op = r.u8();
        if (op === 0x41) {
          const v = r.sleb();
          if (type === 0x7f) out.set(importedGlobals + i, v);
        } else if (op === 0x42) {
          while (r.u8() & 0x80);
        } else if (op === 0x43) r.p += 4;
        else if (op === 0x44) r.p += 8;
        else if (op === 0x23 || op === 0xd2) r.leb();
        else if (op === 0xd0) r.u8();
        else throw new Error(`global ${i}: init opcode 0x${op.toString(16)} not understood`);
        if (r.u8() !== 0x0b) throw new Error(`global ${i}: init expression longer than one op`);
      }
    }
    r.p = end;
  }
  return out;
}

/** The static data end (`__heap_base`) of a debug build, from its names and global section. */
export function heapBase(bytes: Uint8Array): number {
  const module = new WebAssembly.Module(new Uint8Array(bytes));
  const inits = globalInits(bytes);
  for (const [index, name] of names(module, 7)) {
    if (name === '~lib/memory/__heap_base') {
      const v = inits.get(index);
      if (v !== undefined) return v;
    }
  }
  throw new Error('no ~lib/memory/__heap_base global (not a debug build?)');
}
