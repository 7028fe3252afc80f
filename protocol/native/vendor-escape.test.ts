import { createHash } from 'node:crypto';
import * as zlib from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../bytes.ts';
import {
  NATIVE_PROTOCOL_VERSION,
  Profile,
  ReaderFeature,
  SlotKind,
  VendorCommand,
  VendorStatus,
} from '../native-constants.ts';
import { MAX_APDU_DATA, NATIVE_MAX_MESSAGE_LENGTH } from '../serial-constants.ts';
import {
  arbVendorFailure,
  arbVendorReply,
  arbVendorRequest,
} from '../testing/native-arbitraries.ts';
import { crc32 } from './update.ts';
import {
  decodeVendorRequest,
  decodeVendorResponse,
  encodeVendorRequest,
  encodeVendorResponse,
  isVendorEscape,
} from './vendor-escape.ts';
import { VendorMessageError } from './vendor-error.ts';

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof VendorMessageError) return e.code;
    throw e;
  }
  return undefined;
}

describe('HELLO and SET_PROFILE: the fixed layouts', () => {
  it('decodes a HELLO reply field by field', () => {
    const bytes = fromHex(
      '4B 52 01 00  01 00  00 01 00 00  60 00 00 00  13 10 00 00  00 10  02 10' +
        '  03 00 01 01  08 30 31 32 33 41 42 43 44',
    );
    const r = decodeVendorResponse(bytes);
    expect(r).toEqual({
      command: VendorCommand.Hello,
      status: VendorStatus.Ok,
      hello: {
        protocolVersion: NATIVE_PROTOCOL_VERSION,
        profile: Profile.Compat,
        firmware: { major: 0, minor: 1, patch: 0 },
        features: ReaderFeature.ExtendedApdu | ReaderFeature.PushedSlotChange,
        maxMessageLength: NATIVE_MAX_MESSAGE_LENGTH,
        maxApduData: MAX_APDU_DATA,
        displayRows: 2,
        displayColumns: 16,
        slots: [SlotKind.User, SlotKind.Sam, SlotKind.Sam],
        serialNumber: '0123ABCD',
      },
    });
    expect(toHex(encodeVendorResponse(r))).toBe(toHex(bytes));
    // one byte short, one byte too many
    expect(code(() => decodeVendorResponse(bytes.subarray(0, bytes.length - 1)))).toBe(
      'bad-length',
    );
    expect(code(() => decodeVendorResponse(Uint8Array.from([...bytes, 0])))).toBe('bad-length');
  });

  it('HELLO request: empty or the host version; more is a bad length', () => {
    expect(decodeVendorRequest(fromHex('4B 52 01'))).toEqual({ command: VendorCommand.Hello });
    expect(decodeVendorRequest(fromHex('4B 52 01 01'))).toEqual({
      command: VendorCommand.Hello,
      hostVersion: 1,
    });
    expect(code(() => decodeVendorRequest(fromHex('4B 52 01 01 00')))).toBe('bad-length');
  });

  it('SET_PROFILE: one profile byte; an unknown profile is a bad field; BadParameter reply', () => {
    expect(decodeVendorRequest(fromHex('4B 52 02 01'))).toEqual({
      command: VendorCommand.SetProfile,
      profile: Profile.Native,
    });
    expect(code(() => decodeVendorRequest(fromHex('4B 52 02 02')))).toBe('bad-field');
    expect(code(() => decodeVendorRequest(fromHex('4B 52 02')))).toBe('bad-length');
    expect(decodeVendorResponse(fromHex('4B 52 02 00 01'))).toEqual({
      command: VendorCommand.SetProfile,
      status: VendorStatus.Ok,
      profile: Profile.Native,
    });
    expect(decodeVendorResponse(fromHex('4B 52 02 03'))).toEqual({
      command: VendorCommand.SetProfile,
      status: VendorStatus.BadParameter,
    });
  });
});

describe('vendor escapes: typed errors', () => {
  it('tells our escapes from libccid’s', () => {
    for (const escape of ['02', '01 01 01', '1F 02', 'B2 A0 00 4D 4C', '6A', '06', '01 10 20']) {
      expect(isVendorEscape(fromHex(escape))).toBe(false);
      expect(code(() => decodeVendorRequest(fromHex(escape)))).toBe('not-vendor');
    }
    expect(isVendorEscape(fromHex('4B 52 01'))).toBe(true);
    expect(code(() => decodeVendorRequest(fromHex('4B 52')))).toBe('not-vendor');
  });

  it('rejects unknown commands, PinProgress as a request, bad UTF-8, truncated TLVs', () => {
    expect(code(() => decodeVendorRequest(fromHex('4B 52 7F')))).toBe('unknown-command');
    expect(code(() => decodeVendorRequest(fromHex('4B 52 60 00 00')))).toBe('unknown-command');
    expect(code(() => decodeVendorRequest(fromHex('4B 52 11 00 00 C3 28')))).toBe('bad-field');
    expect(code(() => decodeVendorRequest(fromHex('4B 52 31 01 05 41')))).toBe('bad-tlv');
    expect(code(() => decodeVendorRequest(fromHex('4B 52 31 03 02 01 00')))).toBe('bad-tlv');
    expect(code(() => decodeVendorRequest(fromHex('4B 52 31 03 01 02')))).toBe('bad-field');
    expect(code(() => decodeVendorRequest(fromHex('4B 52 21 00 00 00 00 00 00 00 00')))).toBe(
      'bad-length',
    );
    expect(code(() => decodeVendorResponse(fromHex('4B 52 03 04 00')))).toBe('bad-length');
    expect(code(() => decodeVendorResponse(fromHex('4B 52 03 77')))).toBe('bad-field');
    expect(code(() => decodeVendorResponse(fromHex('4B 52 60 00 04 03')))).toBe('bad-field');
    // a tag that may appear once, twice
    expect(
      code(() => decodeVendorResponse(fromHex('4B 52 03 00 05 04 01 00 00 00 05 04 02 00 00 00'))),
    ).toBe('bad-tlv');
  });

  it("reads the boot stage's security counter and the last update's outcome in DeviceInfo", () => {
    // 0A: stored counter 3; 0B: Rejected (4) because of Rollback (12).
    const r = decodeVendorResponse(fromHex('4B 52 03 00 0A 04 03 00 00 00 0B 02 04 0C'));
    expect(r).toEqual({
      command: VendorCommand.DeviceInfo,
      status: VendorStatus.Ok,
      info: { securityCounter: 3, lastUpdate: { outcome: 4, reason: 12 } },
    });
    expect(code(() => decodeVendorResponse(fromHex('4B 52 03 00 0B 01 04')))).toBe('bad-tlv');
    expect(code(() => decodeVendorResponse(fromHex('4B 52 03 00 0A 02 03 00')))).toBe('bad-tlv');
  });

  it('keeps TLVs with unknown tags, for later firmware', () => {
    const r = decodeVendorResponse(fromHex('4B 52 03 00 01 02 41 42 7E 01 09'));
    expect(r).toEqual({
      command: VendorCommand.DeviceInfo,
      status: VendorStatus.Ok,
      info: { serialNumber: 'AB', other: [{ tag: 0x7e, value: fromHex('09') }] },
    });
  });

  it('never throws anything but VendorMessageError on random abData', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 48 }),
        fc.integer({ min: 0, max: 0x60 }),
        (tail, command) => {
          const bytes = Uint8Array.from([0x4b, 0x52, command, ...tail]);
          for (const f of [decodeVendorRequest, decodeVendorResponse]) {
            try {
              f(bytes);
            } catch (e) {
              expect(e).toBeInstanceOf(VendorMessageError);
            }
          }
        },
      ),
      { seed: 3, numRuns: 3000 },
    );
  });
});

describe('vendor escapes: encode → decode round trip (property)', () => {
  it('every request', () => {
    const seen = new Set<number>();
    fc.assert(
      fc.property(arbVendorRequest, (r) => {
        seen.add(r.command);
        expect(decodeVendorRequest(encodeVendorRequest(r))).toEqual(r);
      }),
      { seed: 4, numRuns: 2000 },
    );
    // every VendorCommand but PinProgress, which is not a request
    const all = Object.values(VendorCommand).filter((v) => typeof v === 'number');
    expect(seen.size).toBe(all.length - 1);
  });

  it('every reply, and failures', () => {
    const seen = new Set<number>();
    fc.assert(
      fc.property(fc.oneof(arbVendorReply, arbVendorFailure), (r) => {
        if (r.status === VendorStatus.Ok) seen.add(r.command);
        expect(decodeVendorResponse(encodeVendorResponse(r))).toEqual(r);
      }),
      { seed: 5, numRuns: 3000 },
    );
    const all = Object.values(VendorCommand).filter((v) => typeof v === 'number');
    expect(seen.size).toBe(all.length);
  });
});

describe('UpdateWrite CRC-32 and UpdateBegin SHA-256', () => {
  // zlib.crc32 exists from Node 20.15; package.json allows 20.12.
  it.skipIf(typeof zlib.crc32 !== 'function')('crc32 is zlib’s', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (data) => {
        expect(crc32(data)).toBe(zlib.crc32(data));
      }),
      { seed: 6, numRuns: 200 },
    );
  });

  it('crc32 gives the check value of CRC-32/ISO-HDLC', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('UpdateBegin carries exactly 32 bytes of SHA-256', () => {
    const sha256 = createHash('sha256').update('image').digest();
    const r = {
      command: VendorCommand.UpdateBegin,
      imageSize: 5,
      sha256: new Uint8Array(sha256),
    } as const;
    expect(encodeVendorRequest(r).length).toBe(3 + 4 + 32);
    expect(() => encodeVendorRequest({ ...r, sha256: new Uint8Array(31) })).toThrow(/sha256/);
  });
});
