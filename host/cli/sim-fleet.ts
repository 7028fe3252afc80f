// `--all-sim N` for the firmware commands: N simulated readers in this process, each running the
// real firmware.wasm on its own virtual clock, under the simulated boot stage with the public key
// built in and the factory image the production line programmed (simulator/boot; the firmware's
// flash map assumes a boot stage), and each reached through the driver's Reader as a serial
// reader would be. The CLI is a composition root
// and may wire the simulator in.
import type { KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { generateSigningKeyPair } from '../../protocol/image/keys.ts';
import { signImage } from '../../protocol/image/sign.ts';
import { simulatedBootStage, type BootStage } from '../../simulator/boot/index.ts';
import { builtFirmwarePath } from '../../simulator/reader/firmware-image.ts';
import { Simulation } from '../../simulator/simulation.ts';
import { sleep } from '../clock.ts';
import { Reader } from '../reader/reader.ts';
import { readerTarget } from '../firmware/reader-target.ts';
import type { UpdateTarget } from '../firmware/target.ts';
import { streamTransport } from '../transport/stream-transport.ts';

export interface SimFleetOptions {
  count: number;
  /**
   * The boot stage's key and the factory image. Without them the factory image is
   * firmware/build/firmware.wasm signed as 0.0.0 with a key made for this run (enough for
   * provisioning; an update needs readers that trust the update's key).
   */
  boot?: { publicKey: KeyObject | string; factoryImage?: Uint8Array };
  /** Reader i takes seed + i. */
  seed: number;
  realtime?: boolean;
  /** Each reader's boot stage once made (tests, diagnostics). */
  created?: (stage: BootStage, index: number) => void;
}

export interface SimFleet {
  readonly sims: readonly Simulation[];
  readonly readers: readonly Reader[];
  /** One per reader, named `sim:1` … `sim:N`, on the reader's own clock. */
  readonly targets: readonly UpdateTarget[];
  stop(): Promise<void>;
}

/** Longest first boot (the boot stage formats its journal and checks the image), virtual ms. */
const FIRST_BOOT_LIMIT_MS = 60_000;

/**
 * Until the firmware runs: a serial reader's port appears once its firmware started, and a HELLO
 * sent while the boot stage works would be lost (the driver would take the silence for a stock
 * reader's and settle for the compat profile).
 */
async function untilRunning(sim: Simulation, name: string): Promise<void> {
  const clock = sim.clientClock;
  const started = clock.now();
  while (!sim.reader.running) {
    if (sim.reader.bootError)
      throw new SimFleetError(
        `${name}: the boot stage started no image: ${sim.reader.bootError.message}`,
      );
    if (clock.now() - started > FIRST_BOOT_LIMIT_MS)
      throw new SimFleetError(`${name}: the firmware did not start`);
    await sleep(clock, 10);
  }
}

/** firmware.wasm signed as 0.0.0 with a key that lives as long as this process. */
async function runKeyFactoryImage(): Promise<{ publicKey: string; factoryImage: Uint8Array }> {
  const pair = generateSigningKeyPair();
  const payload = new Uint8Array(await readFile(builtFirmwarePath()));
  const version = { major: 0, minor: 0, revision: 0, build: 0 };
  return {
    publicKey: pair.publicKeyPem,
    factoryImage: signImage({ payload, version, securityCounter: 0 }, pair.privateKeyPem),
  };
}

/** A simulated reader that could not be started. */
export class SimFleetError extends Error {
  override readonly name = 'SimFleetError';
}

export async function startSimFleet(options: SimFleetOptions): Promise<SimFleet> {
  const sims: Simulation[] = [];
  const readers: Reader[] = [];
  const runs: Promise<void>[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(readers.map((r) => r.close()));
    for (const s of sims) await s.stop();
    await Promise.all(runs.map((r) => r.catch(() => {})));
  };
  try {
    const boot = options.boot ?? (await runKeyFactoryImage());
    for (let i = 0; i < options.count; i++) {
      const sim = await Simulation.create({
        seed: options.seed + i,
        trace: false,
        mode: options.realtime ? 'realtime' : 'fast',
        bootStage: simulatedBootStage({
          publicKey: boot.publicKey,
          factoryImage: boot.factoryImage,
          created: (stage) => options.created?.(stage, i),
        }),
      });
      sims.push(sim);
      runs.push(sim.run());
      await untilRunning(sim, `sim:${i + 1}`);
      readers.push(
        new Reader(
          streamTransport(`sim:${i + 1}`, () => sim.hostStream()),
          { clock: sim.clientClock },
        ),
      );
    }
    await Promise.all(readers.map((r) => r.start()));
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    sims,
    readers,
    targets: readers.map((r, i) => readerTarget(r, { clock: sims[i].clientClock })),
    stop,
  };
}
