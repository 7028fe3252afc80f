// Test support (never imported by production code): the service with the embedded simulated
// reader in fast mode (virtual time, seeded), a manual clock for the service's own timers
// (session timeouts, the PIN window), known application tokens, and log lines captured.
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { DEFAULT_CONFIG, DEFAULT_LIMITS, parseConfig, type ServiceConfig } from '../config.ts';
import { startService, type RunningService } from '../service.ts';
import type { Clock } from '../../clock.ts';

export const APP_TOKEN = 'test-token-his-0123456789';
export const RAW_TOKEN = 'test-token-raw-0123456789';
export const WEB_TOKEN = 'test-token-web-0123456789';
export const WEB_ORIGIN = 'http://localhost:8080';
/** The port the Host check expects when the rig does not listen. */
export const RIG_PORT = 17999;

/** A clock that moves only when the test says so. */
export class ManualClock implements Clock {
  #now = 0;
  #timers = new Map<number, { at: number; fn: () => void }>();
  #next = 1;

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): number {
    const id = this.#next++;
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    if (typeof handle === 'number') this.#timers.delete(handle);
  }

  /** Moves time forward, firing due timers in order. */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      const due = [...this.#timers.entries()]
        .filter(([, t]) => t.at <= end)
        .sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
      if (!due) break;
      this.#timers.delete(due[0]);
      this.#now = due[1].at;
      due[1].fn();
    }
    this.#now = end;
  }
}

export interface RigOptions {
  card?: string;
  sam?: string;
  listen?: boolean;
  limits?: Partial<typeof DEFAULT_LIMITS>;
  seed?: number;
  /** Serial ports to open besides the simulated reader. */
  serialPorts?: string[];
}

export interface Rig {
  readonly service: RunningService;
  readonly clock: ManualClock;
  readonly logs: string[];
  readonly port: number;
  /** app.inject with the Host header and, unless `token: null`, the application's token. */
  request(options: InjectOptions & { token?: string | null }): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export function rigConfig(options: RigOptions = {}): ServiceConfig {
  return parseConfig({
    port: options.listen ? 0 : RIG_PORT,
    discover: false,
    serialPorts: options.serialPorts ?? [],
    simulator: 'on',
    sim: {
      card: options.card ?? 'ssc3:li-na',
      sam: options.sam ?? 'psam',
      seed: options.seed ?? 7,
    },
    applications: [
      { id: 'his', token: APP_TOKEN },
      { id: 'raw-tool', token: RAW_TOKEN, rawApdu: true },
      { id: 'web-app', token: WEB_TOKEN, origins: [WEB_ORIGIN] },
    ],
    limits: { ...DEFAULT_CONFIG.limits, ...options.limits },
  });
}

export async function serviceRig(options: RigOptions = {}): Promise<Rig> {
  const clock = new ManualClock();
  const logs: string[] = [];
  const service = await startService({
    config: rigConfig(options),
    simMode: 'fast',
    clock,
    listen: options.listen ?? false,
    hardware: { usb: false },
    logLevel: 'info',
    logStream: { write: (line) => void logs.push(line) },
  });
  const port = service.port;
  // The simulated reader attaches on virtual time; wait until it has.
  const sim = service.core.hub.entries().find((e) => e.simulated)!;
  for (let i = 0; i < 2000 && !sim.reader.attached; i++) await new Promise((r) => setImmediate(r));
  return {
    service,
    clock,
    logs,
    port,
    request(o) {
      const { token, headers, ...rest } = o;
      return service.app.inject({
        ...rest,
        headers: {
          host: `127.0.0.1:${port}`,
          ...(token === null ? {} : { authorization: `Bearer ${token ?? APP_TOKEN}` }),
          ...headers,
        },
      });
    },
    close: () => service.close(),
  };
}
