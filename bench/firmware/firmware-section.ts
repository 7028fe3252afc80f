// Section 1, firmware: the release .wasm's size, its linear memory, and the WebAssembly
// instructions it executes per card-line character (bench/wasm/instrument.ts counts them).
import { readFile } from 'node:fs/promises';
import { builtFirmwarePath } from '../../simulator/reader/firmware-image.ts';
import { atMost, figure, type Figure, type SectionResult } from '../report/figure.ts';
import { memoryLimits } from '../wasm/binary.ts';
import { interimWorkload } from './interim-workload.ts';

export const FIRMWARE_MAX_BYTES = 64 * 1024;
export const FIRMWARE_MAX_PAGES = 2;
export const MAX_INSTRUCTIONS_PER_CHARACTER = 150;

export async function firmwareSection(): Promise<SectionResult> {
  const path = builtFirmwarePath('release');
  const bytes = new Uint8Array(await readFile(path));
  const limits = memoryLimits(bytes);
  const figures: Figure[] = [
    figure('firmware.size', 'release firmware.wasm', bytes.length / 1024, 'KiB', {
      digits: 1,
      target: atMost(FIRMWARE_MAX_BYTES / 1024),
      note: `${bytes.length} bytes`,
    }),
    figure(
      'firmware.pages',
      'linear memory (maximum, 64 KiB pages)',
      limits ? (limits.maximum ?? Infinity) : 0,
      'pages',
      {
        target: atMost(FIRMWARE_MAX_PAGES),
        note: limits
          ? `initial ${limits.initial}, maximum ${limits.maximum ?? 'none'}`
          : 'no memory',
      },
    ),
  ];
  const notes: string[] = [];
  const details: Record<string, unknown> = {};
  for (const [spec, name] of [
    ['ssc3', 'T=0'],
    ['ssc3-t1', 'T=1'],
  ] as const) {
    const w = await interimWorkload(spec);
    details[`workload.${spec}`] = w;
    figures.push(
      figure(
        `firmware.instructions-per-character.${spec}`,
        `instructions per card-line character, ${spec} (${name}), interim workload`,
        w.instructionsPerCharacter,
        'instr/char',
        { digits: 1, target: atMost(MAX_INSTRUCTIONS_PER_CHARACTER) },
      ),
      figure(
        `firmware.instructions-per-apdu.${spec}`,
        `instructions per APDU (XfrBlock), ${spec}`,
        w.instructionsPerApdu,
        'instr',
      ),
    );
    if (spec === 'ssc3')
      figures.push(
        figure(
          'firmware.instructions-per-hello',
          'instructions per native HELLO',
          w.instructionsPerHello,
          'instr',
        ),
      );
    const split = Object.entries(w.byExport)
      .sort((a, b) => b[1] - a[1])
      .map(([name, n]) => `${name} ${((100 * n) / (w.instructionsPerApdu * w.apdus)).toFixed(0)} %`)
      .join(', ');
    notes.push(
      `${spec}: ${w.apdus} APDUs, ${w.characters} card-line characters; instructions by event handler: ${split}`,
    );
  }
  notes.push(
    'Interim workload until the reference transaction runs through the driver: native HELLOs, then the ' +
      'user-card commands of kiosk-cards.md §1.9 as XfrBlock APDUs from a bare CCID host (bench/sim/raw-host.ts).',
    'Instructions: every instruction of the release binary except block/loop/else/end, counted by an ' +
      'instrumented copy (bench/wasm/instrument.ts); deterministic.',
  );
  return { id: 'firmware', title: '1. Firmware', figures, notes, details };
}
