// The block-cipher maths of the social security card (kiosk-cards.md §1.7, S2 §8.4 and §9) and
// of our test key scheme (simulator/profiles/KEYS.md). Node's crypto does the ciphers: SM4 is
// `sm4-ecb`, two-key 3DES is `des-ede-ecb`, single DES is `des-ede-ecb` with the key K ‖ K.

import { createCipheriv, createDecipheriv } from 'node:crypto';
import { concatBytes } from '../../protocol/bytes.ts';

/** The card's algorithm, as the 算法标识 of the SSSE FCI (tag 86 in 9F0C) names it. */
export type CardAlgorithm = '3DES' | 'SM4';

/** 算法标识 values (kiosk-cards.md §1.5): 01 DES/3DES, 02 SSF33, 03 SM4. */
export const ALGORITHM_ID: Readonly<Record<CardAlgorithm, number>> = { '3DES': 0x01, SM4: 0x03 };

/** A key of the wrong length: a bug in profile data or in a caller, never card input. */
export class KeyLengthError extends Error {
  override readonly name = 'KeyLengthError';
}

function ecb(name: string, key: Uint8Array, data: Uint8Array, decrypt: boolean): Uint8Array {
  const c = decrypt ? createDecipheriv(name, key, null) : createCipheriv(name, key, null);
  c.setAutoPadding(false);
  const out = Buffer.concat([c.update(data), c.final()]);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/** Block size of the algorithm's cipher: 8 for DES/3DES, 16 for SM4. */
export function blockSize(alg: CardAlgorithm): number {
  return alg === 'SM4' ? 16 : 8;
}

/**
 * ECB with a key of 8 (single DES), 16 (two-key 3DES, or SM4) bytes. `alg` picks the cipher
 * family; the key length picks DES or 3DES. `data` must be a whole number of blocks.
 */
export function encryptEcb(alg: CardAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array {
  return ecb(cipherName(alg, key), desKey(alg, key), data, false);
}

export function decryptEcb(alg: CardAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array {
  return ecb(cipherName(alg, key), desKey(alg, key), data, true);
}

function cipherName(alg: CardAlgorithm, key: Uint8Array): string {
  if (alg === 'SM4') {
    if (key.length !== 16) throw new KeyLengthError(`SM4 key of ${key.length} bytes`);
    return 'sm4-ecb';
  }
  if (key.length !== 8 && key.length !== 16) {
    throw new KeyLengthError(`DES key of ${key.length} bytes`);
  }
  return 'des-ede-ecb';
}

/** Single DES = 3DES-EDE with K ‖ K. */
function desKey(alg: CardAlgorithm, key: Uint8Array): Uint8Array {
  if (alg === '3DES' && key.length === 8) {
    const k = new Uint8Array(16);
    k.set(key, 0);
    k.set(key, 8);
    return k;
  }
  return key;
}

export function not(bytes: Uint8Array): Uint8Array {
  return bytes.map((b) => ~b & 0xff);
}

export function xor(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] ^ b[i];
  return out;
}

/** Left half XOR right half (S2 §9: how a 16-byte cipher block becomes 8 bytes of authData). */
export function foldHalves(block: Uint8Array): Uint8Array {
  const h = block.length / 2;
  return xor(block.subarray(0, h), block.subarray(h));
}

function padZero(data: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(size);
  out.set(data.subarray(0, size));
  return out;
}

/**
 * KEYS.md §2: one level of key diversification with an 8-byte factor F.
 * SM4: K' = SM4(K, F ‖ ~F). 3DES: K' = 3DES(K, F) ‖ 3DES(K, ~F).
 */
export function diversify(alg: CardAlgorithm, key: Uint8Array, factor: Uint8Array): Uint8Array {
  if (factor.length !== 8) throw new KeyLengthError(`diversification factor of ${factor.length}`);
  if (alg === 'SM4') return encryptEcb(alg, key, concatBytes([factor, not(factor)]));
  return concatBytes([encryptEcb(alg, key, factor), encryptEcb(alg, key, not(factor))]);
}

/**
 * S2 §8.4 (kiosk-cards.md §1.7): the session key from a key and the 8-byte process factor.
 * 8-byte ciphers: DEA(K, factor), 3DES-EDE for a double-length K → an 8-byte (single DES) key.
 * 16-byte ciphers: E(K, factor ‖ 00×8) → a 16-byte key.
 */
export function sessionKey(
  alg: CardAlgorithm,
  key: Uint8Array,
  processFactor: Uint8Array,
): Uint8Array {
  return encryptEcb(alg, key, padZero(processFactor, blockSize(alg)));
}

/**
 * S2 §9 (kiosk-cards.md §1.7): 8 bytes of authentication data over the 8-byte original info.
 * 8-byte ciphers: DEA(SK, info). 16-byte ciphers: L ⊕ R of E(SK, info ‖ 00×8).
 */
export function authData(alg: CardAlgorithm, sk: Uint8Array, originalInfo: Uint8Array): Uint8Array {
  const block = encryptEcb(alg, sk, padZero(originalInfo, blockSize(alg)));
  return alg === 'SM4' ? foldHalves(block) : block;
}

/** ISO/IEC 9797-1 padding method 2: 80 then 00 up to a whole number of blocks (always adds). */
export function padIso9797M2(data: Uint8Array, size: number): Uint8Array {
  const n = (Math.floor(data.length / size) + 1) * size;
  const out = new Uint8Array(n);
  out.set(data);
  out[data.length] = 0x80;
  return out;
}

/**
 * KEYS.md §5: the 4-byte MAC of secure messaging. ISO/IEC 9797-1 MAC algorithm 1 (CBC-MAC,
 * IV zero) with padding method 2, under the 8-byte DES or 16-byte SM4 session key; a 16-byte
 * final block is folded L ⊕ R as in S2 §9; the MAC is the first 4 bytes.
 */
export function mac(alg: CardAlgorithm, sk: Uint8Array, data: Uint8Array): Uint8Array {
  const size = blockSize(alg);
  const padded = padIso9797M2(data, size);
  let chain: Uint8Array = new Uint8Array(size);
  for (let at = 0; at < padded.length; at += size) {
    chain = encryptEcb(alg, sk, xor(chain, padded.subarray(at, at + size)));
  }
  const last = alg === 'SM4' ? foldHalves(chain) : chain;
  return last.slice(0, 4);
}

/** Constant-time comparison (a habit: the card never leaks where a MAC or cryptogram differs). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}
