// Section 1, firmware: the release .wasm's size, its linear memory, and the WebAssembly
// instructions it executes per card-line character (bench/wasm/instrument.ts counts them).
import { readFile } from 'node:fs/promises';
import { builtFirmwarePath } from '../../simulator/reader/firmware-image.ts';
import { atMost, figure, type Figure, type SectionResult } from '../report/figure.ts';
import { memoryLimits } from '../wasm/binary.ts';
import { definedFunctionNames } from '../wasm/wat-names.ts';
import { interimWorkload } from './interim-workload.ts';
import { BENCH_CARDS, isMissingModule, ourRun } from '../transaction/runs.ts';
import type { TransactionRun } from '../transaction/transaction-run.ts';

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
  for (const { spec, name } of BENCH_CARDS) {
    let run: TransactionRun | undefined;
    let why = '';
    try {
      run = await ourRun(spec);
    } catch (e) {
      if (!isMissingModule(e)) throw e;
      why = (e as Error).message.split('\n')[0];
    }
    if (run?.instructions !== undefined) {
      const perCharacter = run.instructions / run.characters.length;
      figures.push(
        figure(
          `firmware.instructions-per-character.${spec}`,
          `instructions per card-line character, ${name} transaction`,
          perCharacter,
          'instr/char',
          { digits: 1, target: atMost(MAX_INSTRUCTIONS_PER_CHARACTER) },
        ),
        figure(
          `firmware.instructions.${spec}`,
          `instructions per transaction, ${name}`,
          run.instructions,
          'instr',
        ),
      );
      const profile = await functionProfile(run.functionInstructions ?? [], run.instructions);
      details[`transaction.${spec}`] = {
        instructions: run.instructions,
        characters: run.characters.length,
        functions: profile,
      };
      notes.push(
        `${spec}: ${run.instructions} instructions over ${run.characters.length} characters; most in ` +
          profile
            .slice(0, 6)
            .map((f) => `${f.name} ${f.percent.toFixed(0)} %`)
            .join(', '),
      );
      continue;
    }
    const w = await interimWorkload(spec);
    details[`workload.${spec}`] = w;
    figures.push(
      figure(
        `firmware.instructions-per-character.${spec}`,
        `instructions per card-line character, ${name}, interim workload`,
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
      figure(
        `firmware.instructions-per-hello.${spec}`,
        'instructions per native HELLO',
        w.instructionsPerHello,
        'instr',
      ),
    );
    notes.push(
      `${spec}: the transaction did not run (${why}); interim workload instead: native HELLOs, then the user-card ` +
        'commands of kiosk-cards.md §1.9 as XfrBlock APDUs from a bare CCID host (bench/sim/raw-host.ts).',
    );
  }
  notes.push(
    'Per character: every instruction the firmware executed from the insertion to the result, over every card-line ' +
      'character of both slots in that time. Counted: every instruction of the release binary except ' +
      'block/loop/else/end, by an instrumented copy (bench/wasm/instrument.ts); deterministic.',
  );
  return { id: 'firmware', title: '1. Firmware', figures, notes, details };
}

/** The functions that executed the most, with their share (names from firmware.wat). */
async function functionProfile(
  counts: readonly number[],
  total: number,
): Promise<{ name: string; instructions: number; percent: number }[]> {
  const names = await definedFunctionNames(builtFirmwarePath('release').replace(/\.wasm$/, '.wat'));
  const named = names && names.length === counts.length ? names : undefined;
  return counts
    .map((n, i) => ({
      name: named ? named[i].replace(/^firmware\/src\//, '') : `function ${i}`,
      instructions: n,
      percent: (100 * n) / total,
    }))
    .filter((f) => f.instructions > 0)
    .sort((a, b) => b.instructions - a.instructions)
    .slice(0, 20);
}
