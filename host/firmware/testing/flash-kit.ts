// Test support: signed images of the update agent's test module, readers on one virtual clock,
// and running host-side promises on that clock.
import { NS_PER_MS, VirtualClock } from '../../../simulator/engine/virtual-clock.ts';
import { clientClock } from '../../../simulator/engine/client-clock.ts';
import { Prng } from '../../../simulator/engine/prng.ts';
import { UpdateRig } from '../../../simulator/boot/update-rig.ts';
import { buildUpdateHarness } from '../../../firmware/test/update/build-harness.ts';
import { signImage } from '../../../protocol/image/sign.ts';
import { testKey, type TestKey } from '../../../protocol/image/testing.ts';
import type { KeyObject } from 'node:crypto';
import type { Clock } from '../../clock.ts';

export interface FlashKit {
  readonly wasm: Uint8Array;
  readonly key: TestKey;
  sign(minor: number, securityCounter: number, flags?: number, key?: KeyObject): Uint8Array;
}

export async function flashKit(): Promise<FlashKit> {
  const wasm = await buildUpdateHarness();
  const key = testKey();
  return {
    wasm,
    key,
    sign: (minor, securityCounter, flags = 0, k = key.privateKey) =>
      signImage(
        {
          payload: wasm,
          version: { major: 1, minor, revision: 0, build: 0 },
          securityCounter,
          flags,
        },
        k,
      ),
  };
}

export class Bench {
  readonly clock = new VirtualClock();
  readonly host: Clock = clientClock(this.clock);

  reader(kit: FlashKit, name: string, factoryImage: Uint8Array, seed = 1): UpdateRig {
    const rig = new UpdateRig({
      name,
      clock: this.clock,
      prng: new Prng(seed),
      publicKey: kit.key.publicKeyPem,
      factoryImage,
    });
    rig.powerOn();
    this.clock.runSync(1000 * NS_PER_MS);
    return rig;
  }

  /** Runs the clock until `p` settles. */
  async run<T>(p: Promise<T>): Promise<T> {
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
    await this.clock.runUntil(() => done, 3_600_000 * NS_PER_MS);
    if (!done) throw new Error('nothing settled within a virtual hour');
    if (error !== undefined) throw error;
    return value as T;
  }

  /** Lets virtual time pass (queued flash work, a power-cut reboot). */
  async idle(ms = 2000): Promise<void> {
    await this.clock.advance(ms * NS_PER_MS);
  }
}
