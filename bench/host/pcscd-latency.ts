// Per-APDU latency through Debian's stock stack: pyscard → pcscd → libccid's serial driver
// (GemPCTwin) → a pseudo-terminal → the simulated reader (compat profile) and card, in real time.
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  userCardSetting,
  LIBCCIDTWIN,
  ROOT,
  SYSTEM_PYTHON,
  startPcscd,
  startSimulator,
  type Child,
} from './processes.ts';

const run = promisify(execFile);
const READER_NAME = 'kiosk-reader bench';

export interface LatencySample {
  atr: string;
  /** APDU hex → latency of each repetition, ms (wall clock). */
  latencies: Record<string, number[]>;
  /** APDU hex → the status word of its last answer. */
  sw: Record<string, string>;
  /** The user card's class, clock and character frame in the simulator's trace. */
  cardSetting?: string;
}

export async function pcscdLatency(options: {
  card: string;
  setup: string[];
  apdus: string[];
  repetitions: number;
}): Promise<LatencySample> {
  const dir = await mkdtemp(join(tmpdir(), 'kiosk-bench-pcscd-'));
  const started: Child[] = [];
  try {
    const tty = join(dir, 'tty');
    const trace = join(dir, 'trace.txt');
    started.push(await startSimulator({ ptyPath: tty, card: options.card, trace }));
    const conf = join(dir, 'reader.conf.d');
    const runDir = join(dir, 'run');
    await mkdir(conf);
    await mkdir(runDir);
    await writeFile(
      join(conf, 'bench'),
      `FRIENDLYNAME "${READER_NAME}"\nDEVICENAME ${tty}:GemPCTwin\nLIBPATH ${LIBCCIDTWIN}\n`,
    );
    started.push(await startPcscd(conf, runDir));
    const { stdout } = await run(
      SYSTEM_PYTHON,
      [
        join(ROOT, 'bench/host/pcsc_latency.py'),
        READER_NAME,
        String(options.repetitions),
        options.setup.join(','),
        ...options.apdus,
      ],
      {
        env: { ...process.env, PCSCLITE_CSOCK_NAME: join(runDir, 'pcscd.comm') },
        timeout: 120_000,
      },
    );
    const sample = JSON.parse(stdout) as LatencySample;
    for (const c of started.reverse()) await c.stop();
    started.length = 0;
    return { ...sample, cardSetting: userCardSetting(await readFile(trace, 'utf8')) };
  } finally {
    for (const c of started.reverse()) await c.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
