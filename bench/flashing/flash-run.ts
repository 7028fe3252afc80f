// Flashing a signed image of the release firmware.wasm into a simulated reader with the
// flashing tool (host/firmware/flash-reader.ts, what `fw flash` runs) over the modelled USB
// full-speed link, in virtual time. The reader runs the real firmware under the simulated boot
// stage (simulator/boot): the factory programmed version 0.1 of the same firmware; the tool sends
// 0.2 (UpdateStatus, UpdateBegin, UpdateWrite chunk by chunk, UpdateFinish), reboots the reader,
// the boot stage checks the signature and swaps the slots, the new firmware confirms itself, and
// the tool checks what runs. Two times: until UpdateFinish is answered (the image is in the
// reader), and until the tool reports the reader updated.
import { readFile } from 'node:fs/promises';
import { signImage, sha256 } from '../../protocol/image/sign.ts';
import { parseHeader } from '../../protocol/image/image.ts';
import { testKey } from '../../protocol/image/testing.ts';
import { flashReader, type FlashProgress } from '../../host/firmware/flash-reader.ts';
import { ccidSimTarget } from '../../host/firmware/testing/ccid-sim-target.ts';
import { simulatedBootStage } from '../../simulator/boot/index.ts';
import { builtFirmwarePath } from '../../simulator/reader/firmware-image.ts';
import { Simulation } from '../../simulator/simulation.ts';

export interface FlashRun {
  imageBytes: number;
  /** UpdateWrite escapes sent. */
  chunks: number;
  /** Virtual ms from the first escape until UpdateFinish is answered. */
  transferMs: number;
  /** Virtual ms until the tool reports the reader updated (reboot, swap, self-test, check). */
  totalMs: number;
  result: string;
  running?: string;
  phases: { phase: string; atMs: number }[];
}

/** The flash did not get as far as the image being in the reader. */
export class FlashNotDone extends Error {
  override readonly name = 'FlashNotDone';
  constructor(
    message: string,
    /** The running firmware has no update agent (UpdateStatus is an unknown command). */
    readonly noUpdateAgent: boolean,
  ) {
    super(message);
  }
}

export async function flashOverUsb(): Promise<FlashRun> {
  const payload = new Uint8Array(await readFile(builtFirmwarePath('release')));
  const key = testKey();
  const sign = (minor: number, securityCounter: number) =>
    signImage(
      { payload, version: { major: 0, minor, revision: 0, build: 0 }, securityCounter },
      key.privateKey,
    );
  const sim = await Simulation.create({
    seed: 1,
    trace: false,
    bootStage: simulatedBootStage({ publicKey: key.publicKeyPem, factoryImage: sign(1, 1) }),
  });
  const running = sim.run();
  try {
    const base = ccidSimTarget(sim, 'bench:sim');
    let chunks = 0;
    const target = {
      ...base,
      escape: (abData: Uint8Array, signal?: AbortSignal) => {
        if (abData[2] === 0x21) chunks++; // UpdateWrite
        return base.escape(abData, signal);
      },
    };
    await target.reconnect();
    const image = sign(2, 2);
    const t0 = sim.clock.now();
    const phases: FlashRun['phases'] = [];
    let finishedAt: number | undefined;
    const onProgress = (p: FlashProgress) => {
      if (phases.at(-1)?.phase === p.phase) return;
      phases.push({ phase: p.phase, atMs: (sim.clock.now() - t0) / 1e6 });
      if (p.phase === 'rebooting') finishedAt ??= sim.clock.now();
    };
    const report = await flashReader(
      target,
      { bytes: image, header: parseHeader(image), sha256: sha256(image) },
      { clock: sim.clientClock, onProgress },
    );
    if (finishedAt === undefined || report.result !== 'updated') {
      const why = report.error?.message ?? report.result;
      throw new FlashNotDone(
        `the flashing tool did not update the reader: ${why}`,
        /no update agent/.test(why),
      );
    }
    return {
      imageBytes: image.length,
      chunks,
      transferMs: (finishedAt - t0) / 1e6,
      totalMs: (sim.clock.now() - t0) / 1e6,
      result: report.result,
      running: report.running,
      phases,
    };
  } finally {
    await sim.stop();
    await running;
  }
}
