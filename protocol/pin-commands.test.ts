// The PIN command rules: which commands the firmware may put typed digits into (isPinCommand),
// and which raw APDUs from a host application may carry a PIN or hide one (mayCarryPin,
// apduMayCarryPin) — checked by instruction and class, against every CLA × INS pair, and in
// WebAssembly compiled by asc (the rules are in the portable subset).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';
import { describe, expect, it } from 'vitest';
import { apduMayCarryPin, isPinCommand, mayCarryPin } from './pin-commands.ts';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
const refused = (apdu: string): boolean => {
  const a = hex(apdu);
  return apduMayCarryPin(a[0], a[1], a.length);
};

describe('isPinCommand: what the firmware may put typed digits into', () => {
  it('VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER in any class; 5E in class 8x only', () => {
    for (const cla of [0x00, 0x04, 0x0c, 0x80, 0x84, 0xa0])
      for (const ins of [0x20, 0x24, 0x2c]) expect(isPinCommand(cla, ins)).toBe(true);
    expect(isPinCommand(0x80, 0x5e)).toBe(true);
    expect(isPinCommand(0x84, 0x5e)).toBe(true);
    expect(isPinCommand(0x00, 0x5e)).toBe(false);
    expect(isPinCommand(0x90, 0x5e)).toBe(false);
    expect(isPinCommand(0x00, 0x21)).toBe(false);
    expect(isPinCommand(0x00, 0xc2)).toBe(false);
  });
});

describe('mayCarryPin: raw APDUs a host application may not send', () => {
  it('the even and odd PIN instructions in any class', () => {
    for (const cla of [0x00, 0x0c, 0x40, 0x80, 0x84, 0xe0])
      for (const ins of [0x20, 0x21, 0x24, 0x25, 0x2c, 0x2d])
        expect(mayCarryPin(cla, ins), `${cla} ${ins}`).toBe(true);
  });

  it('5E in every proprietary class (CLA b8 = 1), not in the interindustry ones', () => {
    for (const cla of [0x80, 0x84, 0x90, 0xa0, 0xb4, 0xe0])
      expect(mayCarryPin(cla, 0x5e)).toBe(true);
    for (const cla of [0x00, 0x04, 0x0c, 0x40, 0x60]) expect(mayCarryPin(cla, 0x5e)).toBe(false);
  });

  it('ENVELOPE (C2, C3) and command chaining (CLA b5) hide what they carry', () => {
    for (const cla of [0x00, 0x80]) {
      expect(mayCarryPin(cla, 0xc2)).toBe(true);
      expect(mayCarryPin(cla, 0xc3)).toBe(true);
    }
    for (const ins of [0xa4, 0xb0, 0xb2, 0xd6, 0x88]) {
      expect(mayCarryPin(0x10, ins)).toBe(true);
      expect(mayCarryPin(0x1c, ins)).toBe(true);
      expect(mayCarryPin(0x50, ins)).toBe(true);
    }
  });

  it('the ordinary commands of the cards in scope pass', () => {
    for (const [cla, ins] of [
      [0x00, 0xa4], // SELECT
      [0x00, 0xb0], // READ BINARY
      [0x00, 0xb2], // READ RECORD
      [0x00, 0xc0], // GET RESPONSE
      [0x00, 0x84], // GET CHALLENGE
      [0x00, 0x88], // INTERNAL AUTHENTICATE
      [0x00, 0x82], // EXTERNAL AUTHENTICATE
      [0x80, 0xca], // GET DATA (PBOC)
      [0x80, 0xa8], // GET PROCESSING OPTIONS
      [0x04, 0xd6], // UPDATE BINARY with SM
      [0x80, 0x1a], // PSAM: initialise for descrambling
      [0x80, 0xfa], // PSAM: cipher data
    ])
      expect(mayCarryPin(cla, ins), `${cla.toString(16)} ${ins.toString(16)}`).toBe(false);
  });

  it('includes every command isPinCommand names, over all 65 536 CLA × INS pairs', () => {
    for (let cla = 0; cla < 256; cla++)
      for (let ins = 0; ins < 256; ins++)
        if (isPinCommand(cla, ins)) expect(mayCarryPin(cla, ins), `${cla} ${ins}`).toBe(true);
  });

  it('apduMayCarryPin: only commands with a data field (longer than 5 bytes)', () => {
    // The review's examples: VERIFY with the odd INS, VERIFY inside ENVELOPE.
    expect(refused('0021008106313233343536')).toBe(true);
    expect(refused('00C200000A0020000106313233343536')).toBe(true);
    expect(refused('0020000003123456')).toBe(true);
    expect(refused('905E0100071234FF567890')).toBe(true);
    expect(refused('10A404000F7378312E73682EC9E7BBE1B1A3D5CF')).toBe(true);
    // VERIFY without data asks for the tries left: harmless.
    expect(refused('00200001')).toBe(false);
    expect(refused('0020000100')).toBe(false);
    expect(refused('00A404000F7378312E73682EC9E7BBE1B1A3D5CF00')).toBe(false);
  });
});

const PORTABLE_CHECK = `
import { isPinCommand, mayCarryPin, apduMayCarryPin } from './pin-commands';
export function pin(cla: i32, ins: i32): bool { return isPinCommand(cla, ins); }
export function may(cla: i32, ins: i32): bool { return mayCarryPin(cla, ins); }
export function apdu(cla: i32, ins: i32, length: i32): bool { return apduMayCarryPin(cla, ins, length); }
`;

async function compilePortableCheck(): Promise<Uint8Array<ArrayBuffer>> {
  const dir = fileURLToPath(new URL('.', import.meta.url));
  let binary: Uint8Array<ArrayBuffer> | undefined;
  let log = '';
  const sink = { write: (s: string | Uint8Array) => ((log += String(s)), true) };
  const { error } = await asc.main(
    ['portable-check.ts', '--baseDir', dir, '--outFile', 'check.wasm', '--runtime', 'stub'],
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
    'compiles under asc and decides every CLA × INS as tsc does',
    { timeout: 30_000 },
    async () => {
      const { exports } = new WebAssembly.Instance(
        new WebAssembly.Module(await compilePortableCheck()),
        {},
      ) as unknown as {
        exports: {
          pin(cla: number, ins: number): number;
          may(cla: number, ins: number): number;
          apdu(cla: number, ins: number, length: number): number;
        };
      };
      for (let cla = 0; cla < 256; cla++)
        for (let ins = 0; ins < 256; ins++) {
          expect(exports.pin(cla, ins) === 1).toBe(isPinCommand(cla, ins));
          expect(exports.may(cla, ins) === 1).toBe(mayCarryPin(cla, ins));
        }
      expect(exports.apdu(0x00, 0x21, 11)).toBe(1);
      expect(exports.apdu(0x00, 0x21, 5)).toBe(0);
    },
  );
});
