import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Key, USER_SLOT } from '../../firmware/hal.ts';
import { NS_PER_MS } from '../engine/virtual-clock.ts';
import { ScriptedCard } from '../line/scripted-card.ts';
import { Simulation } from '../simulation.ts';
import type { FirmwareImage } from './firmware-image.ts';
import { DEFAULT_FLASH } from './flash.ts';
import { testFirmware } from './test-firmware.ts';

let image: FirmwareImage;
beforeAll(async () => {
  image = await testFirmware();
});

async function rig(seed = 1) {
  const sim = await Simulation.create({ seed, firmware: image });
  const received: { t: number; bytes: number[] }[] = [];
  sim.reader.onHostData((b) => received.push({ t: sim.clock.now() / NS_PER_MS, bytes: [...b] }));
  const send = async (bytes: number[], ms = 20) => {
    received.length = 0;
    sim.reader.hostWrite(Uint8Array.from(bytes));
    await sim.clock.advance(ms * NS_PER_MS);
    return received.flatMap((r) => r.bytes);
  };
  return { sim, received, send };
}

describe('Reader around a firmware', () => {
  it('delivers host bytes in USB frames and returns the answer in the next frame', async () => {
    const { sim, received, send } = await rig();
    await sim.clock.advance(0.4 * NS_PER_MS);
    expect(await send([0x10, 0x20, 0x30])).toEqual([0x10, 0x20, 0x30]);
    expect(received[0].t).toBe(2); // in at 1 ms, out at 2 ms
    expect(sim.reader.panics).toEqual([]);
    expect(sim.reader.logs.map((l) => l.text)).toEqual(['init']);
  });

  it('records a panic, restarts the firmware like a watchdog, and goes on', async () => {
    const { sim, send } = await rig();
    expect(await send([0x01])).toEqual([]);
    expect(sim.reader.panics).toEqual([
      {
        timeNs: NS_PER_MS,
        kind: 'panic',
        during: 'on_host_rx',
        detail: 'abort at line 12, column 34',
      },
    ]);
    expect(sim.reader.boot.boots).toBe(2);
    expect(await send([0x02])).toEqual([]);
    expect(sim.reader.panics[1]).toMatchObject({ kind: 'trap', during: 'on_host_rx' });
    expect(await send([0x03])).toEqual([]);
    expect(sim.reader.panics[2]).toMatchObject({ kind: 'hal-usage' });
    expect(sim.reader.panics[2].detail).toMatch(/card_send: slot must be 0..2, got 7/);
    expect(await send([0x11])).toEqual([0x11]);
    expect(sim.reader.boot.boots).toBe(4);
  });

  it('system_reset restarts without a panic; timers fire on the virtual clock', async () => {
    const { sim, received, send } = await rig();
    await send([0x04]);
    expect(sim.reader.boot.boots).toBe(2);
    expect(sim.reader.panics).toEqual([]);
    const t0 = sim.clock.now() / NS_PER_MS;
    await send([0x05], 30);
    // In at +1 ms, timer fires at +11 ms, the answer reaches the host at +12 ms.
    expect(received).toEqual([{ t: t0 + 12, bytes: [0xee, 0x00] }]);
  });

  it('plays a key script when the firmware shows the secure-entry indicator', async () => {
    const { sim, send } = await rig();
    sim.typeKeys('1 2 enter');
    expect(await send([0x06], 1000)).toEqual([0x4b, 1, 0x4b, 2, 0x4b, Key.Enter]);
    expect(sim.reader.display.rows()[0]).toBe('\u{1F512} PIN');
    const text = sim.trace!.text();
    expect(text).toMatch(/keypad key \*\n/);
    expect(text).not.toMatch(/keypad key [0-9]/);
  });

  it('programs flash with the firmware buffer and reports on_flash_done', async () => {
    const { sim, send } = await rig();
    expect(await send([0x07, 1, 2, 3, 4, 5, 6, 7, 8])).toEqual([0x46, 0x00]);
    expect(sim.reader.flash.read(0, 8)).toEqual(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8));
  });

  it('a power cut mid-write tears it, and the firmware boots again', async () => {
    const { sim, send } = await rig();
    sim.reader.flash.planPowerCut(1, 0.5, () => sim.powerCut());
    expect(await send([0x07, 0, 0, 0, 0, 0, 0, 0, 0], 200)).toEqual([]);
    expect(sim.reader.boot.boots).toBe(2);
    expect(sim.reader.flash.read(0, 8)).not.toEqual(new Uint8Array(8));
    expect(sim.trace!.text()).toMatch(/torn by a power cut/);
    expect(DEFAULT_FLASH.writeUnitNs).toBeGreaterThan(0);
  });

  it('reports presence and the ATR of a card through the firmware', async () => {
    const { sim, received, send } = await rig();
    const atr = [0x3b, 0x02, 0x14, 0x50];
    sim.insertCard(USER_SLOT, new ScriptedCard({ atr: Uint8Array.from(atr) }));
    await sim.clock.advance(5 * NS_PER_MS);
    expect(received.flatMap((r) => r.bytes)).toEqual([0x50, 0, 1]);
    expect(await send([0x08], 50)).toEqual(atr.flatMap((b) => [0x43, b, 0]));
    received.length = 0;
    sim.removeCard(USER_SLOT);
    await sim.clock.advance(5 * NS_PER_MS);
    expect(received.flatMap((r) => r.bytes)).toEqual([0x50, 0, 0]);
  });
});

describe('Reader event delivery', () => {
  it('never re-enters the firmware: a key pressed during an import arrives after the handler', async () => {
    let sim: Simulation | undefined;
    const order: string[] = [];
    sim = await Simulation.create({
      seed: 1,
      firmware: image,
      trace: {
        // The firmware logs "init" from inside init(): press a key right there, mid-import.
        write: (line) => {
          if (line.includes('fw     info: init') && sim) {
            order.push('log');
            const before = sim.reader.deferredEvents;
            sim.reader.keypad.press(Key.Cancel);
            order.push(sim.reader.deferredEvents === before + 1 ? 'deferred' : 'delivered inside');
          }
        },
      },
    });
    const out: number[] = [];
    sim.reader.onHostData((b) => out.push(...b));
    sim.reader.hostWrite(Uint8Array.of(0x04)); // system_reset: boots again, logs "init" again
    await sim.clock.advance(10 * NS_PER_MS);
    expect(order).toEqual(['log', 'deferred']);
    expect(out).toEqual([0x4b, Key.Cancel]);
    expect(sim.reader.panics).toEqual([]);
  });
});

describe('Simulation', () => {
  afterEach(() => vi.restoreAllMocks());

  it('never reads the wall clock in fast mode', async () => {
    const fromSimulator = (fn: string) => {
      const stack = new Error().stack ?? '';
      if (/simulator\/(?!.*\.test\.ts)/.test(stack.split('\n').slice(2).join('\n')))
        throw new Error(`${fn} read by the simulator in fast mode`);
    };
    const perf = performance.now.bind(performance);
    const date = Date.now;
    vi.spyOn(performance, 'now').mockImplementation(
      () => (fromSimulator('performance.now'), perf()),
    );
    vi.spyOn(Date, 'now').mockImplementation(() => (fromSimulator('Date.now'), date()));
    const hr = vi.spyOn(process, 'hrtime');
    const { sim, send } = await rig();
    sim.insertCard(USER_SLOT, new ScriptedCard({ atr: Uint8Array.of(0x3b, 0x00) }));
    sim.typeKeys('1 enter');
    await send([0x08], 50);
    await send([0x06], 1000);
    await send([0x05], 50);
    expect(sim.reader.panics).toEqual([]);
    expect(hr).not.toHaveBeenCalled();
  });

  it('one seed gives one trace; another seed with faults gives another', async () => {
    const run = async (seed: number, parity: number) => {
      const sim = await Simulation.create({
        seed,
        firmware: image,
        faults: { parityErrorRate: parity },
      });
      sim.insertCard(
        USER_SLOT,
        new ScriptedCard({ atr: Uint8Array.from([0x3b, 0x02, 0x14, 0x50]) }),
      );
      sim.reader.hostWrite(Uint8Array.of(0x08));
      await sim.clock.advance(100 * NS_PER_MS);
      return sim.trace!.text();
    };
    const a = await run(3, 0.3);
    expect(await run(3, 0.3)).toBe(a);
    expect(await run(4, 0.3)).not.toBe(a);
    expect(a).toMatch(/~/);
  });
});
