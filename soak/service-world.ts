// The service form of a soak life: the local HTTP + WebSocket service (host/service) in this
// process, with its embedded simulated reader in fast mode, the service's own timers on the
// simulation's virtual clock, requests through app.inject. The direct applications share the
// service's driver Reader (a program using the TypeScript API in the same process), the HTTP
// clients go through the routes. Host side for the PIN scanner: the bytes of the host link both
// ways, the service's log lines, every HTTP body.
import { Reader } from '../host/reader/reader.ts';
import type { Clock } from '../host/clock.ts';
import { parseConfig } from '../host/service/config.ts';
import { startService, type RunningService } from '../host/service/service.ts';
import type { Simulation } from '../simulator/simulation.ts';
import type { Monitor } from './monitor.ts';
import { watchReader, type HttpReply, type HttpRequest, type World } from './world.ts';

export const KIOSK_TOKEN = 'soak-kiosk-token-0123456789';
export const RAW_TOKEN = 'soak-raw-token-0123456789';
/** The Host header the service expects when it does not listen. */
const PORT = 17_999;

export class ServiceWorld implements World {
  readonly sim: Simulation;
  readonly probe = { heapTop: (): undefined => undefined, memoryBytes: (): undefined => undefined };
  readonly #service: RunningService;

  private constructor(service: RunningService) {
    this.#service = service;
    this.sim = service.core.sim!.sim;
  }

  static async create(options: { seed: number }, monitor: Monitor): Promise<ServiceWorld> {
    // The service's timers (sessions, the PIN window) run on the simulation's clock, which
    // exists once the service has started it.
    let clock: Clock | undefined;
    const late: Clock = {
      now: () => clock?.now() ?? 0,
      setTimeout: (fn, ms) => clock!.setTimeout(fn, ms),
      clearTimeout: (h) => clock?.clearTimeout(h),
    };
    const service = await startService({
      config: parseConfig({
        port: PORT,
        discover: false,
        simulator: 'on',
        sim: { seed: options.seed },
        applications: [
          { id: 'soak-kiosk', token: KIOSK_TOKEN },
          { id: 'soak-raw', token: RAW_TOKEN, rawApdu: true },
        ],
      }),
      simMode: 'fast',
      clock: late,
      listen: false,
      hardware: { usb: false },
      logLevel: 'info',
      logStream: { write: (line) => monitor.scanner.add('service log', line) },
    });
    const world = new ServiceWorld(service);
    clock = world.sim.clientClock;
    // The cards the embedded reader starts with are the life's to choose.
    for (const slot of [0, 1])
      if (world.sim.reader.lines[slot].present()) world.sim.removeCard(slot);
    const reader = world.sim.reader;
    reader.onHostData((bytes) => monitor.scanner.add('bytes from the reader', bytes));
    const write = reader.hostWrite.bind(reader);
    reader.hostWrite = (bytes) => {
      monitor.scanner.add('bytes to the reader', bytes);
      write(bytes);
    };
    watchReader(world.reader, monitor);
    return world;
  }

  get clock(): Clock {
    return this.sim.clientClock;
  }

  /** The service's driver Reader for the simulated reader. */
  get reader(): Reader {
    return this.#service.core.hub.entries().find((e) => e.simulated)!.reader;
  }

  get http(): (request: HttpRequest) => Promise<HttpReply> {
    return async (r) => {
      const res = await this.#service.app.inject({
        method: r.method,
        url: r.url,
        headers: {
          host: `127.0.0.1:${PORT}`,
          authorization: `Bearer ${r.token ?? KIOSK_TOKEN}`,
          ...(r.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...r.headers,
        },
        payload: r.body === undefined ? undefined : JSON.stringify(r.body),
      });
      return { status: res.statusCode, body: res.body };
    };
  }

  /** The USB cable out and back in (the embedded reader's panel control). */
  cableGlitch(): void {
    const embedded = this.#service.core.sim!;
    embedded.unplug();
    this.clock.setTimeout(() => embedded.plug(), 300);
  }

  /** The service keeps its driver: a restart is a cable glitch here. */
  async restartDriver(): Promise<void> {
    this.cableGlitch();
  }

  async shutdown(): Promise<boolean> {
    return true;
  }

  async boot(): Promise<void> {
    // The service started its driver already; wait for the first attempt to attach.
    await this.reader.start();
  }

  hostListeners(): number {
    const r = this.reader;
    return r.eventNames().reduce((sum, e) => sum + r.listenerCount(e), 0);
  }

  hostQueues(): Record<string, number> {
    const core = this.#service.core;
    return { 'service sessions': core.sessions.list().length, 'event clients': core.bus.size };
  }

  async close(): Promise<boolean> {
    const closed = await Promise.race([
      this.#service.close().then(() => true),
      new Promise<boolean>((r) => this.clock.setTimeout(() => r(false), 60_000)),
    ]);
    return closed;
  }
}
