import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import asc from 'assemblyscript/asc';
import {
  PCB_I_MORE,
  PCB_I_NS,
  PCB_R_NR,
  PCB_S_RESPONSE,
  T1_CRC_INITIAL,
  T1_MAX_BLOCK_LENGTH,
  T1BlockKind,
  T1RError,
  T1SType,
  t1BlockKind,
  t1CrcUpdate,
  t1EdcLength,
  t1LrcUpdate,
  t1ReplyNad,
} from './t1-constants.ts';

const crcOf = (bytes: Uint8Array): number =>
  bytes.reduce((c, b) => t1CrcUpdate(c, b), T1_CRC_INITIAL);
const lrcOf = (bytes: Uint8Array): number => bytes.reduce((x, b) => t1LrcUpdate(x, b), 0);

describe('T=1 block constants (ISO 7816-3 §11.3)', () => {
  it('tells the block kinds apart by PCB', () => {
    expect(t1BlockKind(0x00)).toBe(T1BlockKind.I);
    expect(t1BlockKind(PCB_I_NS | PCB_I_MORE)).toBe(T1BlockKind.I);
    expect(t1BlockKind(0x80 | PCB_R_NR | T1RError.Edc)).toBe(T1BlockKind.R);
    expect(t1BlockKind(0xc0 | PCB_S_RESPONSE | T1SType.Wtx)).toBe(T1BlockKind.S);
    // The reference's S-block PCBs: C1 IFS request, E1 IFS response, C3 WTX request, E3 response.
    expect([0xc1, 0xe1, 0xc3, 0xe3].map((p) => p & 0x1f)).toEqual([
      T1SType.Ifs,
      T1SType.Ifs,
      T1SType.Wtx,
      T1SType.Wtx,
    ]);
  });
  it('swaps the addresses of a NAD', () => {
    expect(t1ReplyNad(0x12)).toBe(0x21);
    expect(t1ReplyNad(0x00)).toBe(0x00);
  });
  it('sizes the epilogue and the longest block', () => {
    expect(t1EdcLength(false)).toBe(1);
    expect(t1EdcLength(true)).toBe(2);
    expect(T1_MAX_BLOCK_LENGTH).toBe(259);
  });
});

describe('T=1 EDC', () => {
  it('LRC is the XOR of prologue and INF', () => {
    expect(lrcOf(Uint8Array.of(0x00, 0x00, 0x00))).toBe(0x00);
    expect(lrcOf(Uint8Array.of(0x00, 0xc1, 0x01, 0xfe))).toBe(0x3e);
  });
  it('CRC is libccid’s: reflected 0x8408, init FFFF, no final XOR (check value 6F91)', () => {
    expect(crcOf(new TextEncoder().encode('123456789'))).toBe(0x6f91);
    expect(crcOf(new Uint8Array(0))).toBe(0xffff);
  });
  it('CRC equals the bitwise definition over any bytes', () => {
    const reference = (bytes: Uint8Array): number => {
      let v = 0xffff;
      for (const b of bytes)
        for (let i = 0; i < 8; i++) {
          const mix = (v ^ (b >> i)) & 1;
          v = (v >>> 1) ^ (mix ? 0x8408 : 0);
        }
      return v;
    };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(crcOf(bytes)).toBe(reference(bytes));
      }),
    );
  });
});

/** A firmware-style module over the file: the EDC fed from static memory, as the ISO layer does. */
const PORTABLE_CHECK = `
import { T1_CRC_INITIAL, t1CrcUpdate, t1LrcUpdate, t1BlockKind, T1BlockKind } from './t1-constants';
const BUF = memory.data(300);
export function buffer(): usize { return BUF; }
export function crc(len: i32): i32 {
  let c = T1_CRC_INITIAL;
  for (let i: i32 = 0; i < len; i++) c = t1CrcUpdate(c, <i32>load<u8>(BUF + <usize>i));
  return c;
}
export function lrc(len: i32): i32 {
  let x: i32 = 0;
  for (let i: i32 = 0; i < len; i++) x = t1LrcUpdate(x, <i32>load<u8>(BUF + <usize>i));
  return x;
}
export function isSBlock(pcb: i32): bool { return t1BlockKind(pcb) == T1BlockKind.S; }
`;

async function compilePortableCheck(): Promise<Uint8Array<ArrayBuffer>> {
  const dir = fileURLToPath(new URL('.', import.meta.url));
  let binary: Uint8Array<ArrayBuffer> | undefined;
  let log = '';
  const sink = { write: (s: string | Uint8Array) => ((log += String(s)), true) };
  const { error } = await asc.main(
    [
      'portable-check.ts',
      '--baseDir',
      dir,
      '--outFile',
      'check.wasm',
      '--runtime',
      'stub',
      '--initialMemory',
      '1',
    ],
    {
      readFile: (name: string, baseDir: string) => {
        if (name === 'portable-check.ts') return PORTABLE_CHECK;
        if (name === 'asconfig.json') return null;
        try {
          return readFileSync(join(baseDir, name), 'utf8');
        } catch {
          return null;
        }
      },
      writeFile: (name: string, contents: Uint8Array | string) => {
        if (name.endsWith('.wasm') && typeof contents !== 'string')
          binary = new Uint8Array(contents);
      },
      listFiles: () => [],
      stdout: sink,
      stderr: sink,
    },
  );
  if (error || !binary) throw new Error(`asc: ${error?.message ?? 'no binary'}\n${log}`);
  return binary;
}

describe('the portable subset', () => {
  it(
    'compiles under asc and computes the same EDC in WebAssembly',
    { timeout: 30_000 },
    async () => {
      const binary = await compilePortableCheck();
      const { exports } = new WebAssembly.Instance(
        new WebAssembly.Module(binary),
        {},
      ) as unknown as {
        exports: {
          memory: WebAssembly.Memory;
          buffer(): number;
          crc(len: number): number;
          lrc(len: number): number;
          isSBlock(pcb: number): number;
        };
      };
      const load = (bytes: Uint8Array): void =>
        new Uint8Array(exports.memory.buffer).set(bytes, exports.buffer());
      load(new TextEncoder().encode('123456789'));
      expect(exports.crc(9)).toBe(0x6f91);
      expect(exports.isSBlock(0xe3)).toBe(1);
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 259 }), (bytes) => {
          load(bytes);
          expect(exports.crc(bytes.length)).toBe(crcOf(bytes));
          expect(exports.lrc(bytes.length)).toBe(lrcOf(bytes));
        }),
      );
    },
  );
});
