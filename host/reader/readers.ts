// The driver's context, as the Web Smart Card API's and PC/SC's: the readers it knows, and one
// stream of typed events for all of them (tomkp/smartcard's vocabulary): `reader-attached`,
// `reader-detached`, `card-inserted`, `card-removed`. Readers come from configured ports or
// transports, and from discovery: serial ports with our USB VID:PID, looked at again on USB
// attach/detach events where `usb` works, and on a slow timer where it does not.
import { EventEmitter } from 'node:events';
import { realClock, type Clock } from '../clock.ts';
import { ReaderTimeoutError, type ReaderError, CancelledError } from '../ccid/errors.ts';
import { serialTransport } from '../transport/serial-transport.ts';
import type { Transport } from '../transport/transport.ts';
import { Reader, type CardEvent, type ReaderOptions } from './reader.ts';
import { discoverSerialReaders, serialPortLister, type PortLister } from './serial-discovery.ts';
import { watchUsb, type UsbWatcher, type UsbWatchFactory } from './usb-watch.ts';

/** Without USB events, serial ports are listed again this often when discovery is on. */
export const RESCAN_MS = 3000;

export interface ReadersEvents {
  'reader-attached': [reader: Reader];
  'reader-detached': [reader: Reader, error: ReaderError];
  'card-inserted': [event: CardEvent];
  'card-removed': [event: CardEvent];
  warning: [text: string];
}

export interface ReadersOptions {
  clock?: Clock;
  /** Serial device paths to open (always kept, reopened while they fail). */
  ports?: readonly string[];
  /** Other transports to open (the simulator in process or over TCP). */
  transports?: readonly Transport[];
  /** Look for our readers among the serial ports (default: true when nothing is configured). */
  discover?: boolean;
  /** Rescan interval without USB events; 0 = only on USB events. */
  rescanMs?: number;
  /** Options for each Reader (backoff, trace, polling). */
  reader?: Omit<ReaderOptions, 'clock'>;
  /** Test doubles: the serial port lister, the USB watcher, the serial transport. */
  lister?: PortLister;
  usb?: UsbWatchFactory | false;
  serial?: (path: string) => Transport;
}

export class Readers extends EventEmitter<ReadersEvents> {
  readonly #clock: Clock;
  readonly #options: ReadersOptions;
  readonly #readers = new Map<string, { reader: Reader; discovered: boolean }>();
  #usb: UsbWatcher | undefined;
  #rescanTimer: unknown;
  #scanning: Promise<void> | undefined;
  #started = false;
  #closed = false;

  constructor(options: ReadersOptions = {}) {
    super();
    this.#clock = options.clock ?? realClock;
    this.#options = options;
  }

  /** Readers that are attached now. */
  list(): Reader[] {
    return this.all().filter((r) => r.attached);
  }

  /** Every reader known, attached or not (a detached one is being reopened). */
  all(): Reader[] {
    return [...this.#readers.values()].map((e) => e.reader);
  }

  get(path: string): Reader | undefined {
    return this.#readers.get(path)?.reader;
  }

  /** Opens the configured readers and starts discovery; resolves after the first attempts. */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    const o = this.#options;
    const first: Promise<void>[] = [];
    for (const path of o.ports ?? []) first.push(this.#add(this.#serial(path), false));
    for (const t of o.transports ?? []) first.push(this.#add(t, false));
    const discover =
      o.discover ?? ((o.ports?.length ?? 0) === 0 && (o.transports?.length ?? 0) === 0);
    if (discover) {
      first.push(this.rescan());
      await this.#watchUsb();
    }
    await Promise.all(first);
  }

  /** Adds a reader on `transport` (if its path is new) and starts it. */
  add(transport: Transport): Promise<Reader> {
    return this.#add(transport, false).then(() => this.#readers.get(transport.path)!.reader);
  }

  /** Closes and forgets the reader on `path`. */
  async remove(path: string): Promise<void> {
    const entry = this.#readers.get(path);
    if (!entry) return;
    this.#readers.delete(path);
    await entry.reader.close();
  }

  /** Looks at the serial ports now: adds new readers, drops discovered ones that are gone. */
  rescan(): Promise<void> {
    this.#scanning ??= this.#rescan().finally(() => (this.#scanning = undefined));
    return this.#scanning;
  }

  /** The first attached reader (waits for one). */
  waitForReader(options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<Reader> {
    const now = this.list()[0];
    if (now) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const done = (): void => {
        this.off('reader-attached', onAttached);
        if (timer !== undefined) this.#clock.clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
      };
      const onAttached = (r: Reader): void => {
        done();
        resolve(r);
      };
      const onAbort = (): void => {
        done();
        reject(new CancelledError('cancelled while waiting for a reader'));
      };
      const timer =
        options.timeoutMs === undefined
          ? undefined
          : this.#clock.setTimeout(() => {
              done();
              reject(new ReaderTimeoutError(`no reader attached within ${options.timeoutMs} ms`));
            }, options.timeoutMs);
      this.on('reader-attached', onAttached);
      options.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#usb?.stop();
    if (this.#rescanTimer !== undefined) this.#clock.clearTimeout(this.#rescanTimer);
    await this.#scanning?.catch(() => {});
    const readers = this.all();
    this.#readers.clear();
    await Promise.all(readers.map((r) => r.close()));
  }

  // ---------------------------------------------------------------------------------------------

  async #add(transport: Transport, discovered: boolean): Promise<void> {
    if (this.#closed || this.#readers.has(transport.path)) return;
    const reader = new Reader(transport, { ...this.#options.reader, clock: this.#clock });
    this.#readers.set(transport.path, { reader, discovered });
    reader.on('attached', (r) => this.emit('reader-attached', r));
    reader.on('detached', (r, e) => this.emit('reader-detached', r, e));
    reader.on('card-inserted', (e) => this.emit('card-inserted', e));
    reader.on('card-removed', (e) => this.emit('card-removed', e));
    reader.on('warning', (t) => this.emit('warning', t));
    await reader.start();
  }

  async #rescan(): Promise<void> {
    if (this.#closed) return;
    const found = await discoverSerialReaders(this.#options.lister ?? serialPortLister);
    if (found.error) this.emit('warning', found.error);
    else {
      for (const [path, entry] of this.#readers) {
        if (entry.discovered && !found.ports.includes(path)) await this.remove(path);
      }
    }
    await Promise.all(found.ports.map((p) => this.#add(this.#serial(p), true)));
  }

  #serial(path: string): Transport {
    return (this.#options.serial ?? serialTransport)(path);
  }

  async #watchUsb(): Promise<void> {
    const factory = this.#options.usb === false ? undefined : (this.#options.usb ?? watchUsb);
    const result = factory ? await factory(() => void this.rescan()) : { unavailable: 'off' };
    if ('stop' in result) {
      this.#usb = result;
      return;
    }
    // No hotplug events: list the ports again from time to time.
    const ms = this.#options.rescanMs ?? RESCAN_MS;
    if (ms > 0) this.#scheduleRescan(ms);
  }

  #scheduleRescan(ms: number): void {
    this.#rescanTimer = this.#clock.setTimeout(() => {
      if (this.#closed) return;
      void this.rescan().finally(() => {
        if (!this.#closed) this.#scheduleRescan(ms);
      });
    }, ms);
  }
}
