// A Simulation set up for measuring: the firmware can be the instrumented copy (bench/wasm); the
// card lines' characters and events come from the simulator's line observers, and each command's
// card processing time from its command log (Simulation.observeLines, Simulation.cardCommands).
// Everything is virtual time; nothing here reads the wall clock.
import { readFile } from 'node:fs/promises';
import type { WireDriver } from '../../simulator/line/io-wire.ts';
import { builtFirmwarePath, FirmwareImage } from '../../simulator/reader/firmware-image.ts';
import type { FirmwareExports, HalImports } from '../../firmware/hal.ts';
import {
  Simulation,
  type CardCommandRecord,
  type SimulationOptions,
} from '../../simulator/simulation.ts';
import { functionCountsOf, instructionsOf, instrument } from '../wasm/instrument.ts';

/** One character on a card line, as the trace saw its leading edge. */
export interface LineCharacter {
  slot: number;
  timeNs: number;
  from: WireDriver;
  byte: number;
  /** 0 for the first transmission, 1..3 for repetitions. */
  attempt: number;
}

/** One command the card's operating system (or its card side, GET RESPONSE) processed. */
export type CardCommand = CardCommandRecord;

export interface BenchSimOptions extends Omit<SimulationOptions, 'firmware' | 'trace'> {
  /** Count executed WebAssembly instructions (an instrumented copy of firmware.wasm). */
  countInstructions?: boolean;
  /** Changes what the firmware's HAL imports do (e.g. a naive reader's card clock). */
  wrapHal?: (hal: HalImports, sim: () => Simulation | undefined) => HalImports;
  /** Measure the wall-clock time spent inside the firmware's exports (firmwareWallMs). */
  timeFirmware?: boolean;
  /** Receives every trace line (simulator/trace), e.g. to write it to a file. */
  traceWrite?: (line: string) => void;
}

export class BenchSim {
  readonly characters: LineCharacter[] = [];
  /** Line events (power, clock, reset, UART settings, timeouts) and receive anomalies. */
  readonly lineEvents: { slot: number; timeNs: number; what: string }[] = [];
  private constructor(
    readonly sim: Simulation,
    private readonly counting: boolean,
    private readonly instances: object[],
    /** Instructions per event handler (export name), over every boot. */
    readonly instructionsByExport: ReadonlyMap<string, bigint>,
    private readonly wall: { ms: number },
  ) {
    sim.observeLines({
      character: (slot, timeNs, from, byte, info) =>
        this.characters.push({ slot, timeNs, from, byte, attempt: info.attempt }),
      event: (slot, timeNs, what) => this.lineEvents.push({ slot, timeNs, what }),
      anomaly: (slot, timeNs, to, _byte, what) =>
        this.lineEvents.push({ slot, timeNs, what: `${to} read ${what}` }),
    });
  }

  /** Commands the cards processed so far, with their processing times (the simulator's log). */
  get commands(): readonly CardCommand[] {
    return this.sim.cardCommands;
  }

  /** Wall-clock ms spent inside the firmware's exports so far (with `timeFirmware`). */
  get firmwareWallMs(): number {
    return this.wall.ms;
  }

  static async create(options: BenchSimOptions = {}): Promise<BenchSim> {
    const bytes = new Uint8Array(await readFile(builtFirmwarePath('release')));
    const counting = options.countInstructions ?? false;
    const image = await FirmwareImage.fromBytes(
      counting ? instrument(bytes, { perFunction: true }) : bytes,
      counting ? 'firmware.wasm (instrumented)' : 'firmware.wasm',
    );
    // Every boot makes a fresh instance (the first one inside Simulation.create); their
    // counters add up.
    const instances: object[] = [];
    let sim: Simulation | undefined;
    const instantiate = image.instantiate.bind(image);
    const byExport = new Map<string, bigint>();
    const wall = { ms: 0 };
    image.instantiate = (hal: HalImports) => {
      const exports = instantiate(options.wrapHal ? options.wrapHal(hal, () => sim) : hal);
      instances.push(exports);
      const counted = counting ? attributed(exports, byExport) : exports;
      return options.timeFirmware ? timed(counted, wall) : counted;
    };
    const write = options.traceWrite;
    sim = await Simulation.create({
      ...options,
      firmware: image,
      trace: write ? { keep: false, write } : false,
    });
    return new BenchSim(sim, counting, instances, byExport, wall);
  }

  /** Instructions the firmware executed so far, over every boot. */
  instructions(): bigint {
    if (!this.counting) throw new Error('this BenchSim does not count instructions');
    return this.instances.reduce<bigint>((sum, x) => sum + instructionsOf(x), 0n);
  }

  /** Instructions per defined function (index among the defined functions), over every boot. */
  functionInstructions(): bigint[] {
    if (!this.counting) throw new Error('this BenchSim does not count instructions');
    const total: bigint[] = [];
    for (const x of this.instances)
      functionCountsOf(x).forEach((n, i) => (total[i] = (total[i] ?? 0n) + (n ?? 0n)));
    return total;
  }

  /** The card of `spec` into `slot`, its commands logged (Simulation.insertCard by spec). */
  insert(slot: number, spec: string): void {
    this.sim.insertCard(slot, spec);
  }

  /** Characters on the card lines from `fromNs` on (first transmissions and repetitions). */
  charactersSince(fromNs: number): LineCharacter[] {
    return this.characters.filter((c) => c.timeNs >= fromNs);
  }
}

/** The exports, each function wrapped to add the instructions it executes to `into[name]`. */
function attributed(exports: FirmwareExports, into: Map<string, bigint>): FirmwareExports {
  const wrapped: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(exports)) {
    if (typeof value !== 'function') {
      wrapped[name] = value;
      continue;
    }
    const fn = value as (...args: number[]) => unknown;
    wrapped[name] = (...args: number[]) => {
      const before = instructionsOf(exports);
      try {
        return fn(...args);
      } finally {
        into.set(name, (into.get(name) ?? 0n) + instructionsOf(exports) - before);
      }
    };
  }
  return wrapped as unknown as FirmwareExports;
}

/** The exports, each function wrapped to add its wall-clock time to `into.ms`. */
function timed(exports: FirmwareExports, into: { ms: number }): FirmwareExports {
  const wrapped: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(exports)) {
    if (typeof value !== 'function') {
      wrapped[name] = value;
      continue;
    }
    const fn = value as (...args: number[]) => unknown;
    wrapped[name] = (...args: number[]) => {
      const t = performance.now();
      try {
        return fn(...args);
      } finally {
        into.ms += performance.now() - t;
      }
    };
  }
  return wrapped as unknown as FirmwareExports;
}
