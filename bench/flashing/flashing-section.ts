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
        'flashing.time',
        'flash over USB full speed, until UpdateFinish answers',
        run.transferMs,
        'ms',
        {
          digits: 1,
        },
      ),
      figure('flashing.rate', 'effective rate', kib / (run.transferMs / 1000), 'KiB/s', {
        digits: 1,
      }),
    ],
    notes: [
      `${run.chunks} UpdateWrite chunks; phases: ${run.phases.map((p) => `${p.phase} at ${p.atMs.toFixed(1)} ms`).join(', ')}.`,
      'host/firmware/flash-reader.ts on the simulator in virtual time (USB CDC link and NOR flash models); the reboot, ' +
        "the boot stage's swap and the check after it are not included (the simulator's Reader does not run the boot stage yet).",
    ],
    details: { ...run },
  };
}
