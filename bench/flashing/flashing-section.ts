// Section 5, flashing: the time to flash a signed image of the release firmware over the
// modelled USB link (bench/flashing/flash-run.ts), in virtual time. No target in issue 9.
import { figure, skipped, type SectionResult } from '../report/figure.ts';
import { FlashNotDone, flashOverUsb } from './flash-run.ts';

const TITLE = '5. Flashing';

export async function flashingSection(): Promise<SectionResult> {
  let run;
  try {
    run = await flashOverUsb();
  } catch (e) {
    if (e instanceof FlashNotDone && e.noUpdateAgent)
      return skipped(
        'flashing',
        TITLE,
        'the release firmware.wasm has no update agent yet (UpdateStatus answers UnknownCommand)',
      );
    throw e;
  }
  const kib = run.imageBytes / 1024;
  return {
    id: 'flashing',
    title: TITLE,
    figures: [
      figure('flashing.image', 'signed image (release firmware.wasm)', kib, 'KiB', { digits: 1 }),
      figure(
        'flashing.transfer',
        'image into the reader over USB (until UpdateFinish)',
        run.transferMs,
        'ms',
        {
          digits: 1,
        },
      ),
      figure('flashing.rate', 'effective transfer rate', kib / (run.transferMs / 1000), 'KiB/s', {
        digits: 1,
      }),
      figure(
        'flashing.total',
        'whole update (reboot, boot-stage swap, self-test, check)',
        run.totalMs,
        'ms',
        {
          digits: 1,
        },
      ),
    ],
    notes: [
      `${run.chunks} UpdateWrite chunks; ${run.result}, running ${run.running}; phases: ` +
        run.phases.map((p) => `${p.phase} at ${p.atMs.toFixed(1)} ms`).join(', ') +
        '.',
      'host/firmware/flash-reader.ts (what `fw flash` runs) to the real firmware under the simulated boot stage, ' +
        'virtual time: USB full-speed CDC link model, NOR flash model (erase 20 ms per 4 KiB sector, 60 µs per 8 bytes).',
    ],
    details: { ...run },
  };
}
