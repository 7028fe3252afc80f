// The service as a composition root: the driver's readers (configured serial ports, discovery),
// the embedded simulated reader when none is attached, the session manager, the operations, the
// event bus, the metrics and the HTTP + WebSocket application on 127.0.0.1.
//
//   const service = await startService({ config });   // listens; service.url is the kiosk page
//   await service.close();
import type { FastifyInstance } from 'fastify';
import { Readers, type ReadersOptions } from '../index.ts';
import { realClock, type Clock } from '../clock.ts';
import { buildApp, type AppOptions, type ServiceCore } from './app.ts';
import { DEFAULT_CONFIG, type ServiceConfig } from './config.ts';
import { EmbeddedSimulator } from './embedded-sim.ts';
import { EventBus } from './event-bus.ts';
import { SeenTexts } from './logging.ts';
import { serviceMetrics } from './metrics.ts';
import { NationalService } from './national.ts';
import { CardOperations } from './operations.ts';
import { SlidingWindowLimit } from './rate-limit.ts';
import { ReaderHub } from './reader-hub.ts';
import { AccessControl } from './security.ts';
import { SessionManager } from './sessions.ts';
import { Gauge } from './metrics.ts';

/** The only interface the service listens on. */
export const LISTEN_HOST = '127.0.0.1';

/** Distinct driver warnings remembered (each logged once while remembered). */
export const WARNINGS_REMEMBERED = 256;

export interface ServiceOptions extends AppOptions {
  config?: ServiceConfig;
  /** The simulated reader's clock: real time for people, fast for tests on virtual time. */
  simMode?: 'realtime' | 'fast';
  /** The service's own timers (session timeouts, the PIN limit window). */
  clock?: Clock;
  /** Driver options for the hardware readers (tests: a lister, usb: false). */
  hardware?: Omit<ReadersOptions, 'ports' | 'discover' | 'transports'>;
  /** false: build everything but do not listen (tests use app.inject). */
  listen?: boolean;
}

export interface RunningService {
  readonly app: FastifyInstance;
  readonly core: ServiceCore;
  /** The kiosk page, e.g. http://127.0.0.1:17600/ (once listening). */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startService(options: ServiceOptions = {}): Promise<RunningService> {
  const config = options.config ?? DEFAULT_CONFIG;
  const clock = options.clock ?? realClock;
  const hub = new ReaderHub();
  const hardware = new Readers({
    ...options.hardware,
    ports: config.serialPorts,
    discover: config.discover,
  });
  hub.addContext(hardware, { simulated: false });
  let sim: EmbeddedSimulator | undefined;
  let simReaders: Readers | undefined;
  const closers: (() => Promise<void>)[] = [];
  try {
    await hardware.start();
    closers.push(() => hardware.close());
    const wantSim =
      config.simulator === 'on' || (config.simulator === 'auto' && hardware.list().length === 0);
    if (wantSim) {
      sim = await EmbeddedSimulator.start({
        mode: options.simMode ?? 'realtime',
        seed: config.sim.seed,
        card: config.sim.card,
        sam: config.sim.sam,
      });
      closers.push(() => sim!.stop());
      simReaders = new Readers({
        clock: sim.clock,
        transports: [sim.transport],
        discover: false,
        usb: false,
      });
      hub.addContext(simReaders, { simulated: true });
      await simReaders.start();
      closers.push(() => simReaders!.close());
    }
  } catch (e) {
    for (const c of closers.reverse()) await c().catch(() => {});
    throw e;
  }

  const metrics = serviceMetrics();
  const bus = new EventBus((type) => metrics.events.inc({ type }));
  const sessions = new SessionManager(clock, config.limits);
  const access = new AccessControl(config.applications, config.port);
  const ops = new CardOperations({
    hub,
    sessions,
    bus,
    metrics,
    pinLimit: new SlidingWindowLimit(clock, config.limits.pinPerMinute, 60_000),
    terminalDeviceNumber: config.terminalDeviceNumber,
    clock,
    limits: config.limits,
  });
  const national = new NationalService(ops, {
    terminalDeviceNumber: config.terminalDeviceNumber,
    sessions,
    hsmStepMs: config.limits.hsmStepMs,
  });
  hub.on('event', (event) => {
    if (event.type === 'reader-detached') sessions.releaseReader(event.reader);
    bus.publish(event);
  });
  sessions.on('event', (event) => bus.publish(event));

  metrics.registry.add(
    new Gauge('kiosk_reader_attached', 'Whether each reader is attached (1) or not (0).', () =>
      hub.entries().map((e) => ({ labels: { reader: e.id }, value: e.reader.attached ? 1 : 0 })),
    ),
  );
  metrics.registry.add(
    new Gauge('kiosk_reader_card_present', 'Whether a card is in each slot.', () =>
      hub.entries().flatMap((e) =>
        e.reader.attached
          ? e.reader.slots.map((s) => ({
              labels: { reader: e.id, slot: String(s.index), kind: s.kind },
              value: s.present ? 1 : 0,
            }))
          : [],
      ),
    ),
  );
  metrics.registry.add(
    new Gauge(
      'kiosk_reader_operations_queued',
      'Card operations running or waiting, per reader.',
      () => hub.entries().map((e) => ({ labels: { reader: e.id }, value: ops.queued(e.id) })),
    ),
  );
  metrics.registry.add(
    new Gauge('kiosk_reader_sessions', 'Exclusive sessions held.', () => [
      { value: sessions.list().length },
    ]),
  );
  metrics.registry.add(
    new Gauge('kiosk_reader_websocket_clients', 'Event stream clients connected.', () => [
      { value: bus.size },
    ]),
  );

  const core: ServiceCore = {
    config,
    access,
    hub,
    sessions,
    ops,
    national,
    bus,
    metrics,
    sim,
    panel: sim?.panel(),
  };
  let app: FastifyInstance;
  try {
    app = await buildApp(core, options);
  } catch (e) {
    for (const c of closers.reverse()) await c().catch(() => {});
    throw e;
  }
  // What the driver wants an operator to know (compat fallback, discovery without udev, …),
  // each distinct text once: discovery repeats its complaint at every rescan. Bounded, so texts
  // that differ every time cannot grow the set without end.
  const warned = new SeenTexts(WARNINGS_REMEMBERED);
  hub.on('warning', (text) => {
    if (warned.first(text)) app.log.warn({ warning: text }, 'reader warning');
  });
  let port = config.port;
  if (options.listen !== false) {
    try {
      await app.listen({ host: LISTEN_HOST, port: config.port });
    } catch (e) {
      await app.close().catch(() => {});
      for (const c of closers.reverse()) await c().catch(() => {});
      throw e;
    }
    const address = app.server.address();
    if (address && typeof address === 'object') port = address.port;
    access.port = port;
  }
  let closing: Promise<void> | undefined;
  return {
    app,
    core,
    url: `http://${LISTEN_HOST}:${port}/`,
    port,
    close() {
      closing ??= (async () => {
        sessions.close();
        await app.close();
        await hub.close();
        await sim?.stop();
      })();
      return closing;
    },
  };
}
