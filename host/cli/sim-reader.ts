// The embedded simulated reader for `--sim`: the real firmware.wasm with virtual cards, in this
// process (the CLI is a composition root and may wire the simulator in). One-shot commands run it
// in fast mode (virtual time jumps from event to event); `watch` follows the wall clock.
import { createCard } from '../../simulator/cards.ts';
import { Simulation } from '../../simulator/simulation.ts';
import type { Clock } from '../clock.ts';
import { streamTransport } from '../transport/stream-transport.ts';
import type { Transport } from '../transport/transport.ts';
import { UsageError } from './io.ts';

export interface SimOptions {
  /** Card spec for the user slot (simulator/cards.ts), e.g. ssc3:li-na; none = empty slot. */
  card?: string;
  /** SAM specs for slots 1 and 2. */
  sams: readonly string[];
  seed: number;
  realtime: boolean;
}

export interface SimReader {
  readonly transport: Transport;
  readonly clock: Clock;
  stop(): Promise<void>;
}

export async function startSimReader(options: SimOptions): Promise<SimReader> {
  if (options.sams.length > 2) throw new UsageError('at most two --sam (slots 1 and 2)');
  const sim = await Simulation.create({
    seed: options.seed,
    trace: false,
    mode: options.realtime ? 'realtime' : 'fast',
  });
  try {
    if (options.card) sim.insertCard(0, createCard(options.card, { prng: sim.prng }));
    options.sams.forEach((spec, i) => sim.insertCard(1 + i, createCard(spec, { prng: sim.prng })));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const running = sim.run();
  return {
    transport: streamTransport('sim:embedded', () => sim.hostStream()),
    clock: sim.clientClock,
    async stop() {
      await sim.stop();
      await running.catch(() => {});
    },
  };
}
