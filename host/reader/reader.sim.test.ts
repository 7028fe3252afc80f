// End to end: the driver → the real firmware.wasm in the simulator → virtual cards, in process,
// on the simulation's virtual clock.
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { NS_PER_MS } from '../../simulator/engine/virtual-clock.ts';
import { formatCardBasic, Psam, readSscBasic } from '../cards/index.ts';
import { createCard } from '../../simulator/cards.ts';
import { Simulation } from '../../simulator/simulation.ts';
import { SSC3_PERSONAS } from '../../simulator/profiles/personas.ts';
import { virtualTime } from '../ccid/testing/virtual-time.ts';
import { streamTransport } from '../transport/stream-transport.ts';
import { Reader, type CardEvent } from './reader.ts';
import { verifyPin } from '../pin/pin-entry.ts';
import { PowerSelect } from '../../protocol/ccid-constants.ts';
import { VoltageClass } from '../../firmware/hal.ts';
import { EXCHANGE_LIMIT_DEFAULT_S } from '../../protocol/native-constants.ts';
import { resolveCardSpec } from '../../simulator/profiles/index.ts';
import { VirtualCard } from '../../simulator/card/virtual-card.ts';
import type { CardContacts } from '../../simulator/card/contract.ts';

/** A social security card whose READ RECORD works for an hour, sending a NULL every 2000 etu. */
function endlessCard(): CardContacts {
  const spec = resolveCardSpec('ssc3:li-na', {});
  const t = spec.transport;
  return new VirtualCard(
    {
      ...t,
      processingUsByIns: { ...t.processingUsByIns, B2: 3_600_000_000 },
      t0NullIntervalEtu: 2000,
    },
    spec.os,
  );
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function simRig(
  card: string | CardContacts = 'ssc3:li-na',
  options: { profile?: 'auto' | 'compat'; seed?: number; powerSelect?: PowerSelect } = {},
) {
  const sim = await Simulation.create({ seed: options.seed ?? 7, trace: false });
  sim.insertCard(0, typeof card === 'string' ? createCard(card, { prng: sim.prng }) : card);
  sim.insertCard(1, createCard('psam', { prng: sim.prng }));
  const vt = virtualTime(sim.clock);
  let streams = 0;
  let stream: Duplex | undefined;
  const reader = new Reader(
    streamTransport('sim:reader', () => {
      streams++;
      stream = sim.hostStream();
      return stream;
    }),
    { clock: sim.clientClock, profile: options.profile, powerSelect: options.powerSelect },
  );
  const events: string[] = [];
  const onCard = (name: string) => (e: CardEvent) => events.push(`${name}:${e.slot}`);
  reader.on('attached', () => events.push('attached'));
  reader.on('detached', (_r, e) => events.push(`detached:${e.code}`));
  reader.on('card-inserted', onCard('inserted'));
  reader.on('card-removed', onCard('removed'));
  closers.push(() => reader.close());
  await vt.settle(reader.start());
  await vt.advance(5);
  return { sim, vt, reader, events, streams: () => streams, stream: () => stream! };
}

describe('Reader on the simulated reader (firmware.wasm)', () => {
  it('attaches in the native profile and reads a 3.0 card through the PSAM', async () => {
    const r = await simRig();
    expect(r.reader.capabilities).toMatchObject({ profile: 'native', apduLevel: true });
    expect(r.events).toEqual(['attached', 'inserted:0', 'inserted:1']);
    const card = await r.vt.settle(r.reader.connect(0));
    const psam = await r.vt.settle(r.reader.connect(1));
    const info = await r.vt.settle(readSscBasic(card, { psam: new Psam(psam) }));
    const persona = SSC3_PERSONAS.find((p) => p.id === 'li-na')!;
    expect(info).toMatchObject({ name: persona.name, socialSecurityNumber: persona.ssn });
    expect(formatCardBasic(info).split('|')).toHaveLength(12);
  });

  it('powers every card at class A (5 MHz) by default; a T=1 card’s first block after the PPS gets through', async () => {
    const r = await simRig('ssc3-t1');
    const card = await r.vt.settle(r.reader.connect(0));
    const psam = await r.vt.settle(r.reader.connect(1));
    for (const slot of [0, 1]) {
      expect(r.sim.reader.lines[slot].voltage()).toBe(VoltageClass.A);
      expect(r.sim.reader.lines[slot].clockRateHz()).toBe(5_000_000);
      expect(r.sim.lineCounters(slot)).toMatchObject({ activations: 1, anomalies: 0 });
    }
    // PPS to TA1 = 96, then the S(IFS) exchange and an APDU, each block sent once.
    expect(r.sim.reader.lines[0].readerSetting()).toMatchObject({ f: 512, d: 32, t1: true });
    const before = r.sim.lineCounters(0).readerCharacters;
    await r.vt.settle(readSscBasic(card, { psam: new Psam(psam) }));
    expect(r.sim.lineCounters(0)).toMatchObject({ anomalies: 0, repetitions: 0 });
    expect(r.sim.lineCounters(0).readerCharacters).toBeGreaterThan(before);
  });

  it('powerSelect automatic: the reader chooses, class C first (the SSC is mute there), then B', async () => {
    const r = await simRig('ssc3:li-na', { powerSelect: PowerSelect.Automatic });
    await r.vt.settle(r.reader.connect(0));
    expect(r.sim.reader.lines[0].voltage()).toBe(VoltageClass.B);
    expect(r.sim.reader.lines[0].clockRateHz()).toBe(4_000_000);
    expect(r.sim.lineCounters(0).activations).toBe(2);
  });

  it('a card whose class indicator leaves out class A is powered again at automatic', async () => {
    // TD1 80, TD2 1F (T=15), TA3 02: class B only; TCK.
    const r = await simRig('atr:3B80801F021D');
    const session = await r.vt.settle(r.reader.connect(0));
    expect(Buffer.from(session.atr).toString('hex')).toBe('3b80801f021d');
    // A (refused: ICC_CLASS_NOT_SUPPORTED), then automatic: C (the card lists B only), then B.
    expect(r.sim.lineCounters(0).activations).toBe(3);
    expect(r.sim.reader.lines[0].voltage()).toBe(VoltageClass.B);
  });

  it('a card pulled mid-read: typed error and card-removed; the next card reads fine', async () => {
    const r = await simRig();
    const t0 = r.vt.now();
    const full = await r.vt.settle(
      (async () => {
        const card = await r.reader.connect(0);
        const psam = await r.reader.connect(1);
        return readSscBasic(card, { psam: new Psam(psam) });
      })(),
    );
    const readMs = r.vt.now() - t0;
    expect(full.name).toBe('李娜');
    r.sim.removeCard(0);
    r.sim.insertCard(0, createCard('ssc3:li-na', { prng: r.sim.prng }));
    await r.vt.advance(50);
    expect(r.events.slice(-2)).toEqual(['removed:0', 'inserted:0']);

    const card = await r.vt.settle(r.reader.connect(0));
    const psam = await r.vt.settle(r.reader.connect(1));
    const read = readSscBasic(card, { psam: new Psam(psam) });
    r.sim.clock.schedule((readMs / 2) * NS_PER_MS, () => r.sim.removeCard(0));
    const error = await r.vt.settle(read).catch((e: unknown) => e);
    // The card application maps the driver's error to the national code −2 (无卡).
    expect(error).toMatchObject({ code: -2 });
    expect((error as Error & { details: { cause: unknown } }).details.cause).toMatchObject({
      code: 'card-removed',
    });
    expect(r.events.slice(-1)).toEqual(['removed:0']);
    await expect(card.transmit(Uint8Array.of(0, 0xb0, 0, 0))).rejects.toMatchObject({
      code: 'card-removed',
    });

    const persona = SSC3_PERSONAS[1];
    r.sim.insertCard(0, createCard(`ssc3:${persona.id}`, { prng: r.sim.prng }));
    await r.vt.advance(50);
    expect(r.events.slice(-1)).toEqual(['inserted:0']);
    const card2 = await r.vt.settle(r.reader.connect(0));
    const info = await r.vt.settle(readSscBasic(card2, { psam: new Psam(psam) }));
    expect(info).toMatchObject({ name: persona.name, socialSecurityNumber: persona.ssn });
  });

  it('a lost link: reader-detached, then reopened, renegotiated and attached', async () => {
    const r = await simRig();
    const card = await r.vt.settle(r.reader.connect(0));
    r.stream().destroy();
    await r.vt.advance(1);
    expect(r.events).toEqual([
      'attached',
      'inserted:0',
      'inserted:1',
      'detached:reader-detached',
      'removed:0',
      'removed:1',
    ]);
    await expect(card.transmit(Uint8Array.of(0, 0xa4, 0, 0))).rejects.toMatchObject({
      code: 'reader-detached',
    });
    await r.vt.advance(1000);
    expect(r.reader.state).toBe('attached');
    expect(r.streams()).toBe(2);
    expect(r.events.slice(-3)).toEqual(['attached', 'inserted:0', 'inserted:1']);
    const again = await r.vt.settle(r.reader.connect(0));
    const psam = await r.vt.settle(r.reader.connect(1));
    const info = await r.vt.settle(readSscBasic(again, { psam: new Psam(psam) }));
    expect(info.name).toBe('李娜');
  });

  it('a reader restarted on the same link (power cut) is noticed and renegotiated', async () => {
    const r = await simRig();
    await r.vt.settle(r.reader.connect(0));
    r.sim.powerCut();
    await r.vt.advance(20_000);
    expect(r.events).toContain('detached:reader-detached');
    expect(r.reader.state).toBe('attached');
    expect(r.reader.capabilities?.profile).toBe('native');
    const card = await r.vt.settle(r.reader.connect(0));
    const psam = await r.vt.settle(r.reader.connect(1));
    const info = await r.vt.settle(readSscBasic(card, { psam: new Psam(psam) }));
    expect(info.name).toBe('李娜');
  });

  it('keeps an exclusive transaction whole against another session on the real firmware', async () => {
    const r = await simRig();
    const a = await r.vt.settle(r.reader.connect(0));
    const b = await r.vt.settle(r.reader.connect(0));
    const order: string[] = [];
    const select = Uint8Array.from([
      0x00,
      0xa4,
      0x04,
      0x00,
      0x0f,
      ...new TextEncoder().encode('sx1.sh.社会保障').subarray(0, 15),
    ]);
    const inA = a.transaction(async () => {
      for (let i = 0; i < 3; i++) {
        await a.transmit(select);
        order.push(`a${i}`);
      }
    });
    const inB = (async () => {
      for (let i = 0; i < 3; i++) {
        await b.transmit(Uint8Array.of(0x00, 0x84, 0x00, 0x00, 0x04));
        order.push(`b${i}`);
      }
    })();
    await r.vt.settle(Promise.all([inA, inB]));
    expect(order.slice(0, 3)).toEqual(['a0', 'a1', 'a2']);
  });

  it('reads the card in compat too: TPDU level, the driver running GET RESPONSE for T=0', async () => {
    const r = await simRig('ssc3:wang-zhe', { profile: 'compat' });
    expect(r.reader.capabilities).toMatchObject({ profile: 'compat', apduLevel: false });
    const card = await r.vt.settle(r.reader.connect(0));
    expect(card.protocol).toBe(0);
    const psam = await r.vt.settle(r.reader.connect(1));
    const info = await r.vt.settle(readSscBasic(card, { psam: new Psam(psam) }));
    expect(info).toMatchObject({
      name: SSC3_PERSONAS[1].name,
      socialSecurityNumber: SSC3_PERSONAS[1].ssn,
    });
  });

  it('refuses the T=1 card in compat with NotSupportedInCompatError, and reads it in native', async () => {
    const compat = await simRig('ssc3-t1:li-na', { profile: 'compat' });
    await expect(compat.vt.settle(compat.reader.connect(0))).rejects.toMatchObject({
      code: 'not-supported-in-compat',
    });
    const native = await simRig('ssc3-t1:li-na');
    const card = await native.vt.settle(native.reader.connect(0));
    expect(card.protocol).toBe(1);
    const psam = await native.vt.settle(native.reader.connect(1));
    const info = await native.vt.settle(readSscBasic(card, { psam: new Psam(psam) }));
    expect(info.name).toBe('李娜');
  });

  it('reports HELLO and device information; refuses what the firmware lacks with a typed error', async () => {
    const r = await simRig();
    const hello = r.reader.capabilities!.hello!;
    expect(hello.slots).toHaveLength(3);
    expect(hello.serialNumber.length).toBeGreaterThan(0);
    const info = await r.vt.settle(r.reader.deviceInfo());
    expect(info.serialNumber).toBe(hello.serialNumber);
    if (!r.reader.capabilities!.beeper) {
      await expect(r.reader.beep()).rejects.toMatchObject({ code: 'not-supported' });
    } else {
      await r.vt.settle(r.reader.beep());
    }
  });

  it('runs PIN entry on the keypad through the session (digits counted, never seen)', async () => {
    const r = await simRig();
    const card = await r.vt.settle(r.reader.connect(0));
    r.sim.typeKeys('1 2 3 4 5 6 enter');
    const counts: number[] = [];
    const outcome = await r.vt.settle(
      card.transaction(async () => {
        await card.transmit(
          Uint8Array.from([
            0x00,
            0xa4,
            0x04,
            0x00,
            0x0f,
            ...Buffer.from('7378312E73682EC9E7BBE1B1A3D5CF', 'hex'),
          ]),
        );
        return verifyPin({ slot: card, onProgress: (p) => counts.push(p.digits) });
      }),
    );
    expect(outcome).toMatchObject({ outcome: 'ok' });
    // Progress rides on the reader's time extensions (about one a second): counts, rising.
    expect(counts.length).toBeGreaterThan(0);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(Math.max(...counts)).toBeLessThanOrEqual(6);
    const compat = await simRig('ssc3:li-na', { profile: 'compat' });
    const c = await compat.vt.settle(compat.reader.connect(0));
    await expect(compat.vt.settle(verifyPin({ slot: c }))).rejects.toMatchObject({
      code: 'not-supported-in-compat',
    });
  });

  it('on a noisy host link every read ends, correct or with a typed error', async () => {
    const r = await simRig('ssc3:li-na', { seed: 11 });
    r.sim.reader.hostLink.setFaults({ noise: 0.03 });
    const outcomes: string[] = [];
    let longest = 0;
    for (let i = 0; i < 12; i++) {
      const t0 = r.vt.now();
      const result = await r.vt
        .settle(
          (async () => {
            const reader = r.reader.attached
              ? r.reader
              : await r.vt.settle(new Promise((res) => r.reader.once('attached', res)));
            void reader;
            const card = await r.reader.connect(0);
            const psam = await r.reader.connect(1);
            return readSscBasic(card, { psam: new Psam(psam) });
          })(),
          600_000,
        )
        .then(
          (info) => (info.name === '李娜' ? 'ok' : 'WRONG DATA'),
          (e: { code?: unknown }) =>
            typeof e?.code === 'number' || typeof e?.code === 'string'
              ? 'typed error'
              : `UNTYPED ${String(e)}`,
        );
      outcomes.push(result);
      longest = Math.max(longest, r.vt.now() - t0);
      await r.vt.advance(3000); // let a detached reader come back
    }
    expect(outcomes.filter((o) => o !== 'ok' && o !== 'typed error')).toEqual([]);
    expect(outcomes).toContain('ok');
    // With the reader's time-extension cadence known (ConfigRead), a lost answer costs two
    // intervals + 3 s; without it, libccid's whole-exchange bound (232 s for this card).
    const interval = r.reader.capabilities?.timeExtensionIntervalMs;
    expect(longest).toBeLessThan(interval === undefined ? 600_000 : 60_000);
    r.sim.reader.hostLink.setFaults({ noise: 0 });
    await r.vt.advance(10_000);
    const card = await r.vt.settle(r.reader.connect(0));
    const psam = await r.vt.settle(r.reader.connect(1));
    await expect(r.vt.settle(readSscBasic(card, { psam: new Psam(psam) }))).resolves.toMatchObject({
      name: '李娜',
    });
  });

  for (const profile of ['auto', 'compat'] as const) {
    it(`parity errors on a T=0 card (${profile}): an answer is an error or this command's own, never another's`, async () => {
      // A reader character corrupted on all its repetitions reaches the card as a parity error:
      // the card misses it and waits on. Powered after such an exchange (firmware at APDU level,
      // driver at TPDU level), it never takes the next command's header for the rest of this one.
      const r = await simRig('ssc3:li-na', { profile, seed: 5 });
      const psam = await r.vt.settle(r.reader.connect(1));
      r.sim.reader.lines[1].setFaults({ parityErrorRate: 0.3 });
      const terminal = Uint8Array.of(0x00, 0xb0, 0x96, 0x00, 0x06);
      const challenge = Uint8Array.of(0x00, 0x84, 0x00, 0x00, 0x08);
      const counts = { ok: 0, failed: 0 };
      const wrong: string[] = [];
      for (let i = 0; i < 120; i++) {
        const apdu = i % 2 ? challenge : terminal;
        const answer = await r.vt.settle(psam.transmit(apdu), 600_000).catch((e: unknown) => e);
        if (!(answer instanceof Uint8Array)) {
          expect(answer).toMatchObject({ readerError: true });
          counts.failed++;
          continue;
        }
        const hex = Buffer.from(answer).toString('hex');
        const right =
          apdu === terminal ? hex === '4403050000019000' : /^[0-9a-f]{16}9000$/.test(hex);
        if (right) counts.ok++;
        else wrong.push(`${i}: ${hex}`);
      }
      expect(wrong).toEqual([]);
      expect(counts.ok).toBeGreaterThan(10);
      expect(counts.failed).toBeGreaterThan(10);
      expect(r.sim.reader.panics).toEqual([]);
    });
  }

  it('a card that works for an hour: card-mute at the reader’s whole-exchange limit, then the card works again', async () => {
    const r = await simRig(endlessCard());
    expect(r.reader.capabilities?.exchangeLimitMs).toBe(EXCHANGE_LIMIT_DEFAULT_S * 1000);
    const card = await r.vt.settle(r.reader.connect(0));
    const select = Uint8Array.of(0x00, 0xa4, 0x00, 0x00, 0x02, 0x3f, 0x00);
    expect([...(await r.vt.settle(card.transmit(select))).slice(-2)]).toEqual([0x90, 0x00]);
    const t0 = r.vt.now();
    const read = Uint8Array.of(0x00, 0xb2, 0x07, (0x05 << 3) | 4, 0x0b);
    const e = await r.vt.settle(card.transmit(read), 600_000).catch((x: unknown) => x);
    // The reader ends it (ICC_MUTE, the card deactivated) before the driver's own bound.
    expect(e).toMatchObject({ code: 'card-mute' });
    expect(r.vt.now() - t0).toBeGreaterThanOrEqual(EXCHANGE_LIMIT_DEFAULT_S * 1000);
    expect(r.vt.now() - t0).toBeLessThan(EXCHANGE_LIMIT_DEFAULT_S * 1000 + 1000);
    // The same session goes on: the card is powered again for the next APDU.
    expect([...(await r.vt.settle(card.transmit(select))).slice(-2)]).toEqual([0x90, 0x00]);
    expect(r.sim.reader.panics).toEqual([]);
  });
});
