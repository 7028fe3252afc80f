// Shared set-up of the update agent's tests: the test module built once, signed images of it,
// rigs on one virtual clock, and escapes that run the clock until they are answered.
import type { KeyObject } from 'node:crypto';
import { NS_PER_MS, VirtualClock } from '../../../simulator/engine/virtual-clock.ts';
import { Prng } from '../../../simulator/engine/prng.ts';
import { UpdateRig } from '../../../simulator/boot/update-rig.ts';
import { signImage } from '../../../protocol/image/sign.ts';
import { testKey, type TestKey } from '../../../protocol/image/testing.ts';
import { type ImageVersion } from '../../../protocol/image/image.ts';
import {
  decodeVendorResponse,
  encodeVendorRequest,
  type VendorRequest,
  type VendorResponse,
} from '../../../protocol/native/vendor-escape.ts';
import { buildUpdateHarness } from './build-harness.ts';

export const version = (minor: number, revision = 0): ImageVersion => ({
  major: 1,
  minor,
  revision,
  build: 0,
});

export interface Kit {
  readonly wasm: Uint8Array;
  readonly key: TestKey;
  sign(minor: number, securityCounter: number, flags?: number, key?: KeyObject): Uint8Array;
}

export async function kit(): Promise<Kit> {
  const wasm = await buildUpdateHarness();
  const key = testKey();
  return {
    wasm,
    key,
    sign: (minor, securityCounter, flags = 0, k = key.privateKey) =>
      signImage({ payload: wasm, version: version(minor), securityCounter, flags }, k),
  };
}

export function newRig(
  k: Kit,
  factoryImage: Uint8Array,
  seed = 1,
  clock = new VirtualClock(),
  name = 'rig',
): UpdateRig {
  const rig = new UpdateRig({
    name,
    clock,
    prng: new Prng(seed),
    publicKey: k.key.publicKeyPem,
    factoryImage,
  });
  rig.powerOn();
  clock.runSync(1000 * NS_PER_MS);
  return rig;
}

/** Runs `clock` until `p` settles (or a virtual hour passes). */
export async function settle<T>(clock: VirtualClock, p: Promise<T>): Promise<T> {
  let done = false;
  let value: T | undefined;
  let error: unknown;
  p.then(
    (v) => {
      done = true;
      value = v;
    },
    (e) => {
      done = true;
      error = e;
    },
  );
  await clock.runUntil(() => done, 3_600_000 * NS_PER_MS);
  if (!done) throw new Error('nothing settled within a virtual hour');
  if (error !== undefined) throw error;
  return value as T;
}

export async function ask(
  clock: VirtualClock,
  rig: UpdateRig,
  request: VendorRequest,
): Promise<VendorResponse> {
  return decodeVendorResponse(await settle(clock, rig.escape(encodeVendorRequest(request))));
}

/** Lets queued flash work finish (virtual time passes; nothing else happens). */
export async function idle(clock: VirtualClock, ms = 2000): Promise<void> {
  await clock.advance(ms * NS_PER_MS);
}
