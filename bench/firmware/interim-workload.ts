// The firmware's instruction count on a fixed host-side workload, for as long as the reference
// transaction cannot run through the driver: in the simulator, native-profile HELLOs, then the
// user-card commands of the real trace (kiosk-cards.md §1.9) as XfrBlock APDUs to a virtual card,
// sent by a bare CCID host (bench/sim/raw-host.ts). The authentication commands carry the
// trace's bytes, so the card refuses them and EF06 stays locked: the exchange is realistic on the
// line, the data is not.
import { fromHex } from '../../protocol/bytes.ts';
import { BenchSim } from '../sim/bench-sim.ts';
import { RawHost } from '../sim/raw-host.ts';
import { TRACE_1_9, type TraceStep } from '../transaction/trace-commands.ts';

const HELLOS = 20;

/** The trace's own bytes for the steps that need an HSM. */
function traceApdu(step: TraceStep): string {
  switch (step.kind) {
    case 'apdu':
      return step.hex;
    case 'challenge':
      return '0084000008';
    case 'internal-authenticate':
      return '008800001032D9E876ADB31BBFDBF7A936D0D18C9E';
    case 'external-authenticate':
      return '0082000A10774A08EDF447A1DEE603E2CAADAF02B6';
  }
}

export interface WorkloadCount {
  card: string;
  hellos: number;
  instructionsPerHello: number;
  apdus: number;
  instructionsPerApdu: number;
  /** Card-line characters (both directions, repetitions included) during the APDU phase. */
  characters: number;
  instructionsPerCharacter: number;
  /** Instructions per firmware event handler during the APDU phase. */
  byExport: Record<string, number>;
}

export async function interimWorkload(spec: string): Promise<WorkloadCount> {
  const bench = await BenchSim.create({ seed: 1, countInstructions: true });
  bench.insert(0, spec);
  const running = bench.sim.run();
  const host = await RawHost.open(bench.sim);
  try {
    await host.native();
    const h0 = bench.instructions();
    for (let i = 0; i < HELLOS; i++) await host.vendor({ command: 1 });
    const perHello = Number(bench.instructions() - h0) / HELLOS;
    await host.powerOn(0);
    const before = new Map(bench.instructionsByExport);
    const i0 = bench.instructions();
    const t0 = bench.sim.clock.now();
    for (const step of TRACE_1_9) await host.xfr(0, fromHex(traceApdu(step)));
    const instructions = Number(bench.instructions() - i0);
    const characters = bench.charactersSince(t0).length;
    const byExport: Record<string, number> = {};
    for (const [name, n] of bench.instructionsByExport) {
      const d = Number(n - (before.get(name) ?? 0n));
      if (d > 0) byExport[name] = d;
    }
    return {
      card: spec,
      hellos: HELLOS,
      instructionsPerHello: perHello,
      apdus: TRACE_1_9.length,
      instructionsPerApdu: instructions / TRACE_1_9.length,
      characters,
      instructionsPerCharacter: instructions / characters,
      byExport,
    };
  } finally {
    await host.close();
    await bench.sim.stop();
    await running;
  }
}
