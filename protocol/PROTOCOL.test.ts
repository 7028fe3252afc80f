// PROTOCOL.md describes what the code does: every ```hex block in it is decoded with the code of
// this folder and re-encoded byte for byte, every message type and vendor escape has a worked
// example, and every `NAME` = value it states matches the constant of that name.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from './bytes.ts';
import { decodeAtr } from './atr.ts';
import { decodeMessage, encodeMessage } from './ccid-codec.ts';
import * as ccidConstants from './ccid-constants.ts';
import { PcToRdr, RdrToPc } from './ccid-constants.ts';
import type { Direction } from './ccid-messages.ts';
import * as isoTables from './iso7816-tables.ts';
import * as nativeConstants from './native-constants.ts';
import { VendorCommand } from './native-constants.ts';
import {
  decodeVendorRequest,
  decodeVendorResponse,
  encodeVendorRequest,
  encodeVendorResponse,
} from './native/vendor-escape.ts';
import * as serialConstants from './serial-constants.ts';
import { SerialDecoder } from './serial-decoder.ts';
import { encodeFrame } from './serial-frame.ts';

const doc = readFileSync(new URL('./PROTOCOL.md', import.meta.url), 'utf8');

interface Example {
  info: string[];
  bytes: Uint8Array;
  line: number;
}

const examples: Example[] = [...doc.matchAll(/^```hex ([^\n]*)\n([\s\S]*?)^```/gm)].map((m) => ({
  info: m[1].trim().split(/\s+/),
  bytes: fromHex(
    m[2]
      .split('\n')
      .map((l) => l.replace(/#.*$/, ''))
      .join(' '),
  ),
  line: doc.slice(0, m.index).split('\n').length,
}));

const native = () =>
  new SerialDecoder({ maxMessageLength: serialConstants.NATIVE_MAX_MESSAGE_LENGTH });

const covered = {
  'pc-to-rdr': new Set<string>(),
  'rdr-to-pc': new Set<string>(),
  request: new Set<string>(),
  response: new Set<string>(),
};

function typeName(type: number, direction: Direction): string {
  return direction === 'pc-to-rdr' ? PcToRdr[type] : RdrToPc[type];
}

/** Decodes a whole CCID message, checks its type and vendor escape, re-encodes it. */
function checkMessage(message: Uint8Array, direction: Direction, type: string, vendor?: string) {
  const m = decodeMessage(message, direction);
  expect(typeName(m.type, direction)).toBe(type);
  covered[direction].add(type);
  expect(toHex(encodeMessage(m))).toBe(toHex(message));
  if (vendor === undefined) return;
  if (!('data' in m)) throw new Error(`${type} carries no vendor escape`);
  if (direction === 'pc-to-rdr') {
    const r = decodeVendorRequest(m.data);
    expect(VendorCommand[r.command]).toBe(vendor);
    expect(toHex(encodeVendorRequest(r))).toBe(toHex(m.data));
    covered.request.add(vendor);
  } else {
    const r = decodeVendorResponse(m.data);
    expect(VendorCommand[r.command]).toBe(vendor);
    expect(toHex(encodeVendorResponse(r))).toBe(toHex(m.data));
    covered.response.add(vendor);
  }
}

describe('PROTOCOL.md worked examples', () => {
  it('has examples', () => {
    expect(examples.length).toBeGreaterThan(60);
  });

  for (const ex of examples) {
    it(`line ${ex.line}: ${ex.info.join(' ')}`, () => {
      const [kind, ...rest] = ex.info;
      switch (kind) {
        case 'frame': {
          const [direction, type, vendor] = rest as [Direction, string, string | undefined];
          const events = native().push(ex.bytes);
          expect(events).toHaveLength(1);
          const e = events[0];
          if (e.kind !== 'frame') throw new Error(`not a frame: ${JSON.stringify(e)}`);
          checkMessage(e.message, direction, type, vendor);
          expect(toHex(encodeFrame(e.message))).toBe(toHex(ex.bytes));
          break;
        }
        case 'message': {
          const [direction, type] = rest as [Direction, string];
          checkMessage(ex.bytes, direction, type);
          break;
        }
        case 'stream': {
          const d = native();
          const events = [...d.push(ex.bytes), ...d.flush()];
          expect(events.map((e) => (e.kind === 'error' ? `error ${e.code}` : e.kind))).toEqual(
            rest,
          );
          for (const e of events) {
            if (e.kind !== 'frame') continue;
            const direction = e.message[0] < 0x80 ? 'pc-to-rdr' : 'rdr-to-pc';
            const m = decodeMessage(e.message, direction);
            expect(toHex(encodeMessage(m))).toBe(toHex(e.message));
          }
          break;
        }
        case 'atr': {
          expect(toHex(decodeAtr(ex.bytes).bytes)).toBe(toHex(ex.bytes));
          break;
        }
        default:
          throw new Error(`unknown example kind ${kind}`);
      }
    });
  }

  it('covers every CCID message type and every vendor escape, both ways', () => {
    const names = (e: object) => Object.keys(e).filter((k) => Number.isNaN(Number(k)));
    expect([...covered['pc-to-rdr']].sort()).toEqual(names(PcToRdr).sort());
    expect([...covered['rdr-to-pc']].sort()).toEqual(names(RdrToPc).sort());
    const requests = names(VendorCommand).filter((n) => n !== 'PinProgress');
    expect([...covered.request].sort()).toEqual(requests.sort());
    expect([...covered.response].sort()).toEqual(names(VendorCommand).sort());
  });
});

describe('PROTOCOL.md constants', () => {
  const modules: Record<string, unknown>[] = [
    ccidConstants,
    serialConstants,
    nativeConstants,
    isoTables,
  ];
  const lookup = (name: string): unknown => {
    const [head, member] = name.split('.');
    for (const mod of modules) {
      if (!(head in mod)) continue;
      const v = mod[head];
      return member === undefined ? v : (v as Record<string, unknown>)[member];
    }
    return undefined;
  };
  const stated = [
    ...doc.matchAll(/`([A-Z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)?)`\s+=\s+(0x[0-9A-Fa-f]+|\d+)/g),
  ];

  it('states many of them', () => {
    expect(stated.length).toBeGreaterThan(120);
  });

  it('states each with the value the code has', () => {
    for (const [, name, value] of stated) {
      expect(lookup(name), name).toBe(Number(value));
    }
  });
});
