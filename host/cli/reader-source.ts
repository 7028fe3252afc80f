// Where a CLI command gets its reader: `--port <path>` (a serial reader), `--sim` (the embedded
// simulated reader), or, with neither, whatever discovery finds on the serial ports.
import type { Clock } from '../clock.ts';
import { realClock } from '../clock.ts';
import type { TraceEntry } from '../ccid/frame-channel.ts';
import type { Reader } from '../reader/reader.ts';
import { Readers } from '../reader/readers.ts';
import { startSimReader, type SimReader } from './sim-reader.ts';
import { UsageError, type CliIo } from './io.ts';
import { formatTrace } from './trace.ts';

export interface SourceOptions {
  port?: string;
  sim?: boolean;
  card?: string;
  sam: string[];
  seed: number;
  realtime?: boolean;
  trace?: boolean;
  /** How long to wait for a reader, ms. */
  wait: number;
}

export interface ReaderSource {
  readonly readers: Readers;
  readonly clock: Clock;
  /** The first attached reader; throws NoReader when none comes within `wait`. */
  reader(): Promise<Reader>;
  close(): Promise<void>;
}

export class NoReaderError extends Error {
  override readonly name = 'NoReaderError';
}

export async function openSource(
  o: SourceOptions,
  io: CliIo,
  realtime: boolean,
): Promise<ReaderSource> {
  if (o.port && o.sim) throw new UsageError('--port and --sim exclude each other');
  if (!o.sim && (o.card || o.sam.length > 0)) {
    throw new UsageError('--card and --sam describe the simulated reader: add --sim');
  }
  let sim: SimReader | undefined;
  if (o.sim) {
    // A kiosk reader has its PSAM installed: the simulated one too, unless told `--sam none`.
    const sams = o.sam.length === 0 ? ['psam'] : o.sam.filter((s) => s !== 'none');
    sim = await startSimReader({
      card: o.card ?? 'ssc3',
      sams,
      seed: o.seed,
      realtime: realtime || o.realtime === true,
    });
  }
  const clock = sim?.clock ?? realClock;
  const trace = o.trace ? (e: TraceEntry) => io.stderr(`${formatTrace(e)}\n`) : undefined;
  const readers = new Readers({
    clock,
    ports: o.port ? [o.port] : [],
    transports: sim ? [sim.transport] : [],
    discover: !o.port && !sim,
    reader: { trace },
  });
  readers.on('warning', (t) => io.stderr(`warning: ${t}\n`));
  await readers.start();
  return {
    readers,
    clock,
    async reader() {
      try {
        return await readers.waitForReader({ timeoutMs: o.wait });
      } catch {
        const last = readers.all()[0]?.lastError;
        throw new NoReaderError(
          last
            ? `no reader: ${last.message}`
            : o.port || o.sim
              ? 'no reader answered'
              : 'no reader found (no serial port with USB ID 1209:0001; use --port <path> or --sim)',
        );
      }
    },
    async close() {
      await readers.close();
      await sim?.stop();
    },
  };
}
