// Section 2, the kiosk transaction against the floor (ARCHITECTURE.md §6 steps 2–3), in virtual
// time: our stack on both cards, the floor of the same characters, and the naive reader running
// the real trace's command sequence.
import { atMost, figure, skipped, type Figure, type SectionResult } from '../report/figure.ts';
import { transactionFloor, type TransactionFloor } from './floor.ts';
import { BENCH_CARDS, isMissingModule, naiveRun, ourRun } from './runs.ts';
import { slotFloorInput, type TransactionRun } from './transaction-run.ts';

export const MAX_FLOOR_RATIO = 1.15;
const TITLE = '2. Kiosk transaction against the floor';
const USER_SLOT = 0;
const SAM_SLOT = 1;
const PSAM_SPEC = 'psam';

const ms = (ns: number) => ns / 1e6;

export function floorOf(run: TransactionRun): TransactionFloor {
  return transactionFloor(
    [
      slotFloorInput(run, USER_SLOT, run.card, true),
      // The PSAM was powered before the transaction: no activation in it.
      slotFloorInput(run, SAM_SLOT, PSAM_SPEC, false),
    ],
    run.hostRoundTripNs,
  );
}

/** The first line event of `slot` matching `re`, e.g. the class and clock the card ran at. */
function lastEvent(run: TransactionRun, slot: number, re: RegExp): string | undefined {
  return run.lineEvents.filter((e) => e.slot === slot && re.test(e.what)).at(-1)?.what;
}

function describe(run: TransactionRun, floor: TransactionFloor): string[] {
  const user = floor.slots[0];
  const psam = floor.slots[1];
  const count = (re: RegExp) => run.lineEvents.filter((e) => re.test(e.what)).length;
  const classes = run.lineEvents
    .filter((e) => e.slot === USER_SLOT && /^VCC on/.test(e.what))
    .map((e) => e.what.replace('VCC on, ', ''));
  return [
    `${run.card}: ${ms(run.timeNs).toFixed(1)} ms = activation ${ms(run.activationNs).toFixed(1)} ms ` +
      `(insertion → ATR${user.ppsNs > 0 ? ', PPS' : ''}; floor ${ms(user.activationNs + user.atrNs + user.ppsNs).toFixed(1)} ms) ` +
      `+ iReadCardBas ${ms(run.timeNs - run.activationNs).toFixed(1)} ms.`,
    `  user card: tried ${classes.join(' → ')}; ran at ${lastEvent(run, USER_SLOT, /^CLK/) ?? '?'}, ` +
      `${lastEvent(run, USER_SLOT, /^UART/) ?? 'F=372 D=1'}; floor assumes ${user.clockHz / 1e6} MHz, ` +
      `F=${user.f} D=${user.d}, ${(user.characterNs / 1000).toFixed(1)} µs a character.`,
    `  floor ${ms(floor.totalNs).toFixed(1)} ms = user card line ${ms(user.atrNs + user.ppsNs + user.lineNs).toFixed(1)} + ` +
      `activation ${ms(user.activationNs).toFixed(1)} + processing ${ms(user.processingNs).toFixed(1)}; ` +
      `PSAM line ${ms(psam.lineNs).toFixed(1)} + processing ${ms(psam.processingNs).toFixed(1)}; ` +
      `host round trip ${ms(floor.hostRoundTripNs).toFixed(1)} (the slots added one after the other).`,
    `  line anomalies ${count(/read/)}, waiting-time expiries ${count(/waiting time expired/)}; ` +
      `APDUs: card ${run.tpdus.card.length}, PSAM ${run.tpdus.psam.length}.`,
  ];
}

export async function transactionSection(): Promise<SectionResult> {
  const figures: Figure[] = [];
  const notes: string[] = [];
  const details: Record<string, unknown> = {};
  for (const { spec, name } of BENCH_CARDS) {
    let run: TransactionRun;
    try {
      run = await ourRun(spec);
    } catch (e) {
      if (!isMissingModule(e)) throw e;
      return skipped(
        'transaction',
        TITLE,
        `the driver's reader layer is not there yet (${(e as Error).message.split('\n')[0]})`,
      );
    }
    if (run.code !== 0) throw new Error(`iReadCardBas on ${spec} answered ${run.code}`);
    const floor = floorOf(run);
    const characters = run.characters.length;
    figures.push(
      figure(
        `transaction.${spec}.apdus`,
        `${name}: APDUs from the host (user card + PSAM)`,
        run.tpdus.card.length + run.tpdus.psam.length,
        '',
      ),
      figure(
        `transaction.${spec}.card-commands`,
        `${name}: commands the cards processed (GET RESPONSE included)`,
        run.commands.length,
        '',
      ),
      figure(
        `transaction.${spec}.characters`,
        `${name}: card-line bytes (both slots)`,
        characters,
        'B',
      ),
      figure(
        `transaction.${spec}.time`,
        `${name}: insertion → iReadCardBas result`,
        ms(run.timeNs),
        'ms',
        { digits: 1 },
      ),
      figure(`transaction.${spec}.floor`, `${name}: floor`, ms(floor.totalNs), 'ms', { digits: 1 }),
      figure(
        `transaction.${spec}.ratio`,
        `${name}: time / floor`,
        run.timeNs / floor.totalNs,
        '×',
        {
          digits: 3,
          target: atMost(MAX_FLOOR_RATIO),
        },
      ),
    );
    notes.push(...describe(run, floor));
    details[spec] = {
      ours: summary(run),
      floor,
    };
    {
      const naive = await naiveRun(spec);
      figures.push(
        figure(
          `transaction.${spec}.naive.card-commands`,
          `${name}: naive reader, commands the cards processed`,
          naive.commands.length,
          '',
        ),
        figure(
          `transaction.${spec}.naive.time`,
          `${name}: naive reader, §1.9 sequence`,
          ms(naive.timeNs),
          'ms',
          {
            digits: 1,
          },
        ),
        figure(
          `transaction.${spec}.naive.speedup`,
          `${name}: naive time / our time`,
          naive.timeNs / run.timeNs,
          '×',
          {
            digits: 2,
          },
        ),
      );
      notes.push(
        `  naive reader (compat TPDUs, no PPS, 3.5712 MHz, PSAM one step after the other): ` +
          `${naive.tpdus.card.length} card TPDUs, ` +
          `${naive.tpdus.psam.length} PSAM TPDUs, ${naive.characters.length} card-line bytes, ` +
          `activation ${ms(naive.activationNs).toFixed(1)} ms.`,
      );
      details[`${spec}.naive`] = summary(naive);
    }
  }
  notes.push(
    'Virtual time, deterministic (seed 1). Floor: the same card-line characters at the best rate the card allows ' +
      "(ATR and PPS at 372/1, then TA1; 5 MHz class A), plus the cards' processing time (profile), plus one host " +
      'round trip (a DeviceInfo escape on the same USB link). bench/transaction/floor.ts.',
  );
  return {
    id: 'transaction',
    title: '2. Kiosk transaction against the floor',
    figures,
    notes,
    details,
  };
}

function summary(run: TransactionRun) {
  return {
    timeNs: run.timeNs,
    activationNs: run.activationNs,
    hostRoundTripNs: run.hostRoundTripNs,
    characters: run.characters.length,
    apdus: run.tpdus,
    cardCommands: run.commands.map(
      (c) =>
        `${c.slot}:${c.ins.toString(16).toUpperCase().padStart(2, '0')}:${c.processingNs / 1000}us`,
    ),
    lineEvents: run.lineEvents.map((e) => `${(e.timeNs / 1e6).toFixed(3)} slot${e.slot} ${e.what}`),
    ...(run.code !== undefined ? { code: run.code } : {}),
    ...(run.instructions !== undefined ? { instructions: run.instructions } : {}),
  };
}
