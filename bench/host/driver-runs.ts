// The host-stack measurements through our driver (host/reader): APDU round trips per second with
// the firmware in process, and per-APDU latency over a pseudo-terminal. Loaded by name from
// host-section.ts, so that the benchmark still runs where the driver's reader layer is absent.
import { Reader } from '../../host/reader/reader.ts';
import { serialTransport } from '../../host/transport/serial-transport.ts';
import { streamTransport } from '../../host/transport/stream-transport.ts';
import { realClock } from '../../host/clock.ts';
import { fromHex } from '../../protocol/bytes.ts';
import { BenchSim } from '../sim/bench-sim.ts';
import type { LatencySample } from './pcscd-latency.ts';
import { startSimulator, userCardSetting } from './processes.ts';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex').toUpperCase();

async function firstSession(reader: Reader, slot: number) {
  await reader.start();
  if (!reader.attached) throw new Error(`the driver did not attach: ${reader.lastError?.message}`);
  return reader.connect(slot);
}

export interface Throughput {
  apdus: number;
  wallMs: number;
  perSecond: number;
  /** Share of the wall time spent inside the firmware's event handlers. */
  firmwareShare: number;
  /** Virtual time the same APDUs took on the card line, for reference. */
  virtualMs: number;
}

/**
 * APDU round trips per second through the driver to the firmware in process (the simulator in
 * fast mode: virtual time costs no wall time, so this is the CPU cost of driver, firmware and
 * simulated hardware together), `count` APDUs after `warmup`.
 */
export async function inProcessThroughput(options: {
  card: string;
  apdus: string[];
  count: number;
  warmup: number;
}): Promise<Throughput> {
  const bench = await BenchSim.create({ seed: 1, timeFirmware: true });
  const { sim } = bench;
  bench.insert(0, options.card);
  const running = sim.run();
  const reader = new Reader(
    streamTransport('bench:sim', () => sim.hostStream()),
    { clock: sim.clientClock },
  );
  try {
    const session = await firstSession(reader, 0);
    const apdus = options.apdus.map(fromHex);
    const once = async (i: number) => session.transmit(apdus[i % apdus.length]);
    for (let i = 0; i < options.warmup; i++) await once(i);
    const fw0 = bench.firmwareWallMs;
    const v0 = sim.clock.now();
    const t0 = performance.now();
    for (let i = 0; i < options.count; i++) await once(i);
    const wallMs = performance.now() - t0;
    return {
      apdus: options.count,
      wallMs,
      perSecond: (options.count / wallMs) * 1000,
      firmwareShare: (bench.firmwareWallMs - fw0) / wallMs,
      virtualMs: (sim.clock.now() - v0) / 1e6,
    };
  } finally {
    await Promise.race([
      reader.close(),
      new Promise<void>((r) => sim.clientClock.setTimeout(r, 1000)),
    ]);
    await sim.stop();
    await running;
  }
}

/**
 * Per-APDU latency through our driver over a pseudo-terminal to the simulator CLI in real time,
 * the same way bench/host/pcscd-latency.ts measures pcscd: setup APDUs once, then each measured
 * APDU `repetitions` times round robin after one warm-up round.
 */
export async function driverPtyLatency(options: {
  card: string;
  setup: string[];
  apdus: string[];
  repetitions: number;
}): Promise<LatencySample> {
  const dir = await mkdtemp(join(tmpdir(), 'kiosk-bench-driver-'));
  const tty = join(dir, 'tty');
  const trace = join(dir, 'trace.txt');
  const sim = await startSimulator({ ptyPath: tty, card: options.card, trace });
  const reader = new Reader(serialTransport(tty), { clock: realClock });
  try {
    const session = await firstSession(reader, 0);
    for (const a of options.setup) await session.transmit(fromHex(a));
    const latencies: Record<string, number[]> = Object.fromEntries(
      options.apdus.map((a) => [a, []]),
    );
    const sw: Record<string, string> = {};
    for (let round = 0; round <= options.repetitions; round++) {
      for (const a of options.apdus) {
        const apdu = fromHex(a);
        const t = performance.now();
        const r = await session.transmit(apdu);
        const elapsed = performance.now() - t;
        sw[a] = hex(r.subarray(r.length - 2));
        if (round > 0) latencies[a].push(elapsed);
      }
    }
    await Promise.race([reader.close(), new Promise((r) => setTimeout(r, 2000))]);
    await sim.stop();
    const cardSetting = userCardSetting(await readFile(trace, 'utf8'));
    return { atr: hex(session.atr), latencies, sw, cardSetting };
  } finally {
    await Promise.race([reader.close(), new Promise((r) => setTimeout(r, 2000))]);
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
