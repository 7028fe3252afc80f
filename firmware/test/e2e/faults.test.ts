// End to end in the simulator (fast mode) with cards that misbehave: one that refuses PPS, slow
// cards (T=0 NULL procedure bytes, T=1 S(WTX)), parity errors from the simulator's fault plan,
// a card pulled mid-command. Each ends in the right response or the right CCID error, and the
// slot recovers: the next power-on and command work.
import { describe, expect, it } from 'vitest';
import {
  CcidError,
  CommandStatus,
  EXCHANGE_LIMIT_DEFAULT_S,
  IccStatus,
  PcToRdr,
  RdrToPc,
  SLOT_ICC_CHANGED,
  SLOT_ICC_PRESENT,
  fromHex,
} from '../../../protocol/index.ts';
import { SSSE_AID } from '../../../protocol/cards/ssc.ts';
import { createCard } from '../../../simulator/cards.ts';
import { TIME_EXTENSION_INTERVAL_MS } from '../../src/timing.ts';
import { sscPersona } from '../../../simulator/profiles/index.ts';
import { bench, cardWith, hex, type Answer, type Bench, type WireProfile } from './e2e-kit.ts';
import { CcidFailure, compatSession, type TpduSession } from './tpdu-host.ts';

const SSSE = [...fromHex(SSSE_AID)];
const SELECT_SSSE = [0x00, 0xa4, 0x04, 0x00, SSSE.length, ...SSSE, 0x00];
/** EF05 record 07 (card number: tag 07, 9 characters) with its exact Le. */
const READ_CARD_NO = [0x00, 0xb2, 0x07, (0x05 << 3) | 4, 0x0b];
const cardNoRecord = (spec: string) =>
  hex([0x07, 0x09, ...Buffer.from(sscPersona(spec).cardNo, 'latin1'), 0x90, 0x00]);

const ok = { type: RdrToPc.DataBlock, commandStatus: CommandStatus.Ok };
const dataHex = (a: Answer) => hex((a as { data: Uint8Array }).data);

/** Runs `apdu` the way the profile does it: the firmware (native) or the host (compat). */
async function apdu(b: Bench, wire: WireProfile, session: TpduSession | undefined, c: number[]) {
  if (wire === 'native') {
    const a = await b.host.apdu(0, c);
    expect(a).toMatchObject(ok);
    return dataHex(a);
  }
  return hex(await session!.transmit(c));
}

async function open(b: Bench, wire: WireProfile, attempts = 1): Promise<TpduSession | undefined> {
  if (wire === 'native') {
    expect(await b.host.powerOn(0)).toMatchObject(ok);
    return undefined;
  }
  // As a PC/SC client reconnects when SCardConnect fails (e.g. a PPS lost to a parity error).
  for (let i = 1; ; i++) {
    try {
      return await compatSession(b.host, 0);
    } catch (e) {
      if (!(e instanceof CcidFailure) || i >= attempts) throw e;
    }
  }
}

/** Power off, power on, SELECT and READ RECORD: the slot works again. */
async function recovers(b: Bench, wire: WireProfile, spec: string) {
  await b.host.powerOff(0);
  const session = await open(b, wire);
  expect(await apdu(b, wire, session, SELECT_SSSE)).toMatch(/^6F 1C 84 0F .*90 00$/);
  expect(await apdu(b, wire, session, READ_CARD_NO)).toBe(cardNoRecord(spec));
  expect(b.sim.reader.panics).toEqual([]);
}

describe('a card that refuses PPS', () => {
  for (const refusal of ['refuse-silent', 'answer-wrong'] as const) {
    it(`native (${refusal}): warm reset, no second PPS, the card runs at Fd/Dd`, async () => {
      const card = cardWith('ssc3-t1', (t) => ({ ...t, pps: refusal }));
      const b = await bench([card], { profile: 'native' });
      try {
        const on = await b.host.powerOn(0);
        expect(on).toMatchObject(ok);
        expect(dataHex(on)).toMatch(/^3B FD 96/);
        expect(await b.host.getParameters(0)).toMatchObject({
          parameters: { protocol: 1, fi: 1, di: 1 },
        });
        const trace = b.sim.trace!.text();
        expect(trace.match(/slot0 {2}R>C FF 11 96 78/g)).toHaveLength(1); // one PPS only
        expect(trace).toMatch(/slot0 {2}RST low/); // the warm reset after it
        expect(await apdu(b, 'native', undefined, SELECT_SSSE)).toMatch(/^6F 1C .*90 00$/);
        expect(await apdu(b, 'native', undefined, READ_CARD_NO)).toBe(cardNoRecord('ssc3-t1'));
        await recovers(b, 'native', 'ssc3-t1');
      } finally {
        await b.stop();
      }
    });
  }

  it("compat: the host's PPS fails with ICC_MUTE; powered again without PPS the card works", async () => {
    const card = cardWith('ssc3-t1', (t) => ({ ...t, pps: 'refuse-silent' }));
    const b = await bench([card], { profile: 'compat' });
    try {
      expect(await b.host.powerOn(0)).toMatchObject(ok);
      const pps = await b.host.xfr(0, [0xff, 0x11, 0x96, 0x78]);
      expect(pps).toMatchObject({ commandStatus: CommandStatus.Failed, error: CcidError.IccMute });
      // libccid powers the card again and goes on at the ATR's defaults.
      expect(await b.host.powerOn(0)).toMatchObject(ok);
      const params = await b.host.getParameters(0);
      expect(params).toMatchObject({ parameters: { protocol: 1, fi: 1, di: 1 } });
      const blocks = [0x00, 0xc1, 0x01, 0xfe, 0x3e];
      expect(dataHex(await b.host.xfr(0, blocks))).toBe('00 E1 01 FE 1E');
    } finally {
      await b.stop();
    }
  });
});

describe('slow cards', () => {
  for (const wire of ['native', 'compat'] as const) {
    it(`T=0 NULL procedure bytes for 3 s: time extensions, then the answer (${wire})`, async () => {
      const card = cardWith('ssc3', (t) => ({
        ...t,
        processingUsByIns: { ...t.processingUsByIns, B2: 3_000_000 },
        t0NullIntervalEtu: 4_800,
      }));
      const b = await bench([card], { profile: wire });
      try {
        const session = await open(b, wire);
        await apdu(b, wire, session, SELECT_SSSE);
        const before = b.host.timeExtensions().length;
        const sent = b.sim.clientClock.now();
        expect(await apdu(b, wire, session, READ_CARD_NO)).toBe(cardNoRecord('ssc3'));
        const extensions = b.host.timeExtensions().slice(before);
        // The host never waits a second without word: a time extension at least every
        // TIME_EXTENSION_INTERVAL_MS while the card sends NULLs (every 4800 etu ≈ 446 ms at
        // 4 MHz); the answer at the end.
        expect(extensions.length).toBeGreaterThanOrEqual(2);
        const times = [sent, ...extensions.map((e) => e.at), b.host.received.at(-1)!.at];
        for (let i = 1; i < times.length; i++)
          expect(times[i] - times[i - 1]).toBeLessThanOrEqual(TIME_EXTENSION_INTERVAL_MS + 5);
        expect(times.at(-1)! - sent).toBeGreaterThanOrEqual(3000);
        for (const te of extensions) expect(te).toMatchObject({ iccStatus: 0, error: 1 });
        expect(b.sim.trace!.text()).toMatch(/slot0 {2}C>R 60/);
        await recovers(b, wire, 'ssc3');
      } finally {
        await b.stop();
      }
    });

    it(`T=1 S(WTX) for 3 s: time extensions with the multiplier, then the answer (${wire})`, async () => {
      const card = cardWith('ssc3-t1', (t) => ({
        ...t,
        processingUsByIns: { ...t.processingUsByIns, B2: 3_000_000 },
        t1WtxAfterUs: 200_000,
      }));
      const b = await bench([card], { profile: wire });
      try {
        const session = await open(b, wire);
        await apdu(b, wire, session, SELECT_SSSE);
        expect(await apdu(b, wire, session, READ_CARD_NO)).toBe(cardNoRecord('ssc3-t1'));
        const trace = b.sim.trace!.text();
        expect(trace).toMatch(/slot0 {2}C>R 00 C3 01 [0-9A-F]{2}/); // S(WTX request)
        expect(trace).toMatch(/slot0 {2}R>C 00 E3 01 [0-9A-F]{2}/); // S(WTX response)
        if (wire === 'native') {
          const te = b.host.timeExtensions();
          expect(te.length).toBeGreaterThanOrEqual(1);
          expect(te.every((a) => (a as { error: number }).error >= 1)).toBe(true);
        }
        await recovers(b, wire, 'ssc3-t1');
      } finally {
        await b.stop();
      }
    });
  }
});

describe('a card that never finishes (the whole-exchange limit)', () => {
  // An hour of processing for READ RECORD, with a NULL every 2000 etu (T=0) or an S(WTX)
  // whenever 200 ms pass (T=1): each wait is short, the exchange has no end of its own.
  const HOUR_US = 3_600_000_000;
  const cases = [
    ['ssc3', 'native', { t0NullIntervalEtu: 2000 }],
    ['ssc3', 'compat', { t0NullIntervalEtu: 2000 }],
    ['ssc3-t1', 'native', { t1WtxAfterUs: 200_000 }],
  ] as const;
  for (const [spec, wire, slow] of cases) {
    it(`${spec}, ${wire}: ICC_MUTE after EXCHANGE_LIMIT_DEFAULT_S, the card deactivated, then it works again`, async () => {
      const card = cardWith(spec, (t) => ({
        ...t,
        processingUsByIns: { ...t.processingUsByIns, B2: HOUR_US },
        ...slow,
      }));
      const b = await bench([card], { profile: wire });
      try {
        const session = await open(b, wire);
        await apdu(b, wire, session, SELECT_SSSE);
        const before = b.host.timeExtensions().length;
        const sent = b.sim.clientClock.now();
        // Native: the APDU; compat: the same READ RECORD as the host's T=0 TPDU.
        const a = await b.host.send(
          {
            type: PcToRdr.XfrBlock,
            slot: 0,
            bwi: 0,
            levelParameter: 0,
            data: Uint8Array.from(READ_CARD_NO),
          },
          3 * EXCHANGE_LIMIT_DEFAULT_S * 1000,
        );
        expect(a).toMatchObject({
          type: RdrToPc.DataBlock,
          commandStatus: CommandStatus.Failed,
          error: CcidError.IccMute,
          iccStatus: IccStatus.PresentInactive,
        });
        const took = b.host.received.at(-1)!.at - sent;
        expect(took).toBeGreaterThanOrEqual(EXCHANGE_LIMIT_DEFAULT_S * 1000);
        expect(took).toBeLessThan(EXCHANGE_LIMIT_DEFAULT_S * 1000 + 100);
        // The host heard from the reader all along, and nothing after the answer.
        const extensions = b.host.timeExtensions().slice(before);
        expect(extensions.length).toBeGreaterThanOrEqual(EXCHANGE_LIMIT_DEFAULT_S - 1);
        await new Promise<void>((resolve) => b.sim.clientClock.setTimeout(resolve, 5000));
        expect(b.host.timeExtensions().length).toBe(before + extensions.length);
        expect(b.sim.trace!.text()).toMatch(/slot0 {2}deactivation/);
        // Powered again, the card works (a SELECT: READ RECORD would take the hour again).
        const again = await open(b, wire);
        expect(await apdu(b, wire, again, SELECT_SSSE)).toMatch(/^6F 1C 84 0F .*90 00$/);
        expect(b.sim.reader.panics).toEqual([]);
      } finally {
        await b.stop();
      }
    });
  }
});

describe('parity errors (the fault plan)', () => {
  for (const wire of ['native', 'compat'] as const) {
    // T=0 repeats a character up to 3 times; T=1 asks for a whole block again (twice, then
    // RESYNCH fails the exchange), so a rate that T=0 shrugs off would fail T=1 exchanges.
    for (const [spec, rate] of [
      ['ssc3', 0.03],
      ['ssc3-t1', 0.004],
    ] as const) {
      it(`${spec}, ${wire}: ${rate * 100} % of characters corrupted — every answer right`, async () => {
        const b = await bench([spec], {
          profile: wire,
          seed: 21,
          faults: { parityErrorRate: rate },
        });
        try {
          const session = await open(b, wire, 3);
          for (let i = 0; i < 20; i++) {
            expect(await apdu(b, wire, session, SELECT_SSSE)).toMatch(/^6F 1C 84 0F .*90 00$/);
            expect(await apdu(b, wire, session, READ_CARD_NO)).toBe(cardNoRecord(spec));
          }
          const trace = b.sim.trace!.text();
          expect(trace).toMatch(/~/); // characters were corrupted…
          if (spec === 'ssc3')
            expect(trace).toMatch(/slot0 {2}[CR]>[CR] .*\+[0-9A-F]{2}/); // …and repeated
          else {
            // T=1 has no repetition: R-blocks asked for the blocks again.
            expect(trace).toMatch(/slot0 {2}[CR]>[CR] 00 (81|91|82|92) 00/);
          }
          expect(b.sim.reader.panics).toEqual([]);
        } finally {
          await b.stop();
        }
      });
    }
  }

  it('a line too noisy to use: the right CCID errors, never a hang; quiet again, the slot recovers', async () => {
    const b = await bench(['ssc3'], {
      profile: 'native',
      seed: 5,
      faults: { parityErrorRate: 0.6 },
    });
    try {
      const errors = new Set<number>();
      for (let i = 0; i < 6; i++) {
        const on = await b.host.powerOn(0);
        if (on.type === RdrToPc.DataBlock && on.commandStatus === CommandStatus.Ok) {
          const a = await b.host.apdu(0, READ_CARD_NO);
          if (a.type === RdrToPc.DataBlock && a.commandStatus === CommandStatus.Failed)
            errors.add(a.error);
        } else if ('error' in on) errors.add(on.error);
      }
      // What a reader may say about a line like this: parity error, mute, bad ATR.
      expect(errors.size).toBeGreaterThan(0);
      for (const e of errors)
        expect([
          CcidError.XfrParityError,
          CcidError.IccMute,
          CcidError.BadAtrTs,
          CcidError.BadAtrTck,
          CcidError.IccProtocolNotSupported,
          CcidError.ProcedureByteConflict,
        ]).toContain(e);
      b.sim.applyFaults({ parityErrorRate: 0 });
      await recovers(b, 'native', 'ssc3');
    } finally {
      await b.stop();
    }
  });
});

describe('a card pulled mid-command', () => {
  for (const wire of ['native', 'compat'] as const) {
    for (const spec of ['ssc3', 'ssc3-t1']) {
      it(`${spec}, ${wire}: ICC_MUTE with no card; a card put back works`, async () => {
        const slow = cardWith(spec, (t) => ({
          ...t,
          processingUsByIns: { ...t.processingUsByIns, B2: 1_500_000 },
        }));
        const b = await bench([slow], { profile: wire });
        try {
          const session = await open(b, wire);
          await apdu(b, wire, session, SELECT_SSSE);
          // Pull the card 300 ms (virtual) into the READ RECORD.
          const clock = b.sim.clientClock;
          clock.setTimeout(() => b.sim.removeCard(0), 300);
          const started = clock.now();
          const tpdu = wire === 'native' || spec === 'ssc3' ? READ_CARD_NO : t1Block(READ_CARD_NO);
          const a = await b.host.xfr(0, tpdu);
          expect(a).toMatchObject({
            type: RdrToPc.DataBlock,
            commandStatus: CommandStatus.Failed,
            error: CcidError.IccMute,
            iccStatus: IccStatus.NoIcc,
          });
          expect(a.at - started).toBeLessThan(400); // at once, not after a timeout
          expect(await b.host.status(0)).toMatchObject({ iccStatus: IccStatus.NoIcc });
          if (wire === 'native') {
            // Pushed: slot 0 changed and empty.
            expect(b.host.slotChanges.at(-1)! & 0x03).toBe(SLOT_ICC_CHANGED);
          }
          b.sim.insertCard(0, createCard(spec, { prng: b.sim.prng }));
          await new Promise<void>((r) => clock.setTimeout(r, 100));
          expect(await b.host.status(0)).toMatchObject({ iccStatus: IccStatus.PresentInactive });
          if (wire === 'native')
            expect(b.host.slotChanges.at(-1)! & 0x03).toBe(SLOT_ICC_CHANGED | SLOT_ICC_PRESENT);
          await recovers(b, wire, spec);
        } finally {
          await b.stop();
        }
      });
    }
  }
});

/** The I-block (N(S) = 1, LRC) that carries `apdu` as the second block of a compat session. */
function t1Block(apdu: number[]): number[] {
  const body = [0x00, 0x40, apdu.length, ...apdu];
  return [...body, body.reduce((x, y) => x ^ y, 0)];
}
