// Test helpers for images: a minimal valid WebAssembly payload and a per-run key pair (never
// committed: tests generate their keys, IMAGE.md / issue 8).
import { generateSigningKeyPair, loadPrivateKey, loadPublicKey } from './keys.ts';
import type { KeyObject } from 'node:crypto';
import { WASM_PREAMBLE } from './sign.ts';

/** The smallest WebAssembly module (preamble only), plus filler custom-section bytes. */
export function tinyWasm(extra = 0): Uint8Array {
  if (extra === 0) return WASM_PREAMBLE.slice();
  // A custom section (id 0) named "x" holding `extra` bytes keeps the module valid.
  const body = [0x01, 0x78, ...new Array<number>(extra).fill(0xab)];
  return Uint8Array.from([...WASM_PREAMBLE, 0x00, ...uleb(body.length), ...body]);
}

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

export interface TestKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly privateKeyPem: string;
  readonly publicKeyPem: string;
}

export function testKey(): TestKey {
  const pair = generateSigningKeyPair();
  return {
    ...pair,
    privateKey: loadPrivateKey(pair.privateKeyPem),
    publicKey: loadPublicKey(pair.publicKeyPem),
  };
}
