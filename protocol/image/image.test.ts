import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readU16LE, writeU16LE, writeU32LE } from '../bytes.ts';
import {
  HDR_FLAGS,
  HDR_HEADER_SIZE,
  HDR_PAYLOAD_SIZE,
  HDR_PROTECTED_TLV_SIZE,
  HDR_RESERVED,
  IMAGE_HEADER_SIZE,
  TLV_CRITICAL,
  TLV_INFO_PROTECTED,
  TlvType,
} from './image-constants.ts';
import {
  appendTlvs,
  compareVersions,
  encodeHashed,
  formatVersion,
  parseImage,
  parseVersion,
} from './image.ts';
import { ImageError, imageErrorCodeOf, IMAGE_CHECK_OF } from './image-error.ts';
import { signImage } from './sign.ts';
import { testKey, tinyWasm } from './testing.ts';

const key = testKey();
const version = { major: 1, minor: 2, revision: 3, build: 4 };
const signed = signImage({ payload: tinyWasm(100), version, securityCounter: 7 }, key.privateKey);

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof ImageError) return e.code;
    throw e;
  }
  return 'no error';
}

function patched(edit: (b: Uint8Array) => void, from = signed): Uint8Array {
  const b = from.slice();
  edit(b);
  return b;
}

describe('parseImage', () => {
  it('reads back what the signer wrote', () => {
    const p = parseImage(signed);
    expect(p.header.version).toEqual(version);
    expect(p.header.securityCounter).toBe(7);
    expect(p.header.headerSize).toBe(IMAGE_HEADER_SIZE);
    expect(p.payload).toEqual(tinyWasm(100));
    expect(p.sha256).toHaveLength(32);
    expect(p.signature).toHaveLength(64);
    expect(p.keyId).toHaveLength(8);
    expect(p.size).toBe(signed.length);
    expect(p.hashed).toEqual(signed.subarray(0, IMAGE_HEADER_SIZE + tinyWasm(100).length));
  });

  it('refuses each malformed structure with its own code', () => {
    expect(code(() => parseImage(signed.subarray(0, 10)))).toBe('truncated');
    expect(code(() => parseImage(patched((b) => (b[0] ^= 1))))).toBe('bad-magic');
    expect(code(() => parseImage(patched((b) => writeU16LE(b, HDR_HEADER_SIZE, 64))))).toBe(
      'bad-size',
    );
    expect(code(() => parseImage(patched((b) => writeU32LE(b, HDR_PAYLOAD_SIZE, 0))))).toBe(
      'bad-size',
    );
    expect(code(() => parseImage(patched((b) => writeU32LE(b, HDR_PAYLOAD_SIZE, 0x100000))))).toBe(
      'bad-size',
    );
    expect(code(() => parseImage(patched((b) => writeU32LE(b, HDR_FLAGS, 0x1))))).toBe(
      'bad-header',
    );
    expect(code(() => parseImage(patched((b) => writeU32LE(b, HDR_RESERVED, 9))))).toBe(
      'bad-header',
    );
    expect(code(() => parseImage(Uint8Array.from([...signed, 0])))).toBe('trailing-bytes');
    expect(code(() => parseImage(signed.subarray(0, signed.length - 1)))).toBe('truncated');
    // The unprotected area's info magic.
    const infoAt = IMAGE_HEADER_SIZE + tinyWasm(100).length;
    expect(code(() => parseImage(patched((b) => (b[infoAt] ^= 0xff))))).toBe('bad-magic');
    // A protected area announced by the header but absent.
    expect(code(() => parseImage(patched((b) => writeU16LE(b, HDR_PROTECTED_TLV_SIZE, 8))))).toBe(
      'bad-magic',
    );
    // The image stops right after the payload: nothing signs it.
    expect(code(() => parseImage(signed.subarray(0, infoAt)))).toBe('unsigned');
  });

  it('refuses TLVs that overrun, repeat, have the wrong length, or are unknown and critical', () => {
    const hashed = encodeHashed({ flags: 0, version, securityCounter: 1 }, tinyWasm());
    const sha = { type: TlvType.Sha256, value: new Uint8Array(32) };
    expect(code(() => parseImage(appendTlvs(hashed, [sha, sha])))).toBe('bad-tlv');
    expect(
      code(() =>
        parseImage(appendTlvs(hashed, [{ type: TlvType.Sha256, value: new Uint8Array(31) }])),
      ),
    ).toBe('bad-tlv');
    expect(
      code(() =>
        parseImage(appendTlvs(hashed, [{ type: TLV_CRITICAL | 0x77, value: new Uint8Array(2) }])),
      ),
    ).toBe('unknown-critical-tlv');
    // Unknown and not critical: skipped.
    expect(
      parseImage(appendTlvs(hashed, [{ type: 0x77, value: new Uint8Array(2) }, sha])).sha256,
    ).toEqual(sha.value);
    const overrun = appendTlvs(hashed, [sha]);
    writeU16LE(overrun, hashed.length + 4 + 2, 40);
    expect(code(() => parseImage(overrun))).toBe('bad-tlv');
    // A critical unknown TLV in the protected area.
    const prot = encodeHashed({ flags: 0, version, securityCounter: 1 }, tinyWasm(), [
      { type: TLV_CRITICAL | 0x50, value: new Uint8Array(4) },
    ]);
    expect(readU16LE(prot, IMAGE_HEADER_SIZE + 8)).toBe(TLV_INFO_PROTECTED);
    expect(code(() => parseImage(appendTlvs(prot, [sha])))).toBe('unknown-critical-tlv');
  });

  it('never throws anything but ImageError on random bytes or random corruption', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const c = code(() => parseImage(bytes));
        expect(c).not.toBe('no error');
      }),
    );
    fc.assert(
      fc.property(fc.nat(signed.length - 1), fc.integer({ min: 1, max: 255 }), (at, x) => {
        // Corruption of a header or TLV byte is refused; of the payload it parses (the hash,
        // checked by verifyImage, catches it).
        try {
          parseImage(patched((b) => (b[at] ^= x)));
        } catch (e) {
          expect(e).toBeInstanceOf(ImageError);
        }
      }),
    );
  });
});

describe('versions and error codes', () => {
  it('parses, formats and orders versions', () => {
    expect(parseVersion('1.2.3')).toEqual({ major: 1, minor: 2, revision: 3, build: 0 });
    expect(formatVersion(parseVersion('1.2.300+77'))).toBe('1.2.300+77');
    expect(() => parseVersion('1.2')).toThrow(RangeError);
    expect(() => parseVersion('256.0.0')).toThrow(RangeError);
    expect(compareVersions(parseVersion('1.10.0'), parseVersion('1.9.9'))).toBeGreaterThan(0);
    expect(compareVersions(parseVersion('1.0.0+1'), parseVersion('1.0.0+2'))).toBeLessThan(0);
  });

  it('maps every code to its own number and back', () => {
    const numbers = Object.values(IMAGE_CHECK_OF);
    expect(new Set(numbers).size).toBe(numbers.length);
    for (const [c, n] of Object.entries(IMAGE_CHECK_OF)) expect(imageErrorCodeOf(n)).toBe(c);
    expect(imageErrorCodeOf(0)).toBeUndefined();
  });
});
