import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RxStatus, VoltageClass } from '../../firmware/hal.ts';
import { Prng } from '../engine/prng.ts';
import { VirtualClock } from '../engine/virtual-clock.ts';
import { LineError } from '../errors.ts';
import type { CardContacts, CardLinePort, CardUartSetting } from '../card/contract.ts';
import { CardLine } from './card-line.ts';
import type { WireDriver } from './io-wire.ts';
import { ScriptedCard, type ScriptedCardOptions } from './scripted-card.ts';

const F372 = 3_571_200; // Hz: F = 372, D = 1 gives 9600 bit/s
const ETU = (372 / F372) * 1e9; // 104 166.67 ns

interface Char {
  t: number;
  from: WireDriver;
  byte: number;
  attempt: number;
}

function rig(seed = 1) {
  const clock = new VirtualClock();
  const rx: { t: number; byte: number; status: RxStatus }[] = [];
  const timeouts: number[] = [];
  const presence: boolean[] = [];
  const chars: Char[] = [];
  const anomalies: string[] = [];
  const hooks: { onRx?: () => void } = {};
  const line = new CardLine(
    clock,
    0,
    new Prng(seed),
    {
      rx: (byte, status) => {
        rx.push({ t: clock.now(), byte, status });
        hooks.onRx?.();
      },
      timeout: () => timeouts.push(clock.now()),
      presence: (p) => presence.push(p),
    },
    {
      character: (_s, t, from, byte, info) => chars.push({ t, from, byte, attempt: info.attempt }),
      anomaly: (_s, t, to, byte, what) => anomalies.push(`${to} ${byte.toString(16)} ${what}`),
      event: () => {},
    },
  );
  return { clock, line, rx, timeouts, presence, chars, anomalies, hooks };
}

function activate(r: ReturnType<typeof rig>, hz = F372, voltage = VoltageClass.B): void {
  r.line.clockHz(hz);
  r.line.power(voltage);
  r.clock.runSync(1_000_000); // ≥ 400 clocks with RST low
  r.line.reset(true);
}

const T0_ATR = Uint8Array.from([0x3b, 0x02, 0x14, 0x50]);
const T1_ATR = Uint8Array.from([0x3b, 0x80, 0x80, 0x01, 0x01]);
const card = (o: Partial<ScriptedCardOptions> = {}) => new ScriptedCard({ atr: T0_ATR, ...o });

const setting = (o: Partial<CardUartSetting> = {}): CardUartSetting => ({
  f: 372,
  d: 1,
  n: 0,
  inverse: false,
  t1: false,
  ...o,
});

describe('CardLine timing', () => {
  it('a 5-byte T=0 header at F=372, D=1, f=3.5712 MHz takes 60 etu = 6.25 ms', () => {
    const r = rig();
    const c = card({ classes: [] }); // listens, never answers
    r.line.insert(c);
    activate(r);
    r.clock.runSync(100e6);
    const t0 = r.clock.now();
    r.line.send(Uint8Array.from([0x00, 0xb0, 0x00, 0x00, 0x00]));
    r.line.send(Uint8Array.from([0xff])); // the next character may start only after the header
    r.clock.runSync(10e6);
    const reader = r.chars.filter((ch) => ch.from === 'reader');
    expect(reader.map((ch) => (ch.t - t0) / ETU)).toEqual(
      [0, 12, 24, 36, 48, 60].map((v) => expect.closeTo(v, 6)),
    );
    expect((reader[5].t - t0) / 1e6).toBeCloseTo(6.25, 6);
    expect(ETU / 1000).toBeCloseTo(104.17, 2);
    expect(c.received.slice(0, 5)).toEqual([0x00, 0xb0, 0x00, 0x00, 0x00]);
  });

  it('a T=1 block at N=255 takes 11 etu per character; N=2 gives 14', () => {
    for (const [n, spacing] of [
      [255, 11],
      [2, 14],
    ]) {
      const r = rig();
      r.line.insert(card({ atr: T1_ATR, t1: true }));
      activate(r);
      r.clock.runSync(100e6);
      r.line.uart(setting({ n, t1: true }));
      r.chars.length = 0;
      const t0 = r.clock.now();
      r.line.send(Uint8Array.from([0x00, 0x00, 0x05, 0x00, 0xa4, 0x04, 0x00, 0x00, 0xa5]));
      r.clock.runSync(20e6);
      const reader = r.chars.filter((ch) => ch.from === 'reader');
      expect(reader).toHaveLength(9);
      reader.forEach((ch, i) => expect((ch.t - t0) / ETU).toBeCloseTo(i * spacing, 6));
    }
  });

  it('the ATR starts atrDelayClocks after RST rises, and T=0 turnaround is 16 etu', () => {
    const r = rig();
    r.line.insert(card({ atrDelayClocks: 40_000 }));
    // The reader answers as soon as the last ATR character is in.
    r.hooks.onRx = () => {
      if (r.rx.length === T0_ATR.length) r.line.send(Uint8Array.from([0x00]));
    };
    activate(r);
    const tRst = r.clock.now();
    r.clock.runSync(100e6);
    const atr = r.chars.filter((ch) => ch.from === 'card');
    expect((atr[0].t - tRst) / 1e9).toBeCloseTo(40_000 / F372, 9);
    expect(r.rx.map((x) => x.byte)).toEqual([...T0_ATR]);
    expect(r.rx.every((x) => x.status === RxStatus.Ok)).toBe(true);
    // The reader's first character comes 16 etu after the leading edge of the last ATR byte.
    const first = r.chars.find((ch) => ch.from === 'reader')!;
    expect((first.t - atr[3].t) / ETU).toBeCloseTo(16, 6);
  });

  it('delivers each character after its 10-etu frame', () => {
    const r = rig();
    r.line.insert(card());
    activate(r);
    r.clock.runSync(100e6);
    const atr = r.chars.filter((ch) => ch.from === 'card');
    r.rx.forEach((x, i) => expect((x.t - atr[i].t) / ETU).toBeCloseTo(10, 6));
  });
});

describe('CardLine turnaround after a change of rate (PPS)', () => {
  // A card that answers a reset with `reply` in the T=0 frame at 372/1 and then, as a card does
  // after its PPS response, switches to `next` for what follows.
  function switchingCard(reply: number[], next: CardUartSetting) {
    const received: number[] = [];
    let port: CardLinePort | undefined;
    const card: CardContacts = {
      attach: (p) => (port = p),
      detach: () => (port = undefined),
      vcc: () => {},
      clock: () => {},
      rst: (high) => {
        if (!high || !port) return;
        port.transmit(Uint8Array.from(reply), 1_000_000);
        port.setUart(next);
      },
      receive: (byte, parityError) => {
        if (!parityError) received.push(byte);
      },
    };
    return { card, received };
  }

  it('the reader switching to T=1 at 512/32 on the last character waits out that character (16 etu at 372/1)', () => {
    const r = rig();
    const t1 = setting({ f: 512, d: 32, n: 255, t1: true });
    const { card: c, received } = switchingCard([0xff, 0x11, 0x96, 0x78], t1);
    r.line.insert(c);
    // As the firmware does: on the PPS response's last character, the new frame, then a block.
    r.hooks.onRx = () => {
      if (r.rx.length !== 4) return;
      r.line.uart(t1);
      r.line.send(Uint8Array.from([0x00, 0xc1, 0x01, 0xfe, 0x3e]));
    };
    activate(r);
    r.clock.runSync(100e6);
    expect(r.anomalies).toEqual([]);
    expect(received).toEqual([0x00, 0xc1, 0x01, 0xfe, 0x3e]);
    const last = r.chars.filter((ch) => ch.from === 'card').at(-1)!;
    const first = r.chars.find((ch) => ch.from === 'reader')!;
    expect((first.t - last.t) / ETU).toBeCloseTo(16, 6);
  });

  it('a character queued while the other side is still talking waits for its last character', () => {
    const r = rig();
    const { card: c, received } = switchingCard([0x3b, 0x00, 0x00], setting());
    r.line.insert(c);
    // Queued as soon as TS is in, when the card has two more characters to come.
    r.hooks.onRx = () => {
      if (r.rx.length === 1) r.line.send(Uint8Array.from([0x5a]));
    };
    activate(r);
    r.clock.runSync(100e6);
    expect(r.anomalies).toEqual([]);
    expect(r.rx.map((x) => x.byte)).toEqual([0x3b, 0x00, 0x00]);
    expect(received).toEqual([0x5a]);
    const last = r.chars.filter((ch) => ch.from === 'card').at(-1)!;
    const first = r.chars.find((ch) => ch.from === 'reader')!;
    expect((first.t - last.t) / ETU).toBeCloseTo(16, 6);
  });

  it('in the same frame the T=1 block guard time (22 etu) still applies', () => {
    const r = rig();
    const t1 = setting({ n: 255, t1: true });
    const { card: c, received } = switchingCard([0x3b, 0x00], t1);
    r.line.insert(c);
    r.hooks.onRx = () => {
      if (r.rx.length !== 2) return;
      r.line.uart(t1);
      r.line.send(Uint8Array.from([0x00]));
    };
    activate(r);
    r.clock.runSync(100e6);
    expect(received).toEqual([0x00]);
    const last = r.chars.filter((ch) => ch.from === 'card').at(-1)!;
    const first = r.chars.find((ch) => ch.from === 'reader')!;
    expect((first.t - last.t) / ETU).toBeCloseTo(22, 6);
  });
});

describe('CardLine character frame', () => {
  it('an inverse card read in the direct convention gives 03 with a parity error, after 3 repetitions', () => {
    const r = rig();
    r.line.insert(card({ atr: Uint8Array.from([0x3f, 0x00]), inverse: true }));
    activate(r);
    r.clock.runSync(100e6);
    const ts = r.chars.filter((ch) => ch.from === 'card' && ch.byte === 0x3f);
    expect(ts.map((ch) => ch.attempt)).toEqual([0, 1, 2, 3]);
    // Repetitions start 13 etu after the disputed character (error seen at 11 etu + 2 etu).
    expect((ts[1].t - ts[0].t) / ETU).toBeCloseTo(13, 6);
    expect(r.rx[0]).toMatchObject({ byte: 0x03, status: RxStatus.ParityError });
  });

  it('a direct card read in the inverse convention gives 23 with a parity error', () => {
    const r = rig();
    r.line.insert(card());
    r.line.uart(setting({ inverse: true }));
    activate(r);
    r.clock.runSync(100e6);
    expect(r.rx[0]).toMatchObject({ byte: 0x23, status: RxStatus.ParityError });
  });

  it('the inverse convention on both sides reads 3F cleanly', () => {
    const r = rig();
    const atr = Uint8Array.from([0x3f, 0x65, 0x25, 0x08, 0x36, 0x04, 0x6c, 0x90, 0x00]);
    r.line.insert(card({ atr, inverse: true }));
    r.line.uart(setting({ inverse: true }));
    activate(r);
    r.clock.runSync(100e6);
    expect(r.rx.map((x) => x.byte)).toEqual([...atr]);
    expect(r.anomalies).toEqual([]);
  });

  it('a D mismatch garbles the characters', () => {
    const r = rig();
    r.line.insert(card());
    r.line.uart(setting({ d: 4 }));
    activate(r);
    r.clock.runSync(100e6);
    expect(r.rx.map((x) => x.byte)).not.toEqual([...T0_ATR]);
    expect(r.anomalies.length).toBeGreaterThan(0);
  });

  it('characters go through unchanged whenever both sides agree on F, D, N and convention', () => {
    const rates: [number, number][] = [
      [372, 1],
      [372, 4],
      [512, 8],
      [512, 32],
      [744, 12],
      [1860, 20],
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...rates),
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom(0, 1, 255),
        fc.uint8Array({ minLength: 1, maxLength: 40 }),
        ([f, d], inverse, t1, n, bytes) => {
          const r = rig();
          const c = card({ atr: Uint8Array.from([inverse ? 0x3f : 0x3b, 0x00]), inverse });
          r.line.insert(c);
          r.line.uart(setting({ inverse }));
          activate(r, 4_000_000);
          r.clock.runSync(100e6);
          // Both sides switch to the new frame, as after a PPS.
          r.line.uart(setting({ f, d, n, inverse, t1 }));
          (c as unknown as { port: { setUart(s: CardUartSetting): void } }).port.setUart(
            setting({ f, d, inverse, t1 }),
          );
          (c as unknown as { active: boolean }).active = false; // just listen
          c.received.length = 0;
          r.line.send(bytes);
          r.clock.runSync(1e9);
          expect(c.received).toEqual([...bytes]);
          expect(r.anomalies).toEqual([]);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('CardLine parity errors', () => {
  it('T=0: corrupted characters are repeated and arrive intact', () => {
    const r = rig(7);
    const c = card();
    r.line.insert(c);
    r.line.setFaults({ parityErrorRate: 0.25 });
    activate(r);
    r.clock.runSync(100e6);
    expect(r.rx.map((x) => x.byte)).toEqual([...T0_ATR]);
    const header = [0x00, 0xa4, 0x00, 0x00, 0x02];
    for (let i = 0; i < 3; i++) {
      c.received.length = 0;
      r.rx.length = 0;
      r.line.send(Uint8Array.from(header));
      r.clock.runSync(20e6);
      r.line.send(Uint8Array.from([0x3f, 0x00]));
      r.clock.runSync(20e6);
      expect(c.received).toEqual([...header, 0x3f, 0x00]);
      expect(r.rx.map((x) => [x.byte, x.status])).toEqual([
        [0xa4, RxStatus.Ok],
        [0x90, RxStatus.Ok],
        [0x00, RxStatus.Ok],
      ]);
    }
    expect(r.chars.some((ch) => ch.from === 'card' && ch.attempt > 0)).toBe(true);
    expect(r.chars.some((ch) => ch.from === 'reader' && ch.attempt > 0)).toBe(true);
    expect(c.parityErrors).toBeGreaterThan(0);
  });

  it('T=0: after 3 repetitions the reader reports ParityError', () => {
    const r = rig();
    r.line.insert(card());
    r.line.setFaults({ parityErrorRate: 1 });
    activate(r);
    r.clock.runSync(100e6);
    expect(r.rx.length).toBe(T0_ATR.length);
    expect(r.rx.every((x) => x.status === RxStatus.ParityError)).toBe(true);
    expect(r.chars.filter((ch) => ch.from === 'card').length).toBe(4 * T0_ATR.length);
  });

  it('T=1: no repetition, the first parity error is reported', () => {
    const r = rig(3);
    const c = card({ atr: T1_ATR, t1: true });
    r.line.insert(c);
    activate(r);
    r.clock.runSync(100e6);
    r.line.uart(setting({ t1: true }));
    r.line.setFaults({ parityErrorRate: 1 });
    r.rx.length = 0;
    r.chars.length = 0;
    r.line.send(Uint8Array.from([0x00, 0xc1, 0x01, 0xfe, 0x3e]));
    r.clock.runSync(50e6);
    expect(r.chars.every((ch) => ch.attempt === 0)).toBe(true);
    expect(c.parityErrors).toBe(5);
  });
});

describe('CardLine waiting time, power and pulls', () => {
  it('card_wait fires once, N etu after the last leading edge, unless characters are queued', () => {
    const r = rig();
    r.line.insert(card({ classes: [] })); // mute: no ATR
    activate(r);
    const t0 = r.clock.now();
    r.line.wait(9600);
    r.clock.runSync(2e9);
    expect(r.timeouts.map((t) => (t - t0) / ETU)).toEqual([expect.closeTo(9600, 6)]);
    // A character restarts the counter at its leading edge.
    r.line.wait(100);
    const t1 = r.clock.now();
    r.clock.runSync(50 * ETU);
    r.line.send(Uint8Array.from([1]));
    r.clock.runSync(1e9);
    expect((r.timeouts[1] - t1) / ETU).toBeCloseTo(150, 6);
    r.line.wait(0);
  });

  it("a waiting time that runs out while the reader's last character is in its slot fires when the slot ends", () => {
    // T=1 frame, N = 16: each reader character holds the transmitter for 12 + 16 = 28 etu; a
    // 19-etu CWT armed with the send runs out at 19 etu, inside that slot.
    const r = rig();
    r.line.insert(card({ classes: [] })); // listens, never answers
    activate(r);
    r.clock.runSync(100e6);
    r.line.uart(setting({ n: 16, t1: true }));
    const t0 = r.clock.now();
    r.line.send(Uint8Array.from([0x00, 0x00]));
    r.line.wait(19);
    r.clock.runSync(1e9);
    const reader = r.chars.filter((ch) => ch.from === 'reader');
    expect(reader.map((ch) => (ch.t - t0) / ETU)).toEqual([0, 28].map((v) => expect.closeTo(v, 6)));
    // Counted from the last leading edge (28 etu): reached at 47 etu, the slot ends at 56 etu.
    expect(r.timeouts.map((t) => (t - t0) / ETU)).toEqual([expect.closeTo(56, 6)]);
    // Shorter than one character: it fires as that character's slot ends, once.
    r.line.wait(5);
    const t1 = r.clock.now();
    r.line.send(Uint8Array.from([0x00]));
    r.clock.runSync(1e9);
    expect(r.timeouts.slice(1).map((t) => (t - t1) / ETU)).toEqual([expect.closeTo(28, 6)]);
  });

  it('a waiting time overdue while the reader sends fires at the deactivation that drops its queue', () => {
    const r = rig();
    r.line.insert(card({ classes: [] }));
    activate(r);
    r.clock.runSync(100e6);
    r.line.uart(setting({ n: 16, t1: true }));
    r.line.send(Uint8Array.from([0x00]));
    r.line.wait(5);
    r.clock.runSync(10 * ETU);
    expect(r.timeouts).toEqual([]);
    const tOff = r.clock.now();
    r.line.power(VoltageClass.Off);
    r.clock.runSync(1e6);
    expect(r.timeouts).toEqual([tOff]);
  });

  it('a class-A-only card stays mute at class C, answers at class A', () => {
    const r = rig();
    r.line.insert(card({ classes: [VoltageClass.A] }));
    activate(r, F372, VoltageClass.C);
    r.clock.runSync(100e6);
    expect(r.rx).toEqual([]);
    r.line.power(VoltageClass.Off);
    activate(r, F372, VoltageClass.A);
    r.clock.runSync(100e6);
    expect(r.rx.map((x) => x.byte)).toEqual([...T0_ATR]);
  });

  it('deactivation discards queued characters', () => {
    const r = rig();
    const c = card();
    r.line.insert(c);
    activate(r);
    r.clock.runSync(100e6);
    c.received.length = 0;
    r.line.send(new Uint8Array(20));
    r.clock.runSync(3 * 12 * ETU);
    r.line.power(VoltageClass.Off);
    r.clock.runSync(100e6);
    expect(c.received.length).toBeLessThanOrEqual(3);
  });

  it('a card pulled mid-character stops at once and the presence switch reports it', () => {
    const r = rig();
    const c = card({ atr: Uint8Array.from([0x3b, 0x00, ...new Array(13).fill(0x00)]) });
    r.line.insert(c);
    activate(r);
    r.clock.runSync(40e3 * 0 + (10_000 / F372) * 1e9 + 2.5 * ETU); // inside TS
    r.line.pull();
    r.clock.runSync(100e6);
    expect(r.presence).toEqual([true, false]);
    expect(r.line.present()).toBe(false);
    // TS was cut after 2.5 etu: the rest of the frame reads high (the reader's pull-up), the
    // reader sees FF with a parity error and waits for a repetition that never comes.
    expect(r.anomalies).toEqual(['reader ff parity error']);
    expect(r.rx).toEqual([]);
    expect(() => r.line.pull()).toThrow(LineError);
  });

  it('pulling at any instant never leaves a character from the card afterwards', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60_000_000 }), (pullAt) => {
        const r = rig();
        r.line.insert(card());
        activate(r);
        r.clock.runSync(pullAt);
        r.line.send(Uint8Array.from([0x00, 0xb0, 0x00, 0x00, 0x00]));
        r.clock.runSync(pullAt % 7_000_000);
        r.line.pull();
        const tPull = r.clock.now();
        r.clock.runSync(200e6);
        expect(r.chars.filter((ch) => ch.from === 'card' && ch.t >= tPull)).toEqual([]);
        expect(r.rx.filter((x) => x.t > tPull + 10 * ETU)).toEqual([]);
      }),
      { numRuns: 40 },
    );
  });

  it('rejects settings outside the model with a typed error', () => {
    const r = rig();
    expect(() => r.line.uart(setting({ d: 0 }))).toThrow(LineError);
    expect(() => r.line.uart(setting({ f: 8, d: 2 }))).toThrow(LineError);
    expect(() => r.line.uart(setting({ n: 256 }))).toThrow(LineError);
    expect(() => r.line.clockHz(-1)).toThrow(LineError);
  });
});
