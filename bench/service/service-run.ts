// The local service (host/service) measured from outside, as an application sees it: the same
// call through HTTP on 127.0.0.1 and through the in-process API, interleaved, and events pushed
// to 50 WebSocket clients. The service runs its embedded simulated reader in fast mode (virtual
// time: the card costs only CPU), with the test rig's configuration and tokens.
import WebSocket from 'ws';
import { readerView } from '../../host/service/routes-api.ts';
import {
  APP_TOKEN,
  RAW_TOKEN,
  serviceRig,
  type Rig,
} from '../../host/service/testing/service-rig.ts';
import type { ServiceEventJson } from '../../host/service/event-bus.ts';

export interface Latencies {
  /** Wall-clock ms per call. */
  http: number[];
  inProcess: number[];
}

export interface ServiceRun {
  readers: Latencies;
  apdu: Latencies;
  events: {
    clients: number;
    /** Times the card was pulled and put back. */
    rounds: number;
    published: number;
    /** Per event: ms from the bus publishing it until the last client has it. */
    allDeliveredMs: number[];
    /** Events some client never got. */
    missing: number;
  };
}

const CALLS = 1000;
const WARMUP = 100;
const CLIENTS = 50;
const EVENT_ROUNDS = 20;
const GET_CHALLENGE = '0084000008';

async function timed<T>(fn: () => Promise<T>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

/** Runs `http` and `inProcess` alternately, WARMUP times untimed, then CALLS times each. */
async function interleaved(http: () => Promise<unknown>, inProcess: () => Promise<unknown>) {
  const out: Latencies = { http: [], inProcess: [] };
  for (let i = 0; i < WARMUP; i++) {
    await http();
    await inProcess();
  }
  for (let i = 0; i < CALLS; i++) {
    out.http.push(await timed(http));
    out.inProcess.push(await timed(inProcess));
  }
  return out;
}

async function ok(res: Response): Promise<unknown> {
  const body = await res.json();
  if (!res.ok) throw new Error(`service answered ${res.status}: ${JSON.stringify(body)}`);
  return body;
}

async function eventDelivery(rig: Rig, base: string): Promise<ServiceRun['events']> {
  const core = rig.service.core;
  const sim = core.sim;
  if (!sim) throw new Error('the service has no embedded simulator');
  const url = `${base.replace(/^http/, 'ws')}/api/events?token=${APP_TOKEN}`;
  const received: number[][] = Array.from({ length: CLIENTS }, () => []);
  const sockets = await Promise.all(
    Array.from(
      { length: CLIENTS },
      (_, i) =>
        new Promise<WebSocket>((resolve, reject) => {
          const ws = new WebSocket(url, { headers: { host: new URL(base).host } });
          ws.on('message', () => received[i].push(performance.now()));
          ws.once('open', () => resolve(ws));
          ws.once('error', reject);
        }),
    ),
  );
  try {
    // Only what is published from here on counts.
    await new Promise((r) => setTimeout(r, 50));
    received.forEach((r) => (r.length = 0));
    const published: number[] = [];
    const publish = core.bus.publish.bind(core.bus);
    core.bus.publish = (event: ServiceEventJson, application?: string) => {
      published.push(performance.now());
      publish(event, application);
    };
    try {
      for (let i = 0; i < EVENT_ROUNDS; i++) {
        sim.remove(0);
        await settle(
          () => received.every((r) => r.length >= published.length) && published.length > 2 * i,
        );
        sim.insert(0, 'ssc3:li-na');
        await settle(
          () => received.every((r) => r.length >= published.length) && published.length > 2 * i + 1,
        );
      }
    } finally {
      core.bus.publish = publish;
    }
    const allDeliveredMs: number[] = [];
    let missing = 0;
    published.forEach((t, k) => {
      const times = received.map((r) => r[k]);
      if (times.some((x) => x === undefined)) missing++;
      else allDeliveredMs.push(Math.max(...times) - t);
    });
    return {
      clients: CLIENTS,
      rounds: EVENT_ROUNDS,
      published: published.length,
      allDeliveredMs,
      missing,
    };
  } finally {
    for (const ws of sockets) ws.terminate();
  }
}

/** Waits (wall clock, bounded) until `done`. */
async function settle(done: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !done(); i++) await new Promise((r) => setTimeout(r, 1));
}

export async function serviceRun(): Promise<ServiceRun> {
  const rig = await serviceRig({ listen: true, limits: { maxClients: 64 } });
  try {
    const base = `http://127.0.0.1:${rig.port}`;
    const core = rig.service.core;
    const reader = core.hub.entries().find((e) => e.simulated);
    if (!reader) throw new Error('the service has no simulated reader');
    const headers = (token: string) => ({
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
    });
    const readers = await interleaved(
      async () => ok(await fetch(`${base}/api/readers`, { headers: headers(APP_TOKEN) })),
      async () => core.hub.entries().map((e) => readerView(core, e.id)),
    );
    const apdu = await interleaved(
      async () =>
        ok(
          await fetch(`${base}/api/readers/${encodeURIComponent(reader.id)}/slots/0/apdu`, {
            method: 'POST',
            headers: headers(RAW_TOKEN),
            body: JSON.stringify({ apdus: [GET_CHALLENGE] }),
          }),
        ),
      async () =>
        core.ops.apdu({ application: 'raw-tool', rawApdu: true }, reader.id, 0, [
          Buffer.from(GET_CHALLENGE, 'hex'),
        ]),
    );
    const events = await eventDelivery(rig, base);
    return { readers, apdu, events };
  } finally {
    await rig.close();
  }
}
