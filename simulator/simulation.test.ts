// The whole simulator with the real firmware and real virtual cards, driven by an asynchronous
// host client in the same process (as the host driver will be) on the virtual client clock.
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  NATIVE_MAX_MESSAGE_LENGTH,
  PcToRdr,
  SerialDecoder,
  decodeMessage,
  encodeFrame,
  encodeMessage,
  isMessageType,
  type PcToRdrMessage,
  type RdrToPcMessage,
} from '../protocol/index.ts';
import { createCard } from './cards.ts';
import type { ClientClock } from './engine/client-clock.ts';
import { Simulation } from './simulation.ts';
import type { FaultPlan } from './faults.ts';

const SSSE = [
  0x73, 0x78, 0x31, 0x2e, 0x73, 0x68, 0x2e, 0xc9, 0xe7, 0xbb, 0xe1, 0xb1, 0xa3, 0xd5, 0xcf,
];

/** A host client: one CCID command at a time, answers awaited with a virtual timeout. */
function client(sim: Simulation, clock: ClientClock) {
  const stream = sim.hostStream();
  const decoder = new SerialDecoder({ maxMessageLength: NATIVE_MAX_MESSAGE_LENGTH });
  let pending: ((m: RdrToPcMessage) => void) | undefined;
  stream.on('data', (chunk: Buffer) => {
    for (const e of decoder.push(new Uint8Array(chunk))) {
      if (e.kind !== 'frame' || isMessageType(e.message[0], 'pc-to-rdr')) continue;
      pending?.(decodeMessage(e.message, 'rdr-to-pc'));
    }
  });
  return (m: PcToRdrMessage, timeoutMs = 10_000) =>
    new Promise<RdrToPcMessage & { at: number }>((resolve, reject) => {
      const timer = clock.setTimeout(() => reject(new Error(`no answer to ${m.type}`)), timeoutMs);
      pending = (answer) => {
        clock.clearTimeout(timer);
        resolve({ ...answer, at: clock.now() });
      };
      stream.write(encodeFrame(encodeMessage(m)));
    });
}

async function transaction(seed: number, faults?: FaultPlan) {
  const sim = await Simulation.create({ seed, faults });
  sim.insertCard(0, createCard('ssc3', { prng: sim.prng }));
  sim.insertCard(1, createCard('psam', { prng: sim.prng }));
  const send = client(sim, sim.clientClock);
  const running = sim.run();
  const answers: (RdrToPcMessage & { at: number })[] = [];
  try {
    answers.push(await send({ type: PcToRdr.IccPowerOn, slot: 0, seq: 1, powerSelect: 0 }));
    answers.push(await send({ type: PcToRdr.IccPowerOn, slot: 1, seq: 2, powerSelect: 0 }));
    const select = [0x00, 0xa4, 0x04, 0x00, SSSE.length, ...SSSE];
    answers.push(
      await send({
        type: PcToRdr.XfrBlock,
        slot: 0,
        seq: 3,
        bwi: 0,
        levelParameter: 0,
        data: Uint8Array.from(select),
      }),
    );
  } finally {
    await sim.stop();
    await running;
  }
  return { sim, answers, trace: sim.trace!.text() };
}

afterEach(() => vi.restoreAllMocks());

describe('Simulation end to end', () => {
  it('runs a card transaction with an asynchronous client on virtual time, without the wall clock', async () => {
    const wall = vi.fn();
    const perf = performance.now.bind(performance);
    vi.spyOn(performance, 'now').mockImplementation(() => {
      if (
        /simulator\/(?!.*\.test\.ts)/.test(
          (new Error().stack ?? '').split('\n').slice(2).join('\n'),
        )
      )
        wall();
      return perf();
    });
    const { sim, answers, trace } = await transaction(5);
    expect(wall).not.toHaveBeenCalled();
    expect(sim.reader.panics).toEqual([]);
    const data = answers.map((a) => ('data' in a ? Buffer.from(a.data).toString('hex') : ''));
    expect(data[0]).toMatch(/^3b6d0000/); // the SSC ATR
    expect(data[2]).toBe('611e'); // TPDU level: the host runs GET RESPONSE
    // Virtual time moved on as the card line says (activation, ATR, 20 characters at 9600-ish).
    expect(answers[2].at).toBeGreaterThan(answers[1].at);
    expect(trace).toMatch(/slot1  C>R 3B/);
  });

  it('one seed gives one trace byte for byte; another seed with random faults gives another', async () => {
    const a = await transaction(5);
    const b = await transaction(5);
    expect(b.trace).toBe(a.trace);
    const faults: FaultPlan = { parityErrorRate: 0.05, host: { noise: 0 } };
    const c = await transaction(6, faults);
    const d = await transaction(6, faults);
    expect(d.trace).toBe(c.trace);
    expect(c.trace).not.toBe(a.trace);
    expect(c.trace).toMatch(/~/); // faults were injected…
    expect(c.answers.map((x) => x.type)).toEqual(a.answers.map((x) => x.type)); // …and recovered from
  });

  it('a card pulled at any instant of the transaction: every command is answered, no panic', async () => {
    // Activation, the SAM's activation and the SELECT span about 0..110 ms of virtual time.
    const instants = fc.sample(fc.integer({ min: 0, max: 130_000 }), { numRuns: 40, seed: 11 });
    for (const pullAtUs of instants) {
      const { sim, answers } = await transaction(7, { pullAtMs: pullAtUs / 1000 });
      expect(sim.reader.panics).toEqual([]);
      expect(answers).toHaveLength(3);
      const last = answers[2] as { commandStatus: number; iccStatus: number };
      if (last.commandStatus !== 0) expect(last.iccStatus).not.toBe(0); // failed: card gone
    }
  });
});

describe('Simulation hooks for tests and benchmarks', () => {
  it('counts each line’s characters, logs each command with its processing time, and lets observers watch', async () => {
    const sim = await Simulation.create({ seed: 3 });
    const seen: string[] = [];
    let characters = 0;
    const stop = sim.observeLines({
      character: (slot, _t, from, _b, info) => {
        if (slot !== 0 || info.attempt > 0) return;
        characters++;
        if (from === 'card' && !seen.includes('card')) seen.push('card');
      },
      event: (slot, _t, what) => {
        if (slot === 0 && what.startsWith('VCC on')) seen.push(what);
      },
    });
    expect(sim.insertCard(0, 'ssc3:li-na')).toBe('ssc3:li-na');
    const send = client(sim, sim.clientClock);
    const running = sim.run();
    const xfr = (seq: number, bytes: number[]) =>
      send({
        type: PcToRdr.XfrBlock,
        slot: 0,
        seq,
        bwi: 0,
        levelParameter: 0,
        data: Uint8Array.from(bytes),
      });
    const hexOf = (a: unknown) => Buffer.from((a as { data: Uint8Array }).data).toString('hex');
    try {
      await send({ type: PcToRdr.IccPowerOn, slot: 0, seq: 1, powerSelect: 1 });
      expect(hexOf(await xfr(2, [0x00, 0xa4, 0x04, 0x00, SSSE.length, ...SSSE]))).toBe('611e');
      // TPDU level: no GET RESPONSE yet, so the card side has answered none.
      expect(sim.cardCommands.map((c) => c.ins)).toEqual([0xa4]);
      expect(hexOf(await xfr(3, [0x00, 0xc0, 0x00, 0x00, 0x1e]))).toMatch(/^6f1c.*9000$/);
    } finally {
      stop();
      await sim.stop();
      await running;
    }
    const counters = sim.lineCounters(0);
    // From the card: the ATR (17), INS, 61 1E, then C0, 30 bytes and 90 00; from us: two headers
    // and the 15 bytes of the AID.
    expect(counters).toMatchObject({ cardCharacters: 17 + 3 + 33, readerCharacters: 5 + 15 + 5 });
    expect(counters).toMatchObject({ repetitions: 0, anomalies: 0, activations: 1 });
    expect(counters.readerCharacters + counters.cardCharacters).toBe(characters);
    expect(seen).toEqual(['VCC on, class A', 'card']);
    // SELECT by name at the profile's processing time, then the card side's GET RESPONSE.
    expect(sim.cardCommands.map((c) => [c.slot, c.ins])).toEqual([
      [0, 0xa4],
      [0, 0xc0],
    ]);
    expect(sim.cardCommands[0].processingNs).toBeGreaterThan(0);
  });
});
