// The reference kiosk transaction through our stack (ARCHITECTURE.md §6 steps 2–3): the driver
// (host/reader) on the simulator's in-process USB CDC link, the real firmware, a PSAM powered in
// slot 1 beforehand (the kiosk powers its SAMs at start-up), then the user card goes into slot 0:
// the driver sees the insertion, powers the card (ATR, PPS), and iReadCardBas runs
// (host/cards/ssc, PSAM authentication). Timed from the insertion to the result, in virtual time.
import { SscNationalInterface } from '../../host/cards/ssc/national.ts';
import { Reader, type CardEvent } from '../../host/reader/reader.ts';
import { streamTransport } from '../../host/transport/stream-transport.ts';
import { Prng } from '../../simulator/engine/prng.ts';
import { BenchSim } from '../sim/bench-sim.ts';
import type { TransactionRun } from './transaction-run.ts';

export async function ourTransaction(
  spec: string,
  options: { countInstructions?: boolean; traceWrite?: (line: string) => void } = {},
): Promise<TransactionRun> {
  const bench = await BenchSim.create({
    seed: 1,
    countInstructions: options.countInstructions,
    traceWrite: options.traceWrite,
  });
  const { sim } = bench;
  bench.insert(1, 'psam');
  const running = sim.run();
  const reader = new Reader(
    streamTransport('bench:sim', () => sim.hostStream()),
    { clock: sim.clientClock },
  );
  // The terminal's randoms (internal authentication) from a fixed seed: the run replays.
  const randoms = new Prng(7).fork('terminal');
  try {
    await reader.start();
    if (!reader.attached)
      throw new Error(`the driver did not attach: ${reader.lastError?.message}`);
    const psam = await reader.connect(1);
    const rt0 = sim.clock.now();
    await reader.deviceInfo();
    const hostRoundTripNs = sim.clock.now() - rt0;

    const t0 = sim.clock.now();
    const i0 = options.countInstructions ? bench.instructions() : 0n;
    const f0 = options.countInstructions ? bench.functionInstructions() : [];
    const commands0 = bench.commands.length;
    const inserted = new Promise<void>((resolve) => {
      const onInsert = (e: CardEvent) => {
        if (e.slot !== 0) return;
        reader.off('card-inserted', onInsert);
        resolve();
      };
      reader.on('card-inserted', onInsert);
    });
    bench.insert(0, spec);
    await inserted;
    const card = await reader.connect(0);
    const activationNs = sim.clock.now() - t0;
    const apdus: string[] = [];
    const psamApdus: string[] = [];
    const logged = <T extends { transmit(a: Uint8Array): Promise<Uint8Array> }>(
      s: T,
      log: string[],
    ) => ({
      atr: (s as unknown as { atr: Uint8Array }).atr,
      transmit: (apdu: Uint8Array) => {
        log.push(Buffer.from(apdu).toString('hex').toUpperCase());
        return s.transmit(apdu);
      },
    });
    const national = new SscNationalInterface({
      card: async () => logged(card, apdus),
      psam: async () => logged(psam, psamApdus),
      random: (n) => randoms.bytes(n),
    });
    const reply = await national.iReadCardBas(1);
    const timeNs = sim.clock.now() - t0;
    return {
      card: spec,
      configuration: 'ours',
      timeNs,
      activationNs,
      hostRoundTripNs,
      characters: bench.charactersSince(t0),
      lineEvents: bench.lineEvents.filter((e) => e.timeNs >= t0),
      commands: bench.commands.slice(commands0),
      tpdus: { card: apdus, psam: psamApdus },
      code: reply.code,
      ...(options.countInstructions
        ? {
            instructions: Number(bench.instructions() - i0),
            functionInstructions: bench
              .functionInstructions()
              .map((n, i) => Number((n ?? 0n) - (f0[i] ?? 0n))),
          }
        : {}),
    };
  } finally {
    // Bounded: a close that never settles must not hang the benchmark (virtual time).
    await Promise.race([
      reader.close(),
      new Promise<void>((resolve) => sim.clientClock.setTimeout(resolve, 1000)),
    ]);
    await sim.stop();
    await running;
  }
}
