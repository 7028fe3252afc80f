// Counts the WebAssembly instructions a module executes, deterministically: a copy of the module
// gets a mutable i64 global, exported as INSTRUCTION_COUNTER, and at the start of every
// straight-line run of code an increment by the number of instructions in that run. Reading the
// global before and after some work gives the instructions executed in between.
//
// What counts: every instruction of the module's own code section, as it is in the binary (no
// re-emission through a compiler, so the count is for the release .wasm itself), except the
// structural markers `block`, `loop`, `else` and `end`, which delimit code rather than run it
// (wasm3 and WAMR's fast interpreter translate them away, and a branch out of a block skips its
// `end`). `if` counts: it tests a value and branches.
//
// Runs: a run ends after every instruction where control can leave or join the straight line —
// `block`, `loop`, `if`, `else`, `end`, `br`, `br_if`, `br_table`, `return`, `unreachable` — so a
// run is entered only at its top and, once entered, runs to its end (a trap stops everything
// anyway). A call returns to the next instruction, so it does not end a run.
//
// The rewrite keeps every index of the original module: the new global comes after all others,
// no function, type or label is added, and the increments are inserted between instructions with
// no net effect on the operand stack (valid in unreachable code too).
import {
  ByteReader,
  SectionId,
  WasmFormatError,
  nameBytes,
  readSections,
  signedLeb,
  skipImportDescriptor,
  unsignedLeb,
  writeModule,
  type Section,
} from './binary.ts';

export const INSTRUCTION_COUNTER = '__bench_instructions';

/** 'run' (default): one increment per straight-line run; 'each': one per instruction (a check). */
export type Granularity = 'run' | 'each';

const I64 = 0x7e;
const OP = {
  unreachable: 0x00,
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  brTable: 0x0e,
  return: 0x0f,
  returnCall: 0x12,
  returnCallIndirect: 0x13,
  globalGet: 0x23,
  globalSet: 0x24,
  i64Const: 0x42,
  i64Add: 0x7c,
} as const;

const MARKERS = new Set<number>([OP.block, OP.loop, OP.else, OP.end]);
const RUN_ENDS = new Set<number>([
  OP.unreachable,
  OP.block,
  OP.loop,
  OP.if,
  OP.else,
  OP.end,
  OP.br,
  OP.brIf,
  OP.brTable,
  OP.return,
  OP.returnCall,
  OP.returnCallIndirect,
]);

/** Skips a block type: an s33, where 0x40 (empty) and the value types are one-byte negatives. */
function skipBlockType(r: ByteReader): void {
  r.skipSigned();
}

function skipMemarg(r: ByteReader): void {
  const align = r.u32();
  if (align & 0x40) r.u32(); // multi-memory: a memory index follows
  r.u32();
}

/**
 * Decodes one instruction at r.pos: returns its opcode (the prefix byte for 0xFC) and leaves
 * r.pos after its immediates. Throws on an instruction outside MVP, sign extension, non-trapping
 * conversions, bulk memory, reference types and tail calls.
 */
export function skipInstruction(r: ByteReader): number {
  const at = r.pos;
  const op = r.u8();
  if (op === OP.block || op === OP.loop || op === OP.if) skipBlockType(r);
  else if (op === OP.br || op === OP.brIf) r.u32();
  else if (op === OP.brTable) {
    for (let n = r.u32(); n >= 0; n--) r.u32(); // n labels and the default
  } else if (op === 0x10 || op === OP.returnCall) r.u32();
  else if (op === 0x11 || op === OP.returnCallIndirect) {
    r.u32();
    r.u32();
  } else if (op === 0x1c) {
    for (let n = r.u32(); n > 0; n--) r.u8(); // select t*
  } else if (op >= 0x20 && op <= 0x26)
    r.u32(); // locals, globals, table.get/set
  else if (op >= 0x28 && op <= 0x3e) skipMemarg(r);
  else if (op === 0x3f || op === 0x40)
    r.u32(); // memory index
  else if (op === 0x41 || op === OP.i64Const) r.skipSigned();
  else if (op === 0x43) r.skip(4);
  else if (op === 0x44) r.skip(8);
  else if (op === 0xd0)
    r.skipSigned(); // ref.null heap type
  else if (op === 0xd2)
    r.u32(); // ref.func
  else if (op === 0xfc) {
    const sub = r.u32();
    if (sub <= 7) {
      // trunc_sat: no immediates
    } else if (sub === 8 || sub === 12 || sub === 14) {
      r.u32();
      r.u32();
    } else if (sub === 10) {
      r.u32();
      r.u32();
    } else if (sub === 9 || sub === 11 || sub === 13 || (sub >= 15 && sub <= 17)) r.u32();
    else throw new WasmFormatError(at, `unsupported instruction 0xFC ${sub}`);
  } else if (
    op === OP.unreachable ||
    op === 0x01 ||
    op === OP.else ||
    op === OP.end ||
    op === OP.return ||
    op === 0x1a ||
    op === 0x1b ||
    op === 0xd1 ||
    (op >= 0x45 && op <= 0xc4)
  ) {
    // no immediates
  } else {
    throw new WasmFormatError(at, `unsupported opcode 0x${op.toString(16).padStart(2, '0')}`);
  }
  return op;
}

/** global.get g; i64.const n; i64.add; global.set g */
function increment(global: number, n: number): number[] {
  const g = unsignedLeb(global);
  return [OP.globalGet, ...g, OP.i64Const, ...signedLeb(BigInt(n)), OP.i64Add, OP.globalSet, ...g];
}

/** One function body (locals and expression), instrumented. */
function instrumentBody(body: Uint8Array, global: number, granularity: Granularity): number[] {
  const r = new ByteReader(body);
  for (let n = r.u32(); n > 0; n--) {
    r.u32();
    r.u8();
  }
  const out: number[] = Array.from(body.subarray(0, r.pos));
  // Each run: where it starts in the original body and how many instructions it counts.
  let runStart = r.pos;
  let counted = 0;
  let pending: number[] = [];
  const flushRun = (end: number) => {
    if (counted > 0) out.push(...increment(global, counted));
    out.push(...pending);
    pending = [];
    counted = 0;
    runStart = end;
  };
  while (!r.done) {
    const start = r.pos;
    const op = skipInstruction(r);
    const bytes = Array.from(body.subarray(start, r.pos));
    const counts = !MARKERS.has(op);
    if (granularity === 'each') {
      if (counts) out.push(...increment(global, 1));
      out.push(...bytes);
      continue;
    }
    if (counts) counted++;
    pending.push(...bytes);
    if (RUN_ENDS.has(op)) flushRun(r.pos);
  }
  if (granularity === 'run') {
    if (pending.length > 0 || runStart !== r.pos)
      throw new WasmFormatError(runStart, 'function body does not end with end');
  }
  return out;
}

function countImportedGlobals(sections: readonly Section[]): number {
  const imports = sections.find((s) => s.id === SectionId.Import);
  if (!imports) return 0;
  const r = new ByteReader(imports.body);
  let globals = 0;
  for (let n = r.u32(); n > 0; n--) {
    r.name();
    r.name();
    const kind = r.u8();
    if (kind === 0x03) globals++;
    skipImportDescriptor(r, kind);
  }
  return globals;
}

/** Adds one entry to a vector section (count, entries) of `body`. */
function appendToVector(body: Uint8Array | undefined, entry: number[]): Uint8Array {
  if (!body) return Uint8Array.from([1, ...entry]);
  const r = new ByteReader(body);
  const count = r.u32();
  return Uint8Array.from([...unsignedLeb(count + 1), ...body.subarray(r.pos), ...entry]);
}

/** Section order of the binary format (§5.5.2): custom sections aside, ids in this order. */
const ORDER = [1, 2, 3, 4, 5, 13, 6, 7, 8, 9, 12, 10, 11];

function upsert(sections: Section[], id: number, entry: number[]): void {
  const i = sections.findIndex((s) => s.id === id);
  if (i >= 0) {
    sections[i] = { id, body: appendToVector(sections[i].body, entry) };
    return;
  }
  const rank = ORDER.indexOf(id);
  const at = sections.findIndex((s) => s.id !== 0 && ORDER.indexOf(s.id) > rank);
  sections.splice(at < 0 ? sections.length : at, 0, { id, body: appendToVector(undefined, entry) });
}

/** Prefix of the per-function counters (`perFunction`): `${FUNCTION_COUNTER_PREFIX}<index>`. */
export const FUNCTION_COUNTER_PREFIX = '__bench_fn_';

export interface InstrumentOptions {
  granularity?: Granularity;
  /**
   * One counter per defined function (exported as FUNCTION_COUNTER_PREFIX + its index among the
   * defined functions) instead of INSTRUCTION_COUNTER: where the instructions go.
   */
  perFunction?: boolean;
}

/** A copy of `module` that counts its executed instructions in the exported INSTRUCTION_COUNTER. */
export function instrument(
  module: Uint8Array,
  options: Granularity | InstrumentOptions = 'run',
): Uint8Array<ArrayBuffer> {
  const { granularity = 'run', perFunction = false } =
    typeof options === 'string' ? { granularity: options } : options;
  const sections = readSections(module);
  let ownGlobals = 0;
  const globalSection = sections.find((s) => s.id === SectionId.Global);
  if (globalSection) ownGlobals = new ByteReader(globalSection.body).u32();
  const first = countImportedGlobals(sections) + ownGlobals;
  const codeSection = sections.find((s) => s.id === SectionId.Code);
  const bodies = codeSection ? new ByteReader(codeSection.body).u32() : 0;
  const counters = perFunction ? bodies : 1;
  for (let i = 0; i < counters; i++) {
    upsert(sections, SectionId.Global, [I64, 0x01, OP.i64Const, 0x00, OP.end]);
    const name = perFunction ? `${FUNCTION_COUNTER_PREFIX}${i}` : INSTRUCTION_COUNTER;
    upsert(sections, SectionId.Export, [...nameBytes(name), 0x03, ...unsignedLeb(first + i)]);
  }
  // After the upserts: a new global section moves the code section's index.
  const code = sections.findIndex((s) => s.id === SectionId.Code);
  if (code >= 0) {
    const r = new ByteReader(sections[code].body);
    const count = r.u32();
    const out: number[] = [...unsignedLeb(count)];
    for (let i = 0; i < count; i++) {
      const body = instrumentBody(r.take(r.u32()), perFunction ? first + i : first, granularity);
      out.push(...unsignedLeb(body.length), ...body);
    }
    sections[code] = { id: SectionId.Code, body: Uint8Array.from(out) };
  }
  return writeModule(sections);
}

/** Per-function counts of an instance instrumented with `perFunction`, by defined-function index. */
export function functionCountsOf(exports: object): bigint[] {
  const out: bigint[] = [];
  for (const [name, g] of Object.entries(exports)) {
    if (!name.startsWith(FUNCTION_COUNTER_PREFIX) || !(g instanceof WebAssembly.Global)) continue;
    out[Number(name.slice(FUNCTION_COUNTER_PREFIX.length))] = g.value as bigint;
  }
  return out;
}

/** Reads the counter of an instance of an instrumented module. */
export function instructionsOf(exports: object): bigint {
  const g = (exports as Record<string, unknown>)[INSTRUCTION_COUNTER];
  if (g instanceof WebAssembly.Global) return g.value as bigint;
  const perFunction = functionCountsOf(exports);
  if (perFunction.length === 0)
    throw new Error(`the instance has no ${INSTRUCTION_COUNTER} export: not instrumented`);
  return perFunction.reduce((a, b) => a + (b ?? 0n), 0n);
}
