// A Simulation set up for measuring: the firmware can be the instrumented copy (bench/wasm), the
// card line's characters are counted per slot and direction, and each card's own processing time
// per command is recorded. Everything is virtual time; nothing here reads the wall clock.
import { readFile } from 'node:fs/promises';
import type { ApduProcessor, CardContacts } from '../../simulator/card/contract.ts';
import { localProcessingNs, processApdu } from '../../simulator/card/processing.ts';
import { checkTransportProfile } from '../../simulator/card/transport-profile.ts';
import { VirtualCard } from '../../simulator/card/virtual-card.ts';
import type { WireDriver } from '../../simulator/line/io-wire.ts';
import type { CharacterInfo } from '../../simulator/line/line-trace.ts';
import { resolveCardSpec } from '../../simulator/profiles/index.ts';
import { builtFirmwarePath, FirmwareImage } from '../../simulator/reader/firmware-image.ts';
import type { FirmwareExports, HalImports } from '../../firmware/hal.ts';
import { Simulation, type SimulationOptions } from '../../simulator/simulation.ts';
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
export interface CardCommand {
  slot: number;
  ins: number;
  processingNs: number;
}

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
  readonly commands: CardCommand[] = [];
  /** Line events (power, clock, reset, UART settings, timeouts) and receive anomalies. */
  readonly lineEvents: { slot: number; timeNs: number; what: string }[] = [];
  private constructor(
    readonly sim: Simulation,
    private readonly counting: boolean,
    private readonly instances: object[],
    /** Instructions per event handler (export name), over every boot. */
    readonly instructionsByExport: ReadonlyMap<string, bigint>,
    private readonly wall: { ms: number },
  ) {}

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
      trace: write ? { keep: false, write } : { keep: false },
    });
    const bench = new BenchSim(sim, counting, instances, byExport, wall);
    const trace = sim.trace!;
    const character = trace.character.bind(trace);
    trace.character = (slot, timeNs, from, byte, info: CharacterInfo) => {
      bench.characters.push({ slot, timeNs, from, byte, attempt: info.attempt });
      character(slot, timeNs, from, byte, info);
    };
    const event = trace.event.bind(trace);
    trace.event = (slot, timeNs, what, restart) => {
      bench.lineEvents.push({ slot, timeNs, what });
      event(slot, timeNs, what, restart);
    };
    const anomaly = trace.anomaly.bind(trace);
    trace.anomaly = (slot, timeNs, to, byte, what) => {
      bench.lineEvents.push({ slot, timeNs, what: `${to} read ${what}` });
      anomaly(slot, timeNs, to, byte, what);
    };
    return bench;
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

  /**
   * A card of `spec` (as simulator/cards.ts makes it, from the run's seed) whose commands are
   * recorded with the processing time the card side takes for them (simulator/card/processing.ts
   * decides it). A GET RESPONSE that the T=0 card side answers itself from a pending 61xx reply
   * never reaches the operating system: it is recorded after each 61xx answer, with the time the
   * card side takes for it.
   */
  card(slot: number, spec: string): CardContacts {
    const rng = this.sim.prng.fork(`card:${spec}`);
    const resolved = resolveCardSpec(spec, { random: () => rng.next() });
    const transport = checkTransportProfile(resolved.transport);
    const os = resolved.os;
    const commands = this.commands;
    const t0 = transport.atr.defaultProtocol === 0;
    const recording: ApduProcessor = {
      reset: () => os.reset(),
      t0CommandHasData: (cla, ins, p1, p2) => os.t0CommandHasData(cla, ins, p1, p2),
      process: (command) => {
        const result = os.process(command);
        const replay: ApduProcessor = { ...recording, process: () => result };
        const { processingNs, data } = processApdu(replay, transport, command);
        commands.push({ slot, ins: command[1] ?? -1, processingNs });
        // T=0 cases 3 and 4 (the command came with data): response data goes back through
        // 61xx and a GET RESPONSE that the card side answers (simulator/card/t0-response.ts).
        if (t0 && command.length > 5 && data.length > 0)
          commands.push({ slot, ins: 0xc0, processingNs: localProcessingNs(transport, 0xc0) });
        return result;
      },
    };
    return new VirtualCard(resolved.transport, recording);
  }

  insert(slot: number, spec: string): void {
    this.sim.insertCard(slot, this.card(slot, spec));
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
