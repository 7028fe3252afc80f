// The world of one soak life: the simulated reader (firmware.wasm on the simulator's virtual
// clock) and the host side that uses it — the driver's Reader on an in-process stream, every
// byte of which the PIN scanner sees. Two forms: the driver alone (DriverWorld), and the local
// service in the same process with its embedded simulated reader (service-world.ts), whose
// driver Reader the direct applications share with the HTTP clients.
import type { Duplex } from 'node:stream';
import { Reader } from '../host/reader/reader.ts';
import type { ProfileChoice } from '../host/reader/reader-connection.ts';
import type { Clock } from '../host/clock.ts';
import { streamTransport } from '../host/transport/stream-transport.ts';
import type { HostLinkConfig } from '../simulator/reader/host-link.ts';
import { Simulation } from '../simulator/simulation.ts';
import { FirmwareProbe, type FirmwareVariant } from './firmware-probe.ts';
import type { Monitor } from './monitor.ts';

export interface HttpReply {
  status: number;
  body: string;
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'DELETE';
  url: string;
  body?: unknown;
  /** Application token (default: the soak's kiosk application). */
  token?: string;
  headers?: Record<string, string>;
}

/** What the world can tell of the firmware's memory (nothing when it cannot see the instance). */
export interface MemoryProbe {
  heapTop(): number | undefined;
  memoryBytes(): number | undefined;
}

export interface World {
  readonly sim: Simulation;
  /** The driver's clock: virtual ms of the simulation. */
  readonly clock: Clock;
  readonly probe: MemoryProbe;
  /** The driver's current Reader (a new one after a driver restart). */
  readonly reader: Reader;
  /** Requests to the local service, when the life runs it. */
  readonly http: ((request: HttpRequest) => Promise<HttpReply>) | undefined;
  /** Breaks the host link under the driver (a cable glitch); the driver reopens it. */
  cableGlitch(): void;
  /** Closes the driver and opens a new one (the kiosk application restarts). */
  restartDriver(): Promise<void>;
  /** Closes the driver (the kiosk shuts down); false if that took more than 60 virtual s. */
  shutdown(): Promise<boolean>;
  /** Opens a new driver (the kiosk starts). */
  boot(): Promise<void>;
  /** Listeners the host side holds (driver events, stream), for the memory invariant. */
  hostListeners(): number;
  /** Extra host-side counts that must stay bounded (service sessions, event clients). */
  hostQueues(): Record<string, number>;
  /** Closes the driver (false if that did not finish within 60 virtual s) and the simulator. */
  close(): Promise<boolean>;
}

export interface DriverWorldOptions {
  seed: number;
  firmware: FirmwareVariant;
  profile: ProfileChoice;
  hostLink: HostLinkConfig;
  /** The simulator's trace (card lines, host link, firmware logs), line by line (`--trace`). */
  trace?: (line: string) => void;
}

/** Taps a host stream: everything read from it and written to it goes to the PIN scanner. */
export function tapStream(stream: Duplex, monitor: Monitor): void {
  stream.on('data', (chunk: Buffer) => monitor.scanner.add('bytes from the reader', chunk));
  const write = stream.write;
  stream.write = function (this: Duplex, chunk: unknown, ...rest: unknown[]): boolean {
    monitor.scanner.add('bytes to the reader', chunk);
    return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof stream.write;
}

/** Driver events and trace into the scanner. */
export function watchReader(reader: Reader, monitor: Monitor): void {
  reader.on('warning', (text) => monitor.scanner.add('driver warning', text));
  reader.on('detached', (_r, error) => monitor.scanner.add('driver detached error', error));
}

export class DriverWorld implements World {
  readonly sim: Simulation;
  readonly probe: FirmwareProbe;
  readonly http = undefined;
  #reader: Reader;
  #stream: Duplex | undefined;
  readonly #monitor: Monitor;
  readonly #options: DriverWorldOptions;

  private constructor(
    sim: Simulation,
    probe: FirmwareProbe,
    monitor: Monitor,
    options: DriverWorldOptions,
  ) {
    this.sim = sim;
    this.probe = probe;
    this.#monitor = monitor;
    this.#options = options;
    this.#reader = this.#newReader();
  }

  static async create(options: DriverWorldOptions, monitor: Monitor): Promise<DriverWorld> {
    const probe = await FirmwareProbe.create(options.firmware);
    const sim = await Simulation.create({
      seed: options.seed,
      firmware: probe.image,
      trace: options.trace ? { keep: false, write: options.trace } : false,
      hostLink: options.hostLink,
    });
    return new DriverWorld(sim, probe, monitor, options);
  }

  get clock(): Clock {
    return this.sim.clientClock;
  }

  get reader(): Reader {
    return this.#reader;
  }

  cableGlitch(): void {
    this.#stream?.destroy();
  }

  async restartDriver(): Promise<void> {
    const old = this.#reader;
    this.#reader = this.#newReader();
    await old.close();
    await this.#reader.start();
  }

  shutdown(): Promise<boolean> {
    return Promise.race([
      this.#reader.close().then(() => true),
      new Promise<boolean>((r) => this.sim.clientClock.setTimeout(() => r(false), 60_000)),
    ]);
  }

  async boot(): Promise<void> {
    if (this.#reader.state !== 'connecting') this.#reader = this.#newReader();
    await this.#reader.start();
  }

  hostListeners(): number {
    const r = this.#reader;
    let n = r.eventNames().reduce((sum, e) => sum + r.listenerCount(e), 0);
    const s = this.#stream;
    if (s) n += s.eventNames().reduce((sum, e) => sum + s.listenerCount(e), 0);
    return n;
  }

  hostQueues(): Record<string, number> {
    return {};
  }

  async close(): Promise<boolean> {
    const closed = await this.shutdown();
    await this.sim.stop();
    return closed;
  }

  #newReader(): Reader {
    const monitor = this.#monitor;
    const reader = new Reader(
      streamTransport('sim:soak', () => {
        const s = this.sim.hostStream();
        tapStream(s, monitor);
        this.#stream = s;
        return s;
      }),
      {
        clock: this.sim.clientClock,
        profile: this.#options.profile,
        trace: (entry) => monitor.scanner.add('driver trace', entry),
      },
    );
    watchReader(reader, monitor);
    return reader;
  }
}
