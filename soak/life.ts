// One soak life: a kiosk's days on the virtual clock, every choice drawn from the seed. Holders
// come and go with cards of every profile and persona (some misbehaving), applications read them
// and ask for PINs, and faults strike: parity errors, mute cards, noise, loss and duplication on
// the host link, cards pulled mid-command, reader power cuts, cable glitches, driver restarts,
// the PSAM pulled. The monitor checks the invariants all along; the first violation ends the life.
import { SLOT_COUNT } from '../firmware/hal.ts';
import { Prng } from '../simulator/engine/prng.ts';
import type { HostLinkConfig } from '../simulator/reader/host-link.ts';
import {
  kioskApp,
  planKiosk,
  readerApp,
  secondApp,
  OP_BOUND_MS,
  type VisitContext,
} from './apps.ts';
import { CardMaker, type SoakCard, type TransportVariant } from './cards.ts';
import { Occupancy } from './identity.ts';
import { Monitor, type Violation } from './monitor.ts';
import { knownIssueOf, type LifeFacts } from './known-issues.ts';
import type { FirmwareVariant } from './firmware-probe.ts';
import { DriverWorld, type World } from './world.ts';
import { ServiceWorld } from './service-world.ts';
import { httpKioskApp } from './http-apps.ts';

export const INVARIANT_BREAKS = ['card-identity', 'pin-leak', 'answer'] as const;
export type InvariantBreak = (typeof INVARIANT_BREAKS)[number];

export interface LifeOptions {
  seed: number;
  /** Virtual days to live. */
  days: number;
  /** A deliberately broken invariant (the harness misbehaves once, to show it is caught). */
  invariantBreak?: InvariantBreak;
  /** Every answer, card and fault as it happens (`--log`). */
  log?: (line: string) => void;
  /** The simulator's trace, line by line (`--trace <file>`). */
  trace?: (line: string) => void;
  /** Applications that go on after a failed command and leave the card powered (`--naive-apps`). */
  naive?: boolean;
}

export interface LifeReport {
  seed: number;
  days: number;
  /** How this life was set up (profile, link, firmware build, service). */
  setup: string;
  visits: number;
  ops: number;
  ok: number;
  typedErrors: number;
  errorCodes: Record<string, number>;
  /** The first request and message for each error code. */
  errorExamples: Record<string, string>;
  faults: Record<string, number>;
  virtualMs: number;
  wallMs: number;
  pinsTyped: number;
  hostBytesScanned: number;
  heapTop: number | undefined;
  violations: Violation[];
  /** Hash of every answer (name, outcome, virtual time): equal for equal replays. */
  digest: string;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Visits a kiosk sees in one opening day, and its opening hours (virtual). */
export const VISITS_PER_DAY = 24;
export const OPEN_MS = 10 * HOUR;

class LifeAborted extends Error {}

interface VisitFaults {
  parity?: { slot: number; rate: number };
  mute?: boolean;
  host?: { noise: number; loss: number; duplication: number; fromMs: number; toMs: number };
  pullAtMs?: number;
  powerCut?: { atMs: number; offMs: number };
  cableAtMs?: number;
  driverRestartAtMs?: number;
  psamSwap?: { atMs: number; backAfterMs: number | undefined };
}

export async function runLife(options: LifeOptions): Promise<LifeReport> {
  const wallStart = performance.now();
  const root = new Prng(options.seed);
  const setupRng = root.fork('soak:setup');
  // Mostly our driver on our reader over USB (native); sometimes a forced compat profile or a
  // UART link, which cost ten times the simulation events and so keep office hours.
  const native = !setupRng.chance(1 / 12);
  const hostLink: HostLinkConfig =
    native && setupRng.chance(1 / 12)
      ? { kind: 'uart', baud: [115_200, 230_400, 921_600][setupRng.int(3)] }
      : { kind: 'usb' };
  // Some lives run the local service in this process: HTTP clients beside the direct ones.
  const service = native && hostLink.kind === 'usb' && setupRng.chance(0.2);
  // An office kiosk is switched off at closing time (driver closed, reader unpowered) and on
  // again in the morning; a hospital lobby kiosk (and the service) runs day and night.
  const allDay = service || (native && hostLink.kind === 'usb' && setupRng.chance(0.25));
  const firmware: FirmwareVariant = service ? 'release' : 'debug';
  const setup = `${native ? 'native' : 'compat'}, ${hostLink.kind === 'usb' ? 'USB' : `UART ${hostLink.baud}`}, ${allDay ? 'day and night' : 'office hours'}, ${firmware} firmware, ${service ? 'service + driver' : 'driver'}`;

  let now = (): number => 0;
  const monitor = new Monitor(() => now(), options.log);
  const world: World = service
    ? await ServiceWorld.create({ seed: options.seed }, monitor)
    : await DriverWorld.create(
        {
          seed: options.seed,
          firmware,
          profile: native ? 'auto' : 'compat',
          hostLink,
          trace: options.trace,
        },
        monitor,
      );
  const sim = world.sim;
  const clock = world.clock;
  now = () => clock.now();
  const occupancy = new Occupancy(SLOT_COUNT);
  const maker = new CardMaker(root.fork('soak:cards'), sim.prng.fork('soak:card-randoms'));
  const lifeRng = root.fork('soak:life');
  const hostRandom = root.fork('soak:host-random');
  const faultCounts: Record<string, number> = {};
  const count = (name: string): void => void (faultCounts[name] = (faultCounts[name] ?? 0) + 1);
  let identityBroken = options.invariantBreak !== 'card-identity';
  const facts: LifeFacts = { native };
  let finishedVisit: LifeFacts['previousVisit'];
  let visits = 0;
  let firstHeapTop: number | undefined;
  let firstMemory: number | undefined;
  let listenerBaseline: number | undefined;

  // ---- abort and the watchdog ----
  let abort!: (e: LifeAborted) => void;
  const aborted = new Promise<never>((_, reject) => (abort = reject));
  aborted.catch(() => {});
  const guard = <T>(p: Promise<T>): Promise<T> => Promise.race([p, aborted]);
  const sleep = (ms: number): Promise<void> =>
    guard(new Promise<void>((r) => clock.setTimeout(r, Math.max(0, ms))));
  const checkNow = (): void => {
    monitor.checkBounds();
    if (sim.reader.panics.length) {
      const p = sim.reader.panics[0];
      monitor.violate('firmware-panic', `${p.kind} in ${p.during}: ${p.detail}`);
      sim.reader.panics.length = 0;
    }
    if (monitor.failed) abort(new LifeAborted());
  };
  let ticking = true;
  const tick = (): void => {
    if (!ticking) return;
    checkNow();
    clock.setTimeout(tick, 1000);
  };

  const psamInSlot = (): SoakCard => {
    const r = lifeRng.next();
    const persona = r < 0.8 ? 'default' : r < 0.9 ? 'no-sm4' : 'no-rksssse';
    return maker.persona('psam', { persona });
  };
  const insert = (slot: number, card: SoakCard): void => {
    monitor.note(`slot ${slot}: ${card.label} inserted`);
    sim.insertCard(slot, card.contacts);
    occupancy.insert(slot, card, clock.now());
  };
  const remove = (slot: number): void => {
    if (!sim.reader.lines[slot].present()) return;
    monitor.note(`slot ${slot}: ${occupancy.current(slot)?.label ?? 'card'} pulled`);
    sim.removeCard(slot);
    occupancy.remove(slot, clock.now());
  };

  /** Waits until the driver is attached and agrees with the slots; a violation after 60 s. */
  const recovered = async (why: string): Promise<void> => {
    const limit = clock.now() + 60_000;
    for (;;) {
      const r = world.reader;
      // A native reader must come back native: compat would lose the PIN pad for good.
      const profile = r.capabilities?.profile;
      const agree =
        r.attached &&
        (!native || profile === 'native') &&
        r.slots.length === SLOT_COUNT &&
        r.slots.every((s, i) => s.present === sim.reader.lines[i].present());
      if (agree) return;
      if (clock.now() > limit) {
        const view = r.slots.map((s) => (s.present ? 'card' : 'empty')).join(',');
        const real = sim.reader.lines.map((l) => (l.present() ? 'card' : 'empty')).join(',');
        monitor.violate(
          'slot-state',
          `${why}: 60 s later the driver is ${r.state}${r.lastError ? ` (${r.lastError.code})` : ''} in the ${profile ?? 'unknown'} profile, sees slots [${view}], the slots hold [${real}]`,
        );
        checkNow();
      }
      await sleep(250);
    }
  };

  const checkMemory = (): void => {
    const top = world.probe.heapTop();
    const bytes = world.probe.memoryBytes();
    if (top !== undefined) {
      firstHeapTop ??= top;
      if (top > firstHeapTop)
        monitor.violate('memory', `the firmware heap top grew from ${firstHeapTop} to ${top}`);
    }
    if (bytes !== undefined) {
      firstMemory ??= bytes;
      if (bytes !== firstMemory)
        monitor.violate('memory', `the firmware memory went from ${firstMemory} to ${bytes} bytes`);
    }
    const listeners = world.hostListeners();
    listenerBaseline ??= listeners;
    if (listeners > listenerBaseline + 8)
      monitor.violate(
        'memory',
        `host listeners grew from ${listenerBaseline} to ${listeners} (driver events, stream)`,
      );
    const timers = sim.clock.pending();
    if (timers > 500)
      monitor.violate('memory', `${timers} timers pending on the virtual clock after a visit`);
    for (const [name, n] of Object.entries(world.hostQueues()))
      if (n > 64) monitor.violate('memory', `${name}: ${n} after a visit`);
    if (monitor.scanner.pendingBytes > 64 * 1024 * 1024)
      monitor.violate('memory', 'more than 64 MiB of host-side bytes in one visit');
  };

  const chooseCard = (rng: Prng): SoakCard => {
    const r = rng.next();
    const variants: TransportVariant[] = [
      'slow-nulls',
      'wtx-storm',
      'pps-silent',
      'pps-wrong',
      'class-a-only',
    ];
    const transport: TransportVariant = rng.chance(0.15)
      ? variants[rng.int(variants.length)]
      : 'normal';
    if (r < 0.3) return maker.persona('ssc3', { transport });
    if (r < 0.5) return maker.persona('ssc3-t1', { transport });
    if (r < 0.7) return maker.persona('ssc2', { transport });
    if (r < 0.88) return maker.persona('health', { transport });
    if (r < 0.96) return maker.atrCard();
    return maker.persona('psam', { transport });
  };

  const planFaults = (rng: Prng): VisitFaults => {
    const f: VisitFaults = {};
    if (rng.chance(0.5)) return f; // a clean visit
    const within = (ms: number): number => rng.int(ms);
    if (rng.chance(0.25))
      f.parity = { slot: rng.chance(0.8) ? 0 : 1, rate: [0.001, 0.005, 0.02, 0.1][rng.int(4)] };
    if (rng.chance(0.1)) f.mute = true;
    if (rng.chance(0.3)) {
      const from = within(4000);
      f.host = {
        noise: rng.chance(0.6) ? [0.005, 0.02, 0.1][rng.int(3)] : 0,
        loss: rng.chance(0.5) ? [0.005, 0.02, 0.1][rng.int(3)] : 0,
        duplication: rng.chance(0.4) ? [0.01, 0.05, 0.2][rng.int(3)] : 0,
        fromMs: from,
        toMs: from + 200 + within(8000),
      };
    }
    if (rng.chance(0.3)) f.pullAtMs = within(5000);
    if (rng.chance(0.12)) f.powerCut = { atMs: within(6000), offMs: 10 + within(3000) };
    if (rng.chance(0.1)) f.cableAtMs = within(6000);
    if (rng.chance(0.06)) f.driverRestartAtMs = within(6000);
    if (rng.chance(0.08))
      f.psamSwap = { atMs: within(5000), backAfterMs: rng.chance(0.8) ? within(3000) : undefined };
    return f;
  };

  const applyTimedFaults = (f: VisitFaults): number => {
    let last = 0;
    const at = (ms: number, fn: () => void, what?: string): void => {
      last = Math.max(last, ms);
      clock.setTimeout(() => {
        if (what) monitor.note(`fault: ${what}`);
        fn();
      }, ms);
    };
    if (f.host) {
      const h = f.host;
      count('host link noise/loss/duplication');
      at(
        h.fromMs,
        () =>
          sim.reader.hostLink.setFaults({
            noise: h.noise,
            loss: h.loss,
            duplication: h.duplication,
          }),
        `host link noise ${h.noise}, loss ${h.loss}, duplication ${h.duplication}`,
      );
      at(
        h.toMs,
        () => sim.reader.hostLink.setFaults({ noise: 0, loss: 0, duplication: 0 }),
        'host link clean again',
      );
    }
    if (f.pullAtMs !== undefined) {
      count('card pulled mid-visit');
      at(f.pullAtMs, () => remove(0));
    }
    if (f.powerCut) {
      count('reader power cut');
      const cut = f.powerCut;
      at(cut.atMs, () => sim.powerCut(cut.offMs), `reader power cut for ${cut.offMs} ms`);
    }
    if (f.cableAtMs !== undefined) {
      count('cable glitch');
      at(f.cableAtMs, () => world.cableGlitch(), 'cable glitch');
    }
    if (f.driverRestartAtMs !== undefined) {
      count('driver restart');
      at(f.driverRestartAtMs, () => {
        void world
          .restartDriver()
          .catch((e: unknown) =>
            monitor.violate('typed-error', `driver restart failed: ${String(e)}`),
          );
      });
    }
    if (f.psamSwap) {
      count('PSAM pulled');
      const swap = f.psamSwap;
      at(swap.atMs, () => remove(1));
      if (swap.backAfterMs !== undefined)
        at(swap.atMs + swap.backAfterMs, () => {
          if (!sim.reader.lines[1].present()) insert(1, psamInSlot());
        });
    }
    return last;
  };

  const visit = async (rng: Prng): Promise<void> => {
    visits++;
    facts.previousVisit = finishedVisit;
    await recovered(`before visit ${visits}`);
    const card = chooseCard(rng);
    const faults = planFaults(rng);
    const faulty = Object.keys(faults).length > 0;
    if (faulty) monitor.note(`visit ${visits} faults: ${JSON.stringify(faults)}`);
    if (faults.parity) {
      count('parity errors');
      sim.reader.lines[faults.parity.slot].setFaults({ parityErrorRate: faults.parity.rate });
    }
    if (faults.mute) {
      count('mute card');
      sim.reader.lines[0].setFaults({ mute: true });
    }
    if (!sim.reader.lines[1].present()) insert(1, psamInSlot());
    insert(0, card);
    const lastFaultMs = applyTimedFaults(faults);
    const started = clock.now();
    await sleep(100 + rng.int(1500)); // the holder lets go of the card; the kiosk notices
    const ctx: VisitContext = {
      world,
      monitor,
      rng: rng.fork('apps'),
      occupancy,
      native,
      clean: () => !faulty,
      breakIdentity: () => {
        if (identityBroken) return false;
        identityBroken = true;
        return true;
      },
      random: (n) => hostRandom.bytes(n),
      now: () => clock.now(),
      naive: options.naive ?? false,
      noExclusive: service,
    };
    let kioskConnected!: () => void;
    const connected = new Promise<void>((r) => (kioskConnected = r));
    const apps: Promise<void>[] = [];
    const http = service && rng.chance(0.8);
    if (http) apps.push(httpKioskApp({ ...ctx, rng: rng.fork('http') }, card));
    if (!http || rng.chance(0.5)) {
      // Beside the service, the direct application shares the card and leaves the PIN to the page.
      const plan = planKiosk(rng);
      apps.push(
        kioskApp(
          ctx,
          card,
          http ? { ...plan, share: 'shared', pinEntries: 0 } : plan,
          kioskConnected,
        ),
      );
    } else kioskConnected();
    if (rng.chance(0.5))
      apps.push(
        connected.then(async () => {
          await sleep(rng.int(800));
          await secondApp({ ...ctx, rng: rng.fork('second') }, card);
        }),
      );
    if (native && rng.chance(0.3)) apps.push(readerApp({ ...ctx, rng: rng.fork('reader') }));
    await guard(Promise.all(apps));
    // The holder takes the card back; the faults of this visit end.
    await sleep(Math.max(200 + rng.int(3000), lastFaultMs - (clock.now() - started) + 100));
    remove(0);
    sim.reader.hostLink.setFaults({ noise: 0, loss: 0, duplication: 0 });
    for (const line of sim.reader.lines) line.setFaults({ parityErrorRate: 0, mute: false });
    if (options.invariantBreak === 'pin-leak' && card.pin && visits >= 2) {
      // The harness "logs" a PIN it saw: the scanner must catch it.
      monitor.scanner.add('soak log (deliberately broken)', `pin=${card.pin.current}`);
      monitor.scanner.secret(card.pin.current);
    }
    finishedVisit = { protocol: card.protocol, parityOnUserSlot: faults.parity?.slot === 0 };
    await recovered(`after visit ${visits} (${card.label})`);
    monitor.scanForPins();
    checkMemory();
    checkNow();
  };

  /** The end of the life: no faults, a healthy card and PSAM, a read that must work. */
  const lastCheck = async (): Promise<void> => {
    await recovered('at the end of the life');
    if ((occupancy.current(1)?.persona?.id ?? '') !== 'default') {
      remove(1);
      insert(1, maker.persona('psam', { persona: 'default' }));
    }
    const last = maker.persona('ssc3', { persona: 'li-na' });
    insert(0, last);
    await sleep(500);
    await recovered('with the last card');
    const ctx: VisitContext = {
      world,
      monitor,
      rng: lifeRng.fork('last'),
      occupancy,
      native,
      clean: () => true,
      breakIdentity: () => false,
      random: (n) => hostRandom.bytes(n),
      now: () => clock.now(),
      naive: options.naive ?? false,
    };
    const plan = { share: 'shared' as const, pinEntries: 0, bank: true, healthInclude: {} };
    await guard(kioskApp(ctx, last, plan, () => {}));
    remove(0);
    // Anything still unanswered gets its whole bound to answer.
    await sleep(OP_BOUND_MS);
    checkNow();
    for (const p of monitor.pending())
      monitor.violate('answer', `${p.name}: never answered (${Math.round(p.ageMs)} ms)`);
    monitor.scanForPins();
    checkMemory();
  };

  const end = options.days * DAY;
  const lifeScript = async (): Promise<void> => {
    void sim.run();
    await world.boot();
    tick();
    const gaps = lifeRng.fork('gaps');
    const mean = OPEN_MS / VISITS_PER_DAY;
    // Virtual time 0 is the first opening (08:00 of day 1).
    for (let day = 0; ; day++) {
      const open = day * DAY;
      if (day > 0) {
        await sleep(open - clock.now()); // the night
        if (!allDay) {
          monitor.note('the kiosk is switched on');
          await world.boot();
        }
      }
      const close = Math.min(open + OPEN_MS, end);
      while (clock.now() < close) {
        await visit(lifeRng.fork(`visit ${visits + 1}`));
        if (options.invariantBreak === 'answer' && visits === 1) {
          // An answer that never comes: a request the harness forgets to settle.
          void monitor.op('deliberately unanswered request', 1000, () => new Promise(() => {}));
        }
        // Exponential gaps between holders, at least a second.
        await sleep(Math.min(1000 + -Math.log(1 - gaps.next()) * mean, close - clock.now()));
      }
      if ((day + 1) * DAY >= end) break;
      if (!allDay) {
        // Closing time: the kiosk shuts down; the reader is unpowered until the next opening.
        monitor.note('the kiosk is switched off');
        if (!(await guard(world.shutdown())))
          monitor.violate('answer', 'closing the driver did not finish within 60 s');
        sim.powerCut((day + 1) * DAY - clock.now());
      }
    }
    await lastCheck();
  };

  try {
    await lifeScript();
  } catch (e) {
    if (!(e instanceof LifeAborted)) {
      monitor.violate(
        'typed-error',
        `the harness itself failed: ${String((e as Error)?.stack ?? e)}`,
      );
    }
  } finally {
    ticking = false;
  }
  const virtualMs = clock.now();
  if (!(await world.close()) && !monitor.failed)
    monitor.violate('answer', 'closing the driver did not finish within 60 s');
  return {
    seed: options.seed,
    days: options.days,
    setup,
    visits,
    ops: monitor.stats.ops,
    ok: monitor.stats.ok,
    typedErrors: monitor.stats.typedErrors,
    errorCodes: Object.fromEntries(monitor.stats.errorCodes),
    errorExamples: Object.fromEntries(monitor.stats.examples),
    faults: faultCounts,
    virtualMs,
    wallMs: Math.round(performance.now() - wallStart),
    pinsTyped: monitor.scanner.secrets,
    hostBytesScanned: monitor.scanner.scannedBytes,
    heapTop: firstHeapTop,
    violations: monitor.violations
      .slice(0, 5)
      .map((v) => ({ ...v, knownIssue: knownIssueOf(v, facts)?.id })),
    digest: monitor.digest().slice(0, 16),
  };
}
