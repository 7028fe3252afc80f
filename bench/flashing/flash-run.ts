// Flashing a signed image of the release firmware.wasm into a simulated reader with the
// flashing tool (host/firmware/flash-reader.ts) over the modelled USB full-speed link, in virtual
// time: UpdateStatus, UpdateBegin, UpdateWrite chunk by chunk, UpdateFinish, each a native
// vendor escape; the reader's update agent writes the secondary slot of the simulated NOR flash
// (erase and program times from the flash model). Timed until the reader holds the whole image
// and has accepted it (UpdateFinish answered): the reboot into it, the boot stage's swap and
// the check that follows are not in the figure (the simulator's Reader does not run the boot
// stage yet).
import { readFile } from 'node:fs/promises';
import { CommandStatus, PcToRdr } from '../../protocol/ccid-constants.ts';
import { parseHeader } from '../../protocol/image/image.ts';
import { sha256, signImage } from '../../protocol/image/sign.ts';
import { testKey } from '../../protocol/image/testing.ts';
import { flashReader, type FlashProgress } from '../../host/firmware/flash-reader.ts';
import { readerTarget } from '../../host/firmware/reader-target.ts';
import { builtFirmwarePath } from '../../simulator/reader/firmware-image.ts';
import { BenchSim } from '../sim/bench-sim.ts';
import { RawHost } from '../sim/raw-host.ts';

export interface FlashRun {
  imageBytes: number;
  chunks: number;
  /** Virtual ms from the first escape to the answer to UpdateFinish. */
  transferMs: number;
  /** Virtual ms the flash part spent erasing and programming (from its trace notes), if known. */
  phases: { phase: string; atMs: number; sent: number }[];
}

export async function flashOverUsb(): Promise<FlashRun> {
  const payload = new Uint8Array(await readFile(builtFirmwarePath('release')));
  const image = signImage(
    { payload, version: { major: 9, minor: 0, revision: 0, build: 0 }, securityCounter: 1 },
    testKey().privateKey,
  );
  const bench = await BenchSim.create({ seed: 1 });
  const { sim } = bench;
  const running = sim.run();
  const host = await RawHost.open(sim);
  const stop = new AbortController();
  const phases: FlashRun['phases'] = [];
  let chunks = 0;
  try {
    await host.native();
    const t0 = sim.clock.now();
    let finishedAt: number | undefined;
    const target = readerTarget({
      path: 'bench:sim',
      escapeRaw: async (abData) => {
        if (abData[2] === 0x21) chunks++;
        const m = await host.command({ type: PcToRdr.Escape, slot: 0, data: abData });
        if ('commandStatus' in m && m.commandStatus === CommandStatus.Failed)
          throw new Error(`the reader answered Failed to escape ${abData[2]}`);
        return 'data' in m ? (m.data as Uint8Array) : new Uint8Array();
      },
      whenAttached: async () => {},
    });
    const onProgress = (p: FlashProgress) => {
      const atMs = (sim.clock.now() - t0) / 1e6;
      if (phases.at(-1)?.phase !== p.phase) phases.push({ phase: p.phase, atMs, sent: p.sent });
      if (p.phase === 'rebooting' && finishedAt === undefined) {
        finishedAt = sim.clock.now();
        stop.abort(new Error('measured: the image is in the reader'));
      }
    };
    const report = await flashReader(
      target,
      { bytes: image, header: parseHeader(image), sha256: sha256(image) },
      { clock: sim.clientClock, onProgress, signal: stop.signal },
    );
    if (finishedAt === undefined)
      throw new FlashNotDone(
        `the flashing tool stopped before the image was in: ${report.error?.message}`,
        noAgent(report.error?.message),
      );
    return { imageBytes: image.length, chunks, transferMs: (finishedAt - t0) / 1e6, phases };
  } finally {
    await host.close();
    await sim.stop();
    await running;
  }
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

function noAgent(message: string | undefined): boolean {
  return message !== undefined && /no update agent/.test(message);
}
