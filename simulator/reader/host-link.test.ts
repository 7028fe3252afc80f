import { describe, expect, it } from 'vitest';
import { Prng } from '../engine/prng.ts';
import { NS_PER_MS, VirtualClock } from '../engine/virtual-clock.ts';
import { FaultSpecError } from '../errors.ts';
import type { HostLinkEnds } from './host-link.ts';
import { UartLink } from './uart-link.ts';
import { UsbCdcLink } from './usb-cdc-link.ts';

function ends(maxChunk = 512) {
  const toReader: [number, number[]][] = [];
  const toHost: [number, number[]][] = [];
  let clock!: VirtualClock;
  const e: HostLinkEnds = {
    toReader: (b) => toReader.push([clock.now(), [...b]]),
    toHost: (b) => toHost.push([clock.now(), [...b]]),
    maxChunk: () => maxChunk,
  };
  return {
    e,
    toReader,
    toHost,
    bind: (c: VirtualClock) => (clock = c),
  };
}

describe('UsbCdcLink', () => {
  it('carries 64-byte packets in the next 1 ms frame', () => {
    const clock = new VirtualClock();
    const x = ends();
    x.bind(clock);
    const link = new UsbCdcLink(clock, new Prng(1), x.e);
    clock.runSync(0.3 * NS_PER_MS);
    link.fromHost(new Uint8Array(150).fill(7));
    link.fromReader(Uint8Array.of(1, 2, 3));
    clock.runSync(10 * NS_PER_MS);
    expect(x.toReader.map(([t, b]) => [t / NS_PER_MS, b.length])).toEqual([
      [1, 64],
      [1, 64],
      [1, 22],
    ]);
    expect(x.toHost).toEqual([[NS_PER_MS, [1, 2, 3]]]);
  });

  it('spreads a long transfer over frames and respects the firmware buffer size', () => {
    const clock = new VirtualClock();
    const x = ends(16);
    x.bind(clock);
    const link = new UsbCdcLink(clock, new Prng(1), x.e);
    link.fromHost(new Uint8Array(19 * 16 + 5));
    clock.runSync(10 * NS_PER_MS);
    expect(x.toReader.every(([, b]) => b.length <= 16)).toBe(true);
    expect(x.toReader.at(-1)![0]).toBe(2 * NS_PER_MS);
  });

  it('applies loss, noise and duplication from the seed, the same way every run', () => {
    const runOnce = (seed: number) => {
      const clock = new VirtualClock();
      const x = ends();
      x.bind(clock);
      const link = new UsbCdcLink(clock, new Prng(seed), x.e);
      link.setFaults({ noise: 0.3, loss: 0.2, duplication: 0.2 });
      for (let i = 0; i < 50; i++) link.fromHost(Uint8Array.of(i, i, i));
      clock.runSync(100 * NS_PER_MS);
      return JSON.stringify(x.toReader);
    };
    expect(runOnce(5)).toBe(runOnce(5));
    expect(runOnce(5)).not.toBe(runOnce(6));
    const clock = new VirtualClock();
    const link = new UsbCdcLink(clock, new Prng(1), ends().e);
    expect(() => link.setFaults({ loss: 2 })).toThrow(FaultSpecError);
  });
});

describe('UartLink', () => {
  it('takes 10 bits per byte at the baud rate', () => {
    const clock = new VirtualClock();
    const x = ends();
    x.bind(clock);
    const link = new UartLink(clock, new Prng(1), x.e, 115_200);
    link.fromHost(Uint8Array.of(1, 2, 3));
    clock.runSync(NS_PER_MS);
    const byteNs = 1e10 / 115_200;
    expect(x.toReader.map(([t]) => t / byteNs)).toEqual([1, 2, 3].map((v) => expect.closeTo(v, 9)));
    expect(() => new UartLink(clock, new Prng(1), x.e, 12)).toThrow(FaultSpecError);
  });
});
