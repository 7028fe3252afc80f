import { describe, expect, it } from 'vitest';
import { writeU32LE } from '../bytes.ts';
import { HDR_SECURITY_COUNTER, IMAGE_HEADER_SIZE, ImageFlag, TlvType } from './image-constants.ts';
import { appendTlvs, encodeHashed, parseImage } from './image.ts';
import { ImageError } from './image-error.ts';
import { keyIdOf, loadPublicKey, publicKeyFromRaw, rawPublicKey } from './keys.ts';
import { sha256, signImage } from './sign.ts';
import { testKey, tinyWasm } from './testing.ts';
import { verifyImage } from './verify.ts';

const ours = testKey();
const theirs = testKey();
const version = { major: 2, minor: 0, revision: 1, build: 0 };
const payload = tinyWasm(64);
const good = signImage({ payload, version, securityCounter: 5 }, ours.privateKey);

function failure(f: () => unknown): ImageError {
  try {
    f();
  } catch (e) {
    if (e instanceof ImageError) return e;
    throw e;
  }
  throw new Error('expected an ImageError');
}

describe('verifyImage', () => {
  it('accepts a signed image with the signing key, as PEM, raw bytes or KeyObject', () => {
    for (const k of [ours.publicKeyPem, rawPublicKey(ours.publicKey), ours.publicKey]) {
      const v = verifyImage(good, [theirs.publicKey, k], { minSecurityCounter: 5 });
      expect(v.publicKey).toEqual(rawPublicKey(ours.publicKey));
      expect(v.digest).toEqual(v.sha256);
    }
  });

  it('refuses an unsigned image', () => {
    const hashed = encodeHashed({ flags: 0, version, securityCounter: 5 }, payload);
    const e = failure(() => verifyImage(appendTlvs(hashed, []), [ours.publicKey]));
    expect(e.code).toBe('unsigned');
    expect(e.message).toMatch(/not signed/);
    // A hash alone is not a signature.
    const hashOnly = appendTlvs(hashed, [{ type: TlvType.Sha256, value: sha256(hashed) }]);
    expect(failure(() => verifyImage(hashOnly, [ours.publicKey])).code).toBe('unsigned');
  });

  it('refuses a tampered payload or header', () => {
    const payloadByte = good.slice();
    payloadByte[IMAGE_HEADER_SIZE + 20] ^= 0x01;
    expect(failure(() => verifyImage(payloadByte, [ours.publicKey])).code).toBe('hash-mismatch');
    const counter = good.slice();
    writeU32LE(counter, HDR_SECURITY_COUNTER, 99);
    expect(failure(() => verifyImage(counter, [ours.publicKey])).code).toBe('hash-mismatch');
  });

  it('refuses an image re-hashed by someone without the key (signature no longer matches)', () => {
    const p = parseImage(good);
    const hashed = p.hashed.slice();
    hashed[IMAGE_HEADER_SIZE + 30] ^= 0x40;
    const forged = appendTlvs(hashed, [
      { type: TlvType.KeyId, value: p.keyId! },
      { type: TlvType.Sha256, value: sha256(hashed) },
      { type: TlvType.Ed25519, value: p.signature! },
    ]);
    expect(failure(() => verifyImage(forged, [ours.publicKey])).code).toBe('bad-signature');
  });

  it('refuses an image signed with another key, and names the key ids', () => {
    const other = signImage({ payload, version, securityCounter: 5 }, theirs.privateKey);
    const e = failure(() => verifyImage(other, [ours.publicKey]));
    expect(e.code).toBe('unknown-key');
    expect(e.message).toContain(Buffer.from(keyIdOf(theirs.publicKey)).toString('hex'));
    // A wrong key id pasted onto another key's signature still fails on the signature.
    const p = parseImage(other);
    const relabelled = appendTlvs(p.hashed, [
      { type: TlvType.KeyId, value: keyIdOf(ours.publicKey) },
      { type: TlvType.Sha256, value: p.sha256! },
      { type: TlvType.Ed25519, value: p.signature! },
    ]);
    expect(failure(() => verifyImage(relabelled, [ours.publicKey])).code).toBe('bad-signature');
  });

  it('refuses a rollback: a security counter below the floor', () => {
    const e = failure(() => verifyImage(good, [ours.publicKey], { minSecurityCounter: 6 }));
    expect(e.code).toBe('rollback');
    expect(e.message).toMatch(/5 is below the reader's 6/);
    expect(
      verifyImage(good, [ours.publicKey], { minSecurityCounter: 5 }).header.securityCounter,
    ).toBe(5);
  });

  it('signs only WebAssembly payloads and known flags', () => {
    expect(() =>
      signImage({ payload: Uint8Array.of(1, 2, 3), version, securityCounter: 1 }, ours.privateKey),
    ).toThrow(/not a WebAssembly module/);
    expect(() =>
      signImage({ payload, version, securityCounter: 1, flags: 2 }, ours.privateKey),
    ).toThrow(ImageError);
    const flagged = signImage(
      { payload, version, securityCounter: 1, flags: ImageFlag.SelfTestFail },
      ours.privateKey,
    );
    expect(verifyImage(flagged, [ours.publicKey]).header.flags).toBe(ImageFlag.SelfTestFail);
  });

  it('round-trips raw public keys', () => {
    const raw = rawPublicKey(ours.publicKey);
    expect(raw).toHaveLength(32);
    expect(rawPublicKey(publicKeyFromRaw(raw))).toEqual(raw);
    expect(rawPublicKey(loadPublicKey(ours.privateKey))).toEqual(raw);
    expect(() => publicKeyFromRaw(new Uint8Array(31))).toThrow(/32 bytes/);
    expect(() => loadPublicKey('not a key')).toThrow(/not a PEM public key/);
  });
});
