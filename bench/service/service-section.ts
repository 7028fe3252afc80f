// Section 4, the service (issue 7): per-call overhead of the HTTP API over the in-process API
// (p50, p99), and event delivery to 50 WebSocket clients. Wall clock, side by side in one run.
import { atMost, figure, skipped, type Figure, type SectionResult } from '../report/figure.ts';
import { isMissingModule } from '../transaction/runs.ts';
import type { Latencies, ServiceRun } from './service-run.ts';

const TITLE = '4. Service';
export const MAX_OVERHEAD_P50_MS = 1;

export function percentile(values: readonly number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)];
}

function overhead(id: string, what: string, l: Latencies): Figure[] {
  const at = (p: number) => percentile(l.http, p) - percentile(l.inProcess, p);
  return [
    figure(`service.${id}.overhead.p50`, `${what}: HTTP over in-process, p50`, at(50), 'ms', {
      digits: 3,
      target: atMost(MAX_OVERHEAD_P50_MS),
    }),
    figure(`service.${id}.overhead.p99`, `${what}: HTTP over in-process, p99`, at(99), 'ms', {
      digits: 3,
    }),
  ];
}

export async function serviceSection(): Promise<SectionResult> {
  let run: ServiceRun;
  try {
    const module = './service-run.ts';
    run = await ((await import(module)) as { serviceRun(): Promise<ServiceRun> }).serviceRun();
  } catch (e) {
    if (!isMissingModule(e)) throw e;
    return skipped(
      'service',
      TITLE,
      `the local service is not there yet (${(e as Error).message.split('\n')[0]})`,
    );
  }
  const { events } = run;
  const figures = [
    ...overhead('readers', 'GET /api/readers', run.readers),
    ...overhead('apdu', 'one raw APDU (GET CHALLENGE)', run.apdu),
    figure(
      'service.events.p50',
      `event to all ${events.clients} WebSocket clients, p50`,
      percentile(events.allDeliveredMs, 50),
      'ms',
      {
        digits: 2,
      },
    ),
    figure(
      'service.events.p99',
      `event to all ${events.clients} WebSocket clients, p99`,
      percentile(events.allDeliveredMs, 99),
      'ms',
      {
        digits: 2,
      },
    ),
    figure('service.events.missing', 'events a client never received', events.missing, '', {
      target: atMost(0),
    }),
  ];
  const line = (what: string, l: Latencies) =>
    `${what}: HTTP p50 ${percentile(l.http, 50).toFixed(3)} ms, p99 ${percentile(l.http, 99).toFixed(3)} ms; ` +
    `in process p50 ${percentile(l.inProcess, 50).toFixed(3)} ms, p99 ${percentile(l.inProcess, 99).toFixed(3)} ms ` +
    `(${l.http.length} calls each, interleaved).`;
  return {
    id: 'service',
    title: TITLE,
    figures,
    notes: [
      line('GET /api/readers vs readerView() for every reader', run.readers),
      line('POST /api/readers/{reader}/slots/0/apdu vs CardOperations.apdu()', run.apdu),
      `${events.published} events (the card pulled and put back ${events.rounds} times) to ${events.clients} clients of ` +
        '/api/events: time from the event bus publishing each until the last client has it.',
      'The service with its embedded simulated reader in fast mode (host/service/testing/service-rig.ts), listening on ' +
        '127.0.0.1; clients: Node fetch (keep-alive) and ws. Overhead at a percentile = HTTP minus in-process at that percentile.',
    ],
    details: {
      readers: summary(run.readers),
      apdu: summary(run.apdu),
      events: {
        ...events,
        allDeliveredMs: undefined,
        p50: percentile(events.allDeliveredMs, 50),
        p99: percentile(events.allDeliveredMs, 99),
      },
    },
  };
}

function summary(l: Latencies) {
  return Object.fromEntries(
    (['http', 'inProcess'] as const).flatMap((k) =>
      [50, 90, 99].map((p) => [`${k}.p${p}`, percentile(l[k], p)]),
    ),
  );
}
