// Section 3, the host stack: APDU round trips per second through the driver with the firmware in
// process, and per-APDU latency over a pseudo-terminal through our driver and through Debian's
// pcscd + libccid, against the same simulated reader, card and APDUs, in the same run.
import { atMost, figure, skipped, type Figure, type SectionResult } from '../report/figure.ts';
import { isMissingModule } from '../transaction/runs.ts';
import { pcscdLatency, type LatencySample } from './pcscd-latency.ts';
import { pcscdMissing, ptyMissing } from './processes.ts';

const TITLE = '3. Host stack';
/** SELECT SSSE first (the EF commands need it); its 61xx answer is left alone by both stacks. */
const SETUP = ['00A404000F7378312E73682EC9E7BBE1B1A3D5CF'];
/** Cases 3, 2 and 2 at T=0: the same TPDUs on the line whichever stack sends them. */
const APDUS = ['00A4020002EF05', '00B2010012', '0084000008'];
const NAMES: Record<string, string> = {
  '00A4020002EF05': 'SELECT EF05',
  '00B2010012': 'READ RECORD',
  '0084000008': 'GET CHALLENGE',
};
const REPETITIONS = 20;
/** T=0: pcscd's PPS and T=1 with the fast card do not work yet (see notes); T=0 needs neither. */
const PTY_CARD = 'ssc3';

interface DriverRuns {
  inProcessThroughput(o: {
    card: string;
    apdus: string[];
    count: number;
    warmup: number;
  }): Promise<{
    apdus: number;
    wallMs: number;
    perSecond: number;
    firmwareShare: number;
    virtualMs: number;
  }>;
  driverPtyLatency(o: {
    card: string;
    setup: string[];
    apdus: string[];
    repetitions: number;
  }): Promise<LatencySample>;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function percentile(values: readonly number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

/** The median of each APDU's latencies, then their geometric mean: one figure per stack. */
export function typicalLatency(sample: LatencySample): number {
  const medians = Object.values(sample.latencies).map(median);
  return Math.exp(medians.reduce((a, m) => a + Math.log(m), 0) / medians.length);
}

function perApdu(label: string, s: LatencySample): string {
  return (
    `${label} (user card ${s.cardSetting ?? 'setting unknown'}): ` +
    Object.entries(s.latencies)
      .map(
        ([a, v]) =>
          `${NAMES[a] ?? a} median ${median(v).toFixed(1)} ms, p90 ${percentile(v, 90).toFixed(1)} (SW ${s.sw[a]})`,
      )
      .join('; ')
  );
}

export async function hostSection(): Promise<SectionResult> {
  let runs: DriverRuns;
  try {
    const module = './driver-runs.ts';
    runs = (await import(module)) as DriverRuns;
  } catch (e) {
    if (!isMissingModule(e)) throw e;
    return skipped(
      'host',
      TITLE,
      `the driver's reader layer is not there yet (${(e as Error).message.split('\n')[0]})`,
    );
  }
  const figures: Figure[] = [];
  const notes: string[] = [];
  const details: Record<string, unknown> = {};

  for (const card of ['ssc3-t1', 'ssc3']) {
    const t = await runs.inProcessThroughput({ card, apdus: APDUS, count: 600, warmup: 60 });
    figures.push(
      figure(
        `host.in-process.${card}.apdus-per-second`,
        `APDU round trips per second in process, ${card}`,
        t.perSecond,
        '/s',
      ),
    );
    notes.push(
      `in process, ${card}: ${t.apdus} APDUs in ${t.wallMs.toFixed(0)} ms wall (${t.virtualMs.toFixed(0)} ms of virtual line time); ` +
        `${(100 * t.firmwareShare).toFixed(1)} % of the wall time inside the firmware, the rest in the driver and the ` +
        'simulated hardware (card line, card, USB link), which this figure includes.',
    );
    details[`in-process.${card}`] = t;
  }

  const noPty = ptyMissing();
  if (noPty) {
    notes.push(`pseudo-terminal latency skipped (ours and pcscd): ${noPty}.`);
    return { id: 'host', title: TITLE, figures, notes, details };
  }
  const ours = await runs.driverPtyLatency({
    card: PTY_CARD,
    setup: SETUP,
    apdus: APDUS,
    repetitions: REPETITIONS,
  });
  const oursTypical = typicalLatency(ours);
  figures.push(
    figure(
      'host.pty.ours.latency',
      `per-APDU latency, our driver over a pty (${PTY_CARD})`,
      oursTypical,
      'ms',
      { digits: 2 },
    ),
  );
  notes.push(perApdu('ours over the pty', ours));
  details.ours = ours;

  const missing = pcscdMissing();
  if (missing) {
    notes.push(`pcscd comparison skipped: ${missing}.`);
  } else {
    const pcscd = await pcscdLatency({
      card: PTY_CARD,
      setup: SETUP,
      apdus: APDUS,
      repetitions: REPETITIONS,
    });
    const pcscdTypical = typicalLatency(pcscd);
    figures.push(
      figure(
        'host.pty.pcscd.latency',
        `per-APDU latency, pcscd + libccid over a pty (${PTY_CARD})`,
        pcscdTypical,
        'ms',
        {
          digits: 2,
        },
      ),
      figure('host.pty.ratio', 'ours / pcscd', oursTypical / pcscdTypical, '×', {
        digits: 3,
        target: atMost(1),
      }),
    );
    notes.push(perApdu('pcscd over the pty', pcscd));
    details.pcscd = pcscd;
  }
  notes.push(
    `Latency: wall clock, the simulator CLI in real time on its own pty for each stack (one after the other), ` +
      `SELECT SSSE once, then ${APDUS.length} APDUs × ${REPETITIONS} round robin after a warm-up round; ` +
      'the figure is the geometric mean of the per-APDU medians. Ours: native profile via serialport; ' +
      'pcscd: pyscard → pcscd 1.9 → libccid GemPCTwin, compat profile, pcscd in a private mount namespace.',
  );
  return { id: 'host', title: TITLE, figures, notes, details };
}
