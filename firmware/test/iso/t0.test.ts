// T=0 (ISO 7816-3 §10, §12.2): procedure bytes at TPDU level, byte for byte, and whole APDUs at
// APDU level (61xx, 6Cxx, ENVELOPE, extended lengths) against a card model.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CcidError } from '../../../protocol/ccid-constants.ts';
import { DiagnosticsTag, EXCHANGE_LIMIT_DEFAULT_S } from '../../../protocol/native-constants.ts';
import { MAX_APDU_DATA } from '../../../protocol/serial-constants.ts';
import { Rig } from './rig.ts';
import { ScriptCard } from './script-card.ts';
import type { Step } from './script-card.ts';
import { T0Card } from './t0-card.ts';
import type { CardCommand } from './t0-card.ts';
import { SSC_ATR } from './atrs.ts';
import type { CardModel, CardSide } from './card-line.ts';

const ETU_NS = (372 / 5000) * 1e6; // Fd/Dd at the 5 MHz activation clock

async function scripted(steps: Step[]): Promise<{ rig: Rig; card: ScriptCard }> {
  const rig = await Rig.create();
  const card = new ScriptCard({ atr: [SSC_ATR], steps });
  rig.insert(0, card);
  expect(rig.powerOn(0, 1).error).toBe(0);
  return { rig, card };
}

const READ4 = [0x00, 0xb0, 0x00, 0x00, 0x04];

describe('T=0 TPDU level: procedure bytes', () => {
  it('INS: all data at once, then SW1 SW2', async () => {
    const { rig, card } = await scripted([
      { expect: READ4 },
      { send: [0xb0, 1, 2, 3, 4, 0x90, 0x00] },
    ]);
    expect(rig.transmit(0, READ4)).toMatchObject({ error: 0, data: [1, 2, 3, 4, 0x90, 0x00] });
    expect(card.mismatches).toEqual([]);
  });

  it('INS towards the card: the data follow the procedure byte', async () => {
    const update = [0x00, 0xd6, 0x00, 0x00, 0x03, 0xaa, 0xbb, 0xcc];
    const { rig, card } = await scripted([
      { expect: update.slice(0, 5) },
      { send: [0xd6] },
      { expect: [0xaa, 0xbb, 0xcc] },
      { send: [0x90, 0x00] },
    ]);
    expect(rig.transmit(0, update).data).toEqual([0x90, 0x00]);
    expect(card.mismatches).toEqual([]);
    expect(card.finished).toBe(true);
  });

  it('INS ^ FF: one byte at a time, both directions', async () => {
    const update = [0x00, 0xd6, 0x00, 0x00, 0x02, 0xaa, 0xbb];
    const { rig, card } = await scripted([
      { expect: update.slice(0, 5) },
      { send: [0x29] },
      { expect: [0xaa] },
      { send: [0x29] },
      { expect: [0xbb] },
      { send: [0x90, 0x00] },
      { expect: READ4 },
      { send: [0x4f, 1, 0x4f, 2] },
      { send: [0xb0, 3, 4, 0x90, 0x00] }, // the rest at once after INS
    ]);
    expect(rig.transmit(0, update).data).toEqual([0x90, 0x00]);
    expect(rig.transmit(0, READ4).data).toEqual([1, 2, 3, 4, 0x90, 0x00]);
    expect(card.mismatches).toEqual([]);
  });

  it('0x60 where SW1 is expected: keep waiting, WWT restarted by every NULL (osmo 8bb7693)', async () => {
    // After the data, NULLs 8000 etu apart: 4 × 8000 etu ≫ WWT (9600 etu), each gap < WWT.
    const { rig } = await scripted([
      { expect: READ4 },
      { send: [0xb0, 1, 2, 3, 4] },
      { send: [0x60, 0x60, 0x60, 0x60, 0x90, 0x00], delayEtu: 8000, gapEtu: 8000 },
    ]);
    const done = rig.transmit(0, READ4);
    expect(done).toMatchObject({ error: 0, data: [1, 2, 3, 4, 0x90, 0x00] });
    expect(done.at).toBeGreaterThan(5 * 8000 * ETU_NS);
    expect(rig.waiting.filter((w) => w.slot === 0).length).toBeGreaterThan(0);
  });

  it('NULLs before the first procedure byte also restart WWT', async () => {
    const { rig } = await scripted([
      { expect: READ4 },
      { send: [0x60, 0x60, 0x60, 0xb0, 9, 9, 9, 9, 0x90, 0x00], delayEtu: 9000, gapEtu: 9000 },
    ]);
    expect(rig.transmit(0, READ4).error).toBe(0);
  });

  it('time extensions while NULLs come: reported at most once per 500 ms', async () => {
    const nulls = new Array(40).fill(0x60); // 40 × 2000 etu ≈ 6 s at 5 MHz
    const { rig } = await scripted([
      { expect: READ4 },
      { send: [...nulls, 0x6a, 0x82], gapEtu: 2000 },
    ]);
    const done = rig.transmit(0, READ4);
    expect(done.data).toEqual([0x6a, 0x82]);
    const reports = rig.waiting.filter((w) => w.slot === 0);
    expect(reports.length).toBeGreaterThanOrEqual(10);
    expect(reports.length).toBeLessThan(20);
    for (let i = 1; i < reports.length; i++) {
      expect(reports[i].at - reports[i - 1].at).toBeGreaterThanOrEqual(500e6);
    }
  });

  it('silence longer than WWT: ICC_MUTE after 9600 etu, the card stays active', async () => {
    const { rig } = await scripted([{ expect: READ4 }, { send: [0xb0, 1, 2] }]);
    const start = rig.now;
    const done = rig.transmit(0, READ4);
    expect(done.error).toBe(CcidError.IccMute);
    const lastChar = rig.lines[0].trace.at(-1)!.at;
    expect(done.at - lastChar).toBeGreaterThanOrEqual(9600 * ETU_NS);
    expect(done.at - lastChar).toBeLessThan(9700 * ETU_NS);
    expect(done.at).toBeGreaterThan(start);
    expect(rig.exports.icc_status(0)).toBe(0);
  });

  it('a card that sends NULLs for an hour: ICC_MUTE at the whole-exchange limit, deactivated', async () => {
    // A NULL every 2000 etu (149 ms at 5 MHz) keeps WWT from ever running out; 24 200 of them
    // would take an hour. The limit (EXCHANGE_LIMIT_DEFAULT_S) ends it.
    const hour = new Array(24_200).fill(0x60);
    const { rig, card } = await scripted([
      { expect: READ4 },
      { send: [...hour, 0x90, 0x00], gapEtu: 2000 },
      { expect: READ4 },
      { send: [0xb0, 1, 2, 3, 4, 0x90, 0x00] },
    ]);
    const start = rig.now;
    const timeouts = rig.exports.counter(0, DiagnosticsTag.SlotTimeouts);
    const done = rig.transmit(0, READ4);
    expect(done.error).toBe(CcidError.IccMute);
    expect(done.at - start).toBeGreaterThanOrEqual(EXCHANGE_LIMIT_DEFAULT_S * 1e9);
    expect(done.at - start).toBeLessThan(EXCHANGE_LIMIT_DEFAULT_S * 1e9 + 1e6);
    // Time extensions went up all along (at most one per 500 ms), then no more.
    const reports = rig.waiting.filter((w) => w.slot === 0);
    expect(reports.length).toBeGreaterThanOrEqual(100);
    expect(reports.at(-1)!.at).toBeLessThanOrEqual(done.at);
    // Deactivated: the card is mid-command and would not listen to a next one.
    expect(rig.exports.icc_status(0)).toBe(1);
    expect(rig.callsOf('card_power', 0).at(-1)!.args[1]).toBe(0);
    expect(rig.exports.counter(0, DiagnosticsTag.SlotTimeouts)).toBe(timeouts + 1);
    rig.drain(rig.now + 10e9); // nothing left armed answers again
    expect(rig.done.filter((d) => d.slot === 0).at(-1)).toBe(done);
    // Powered again, the card works.
    expect(rig.powerOn(0, 1).error).toBe(0);
    expect(rig.transmit(0, READ4).data).toEqual([1, 2, 3, 4, 0x90, 0x00]);
    expect(card.mismatches).toEqual([]);
  });

  it('the whole-exchange limit comes from its source (the configuration in the firmware)', async () => {
    const { rig } = await scripted([
      { expect: READ4 },
      { send: new Array(1000).fill(0x60), gapEtu: 2000 },
    ]);
    rig.exports.set_exchange_limit(10_000);
    const start = rig.now;
    const done = rig.transmit(0, READ4);
    expect(done.error).toBe(CcidError.IccMute);
    expect(done.at - start).toBeGreaterThanOrEqual(10e9);
    expect(done.at - start).toBeLessThan(10e9 + 1e6);
  });

  it('the limit bounds the exchange, not the session: exchanges under it run one after another', async () => {
    // 40 s of NULLs, twice: each exchange is within the 60 s limit.
    const nulls = new Array(268).fill(0x60); // 268 × 2000 etu ≈ 40 s
    const { rig } = await scripted([
      { expect: READ4 },
      { send: [...nulls, 0x90, 0x00], gapEtu: 2000 },
      { expect: READ4 },
      { send: [...nulls, 0x6a, 0x82], gapEtu: 2000 },
    ]);
    expect(rig.transmit(0, READ4).data).toEqual([0x90, 0x00]);
    expect(rig.transmit(0, READ4).data).toEqual([0x6a, 0x82]);
    expect(rig.exports.icc_status(0)).toBe(0);
  });

  it('an unexpected procedure byte is PROCEDURE_BYTE_CONFLICT, never a trap; the slot goes on', async () => {
    const { rig } = await scripted([
      { expect: READ4 },
      { send: [0x42] },
      { expect: READ4 },
      { send: [0xb0, 5, 6, 7, 8, 0x90, 0x00] },
    ]);
    expect(rig.transmit(0, READ4).error).toBe(CcidError.ProcedureByteConflict);
    expect(rig.transmit(0, READ4).data).toEqual([5, 6, 7, 8, 0x90, 0x00]);
  });

  it('INS again after all data went: PROCEDURE_BYTE_CONFLICT', async () => {
    const { rig } = await scripted([{ expect: READ4 }, { send: [0xb0, 1, 2, 3, 4, 0xb0] }]);
    expect(rig.transmit(0, READ4).error).toBe(CcidError.ProcedureByteConflict);
  });

  it('every byte that is no procedure byte is refused', async () => {
    const valid = (b: number) =>
      b === 0x60 || b === 0xb0 || b === 0x4f || [0x60, 0x90].includes(b & 0xf0);
    const rig = await Rig.create();
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 255 }).filter((b) => !valid(b)),
        async (b) => {
          rig.insert(
            0,
            new ScriptCard({ atr: [SSC_ATR], steps: [{ expect: READ4 }, { send: [b] }] }),
            false,
          );
          expect(rig.powerOn(0, 1).error).toBe(0);
          expect(rig.transmit(0, READ4).error).toBe(CcidError.ProcedureByteConflict);
          rig.exports.power_off(0);
        },
      ),
      { numRuns: 60, seed: 3 },
    );
    expect(rig.panics).toEqual([]);
  });

  it('Le = 1 (osmo 498e9e7): one byte with INS ^ FF, then SW', async () => {
    const le1 = [0x00, 0xb0, 0x00, 0x00, 0x01];
    const { rig } = await scripted([{ expect: le1 }, { send: [0x4f, 0x77, 0x90, 0x00] }]);
    expect(rig.transmit(0, le1).data).toEqual([0x77, 0x90, 0x00]);
  });

  it('P3 = 0 asks for 256 bytes (osmo 08c8e1c)', async () => {
    const p3zero = [0x00, 0xb0, 0x00, 0x00, 0x00];
    const data = Array.from({ length: 256 }, (_, i) => i);
    const { rig } = await scripted([{ expect: p3zero }, { send: [0xb0, ...data, 0x90, 0x00] }]);
    const done = rig.transmit(0, p3zero);
    expect(done.data).toEqual([...data, 0x90, 0x00]);
  });

  it('TPDU level passes 61xx and 6Cxx up: the host runs GET RESPONSE', async () => {
    const { rig } = await scripted([{ expect: READ4 }, { send: [0x6c, 0x02] }]);
    expect(rig.transmit(0, READ4).data).toEqual([0x6c, 0x02]);
  });

  it('case 1 as 4 bytes: P3 = 00 is added', async () => {
    const { rig, card } = await scripted([
      { expect: [0x80, 0x10, 0x01, 0x02, 0x00] },
      { send: [0x90, 0x00] },
    ]);
    expect(rig.transmit(0, [0x80, 0x10, 0x01, 0x02]).data).toEqual([0x90, 0x00]);
    expect(card.mismatches).toEqual([]);
  });

  it('P3 that does not match the data: refused before anything goes to the card', async () => {
    const { rig } = await scripted([]);
    expect(rig.transmit(0, [0x00, 0xd6, 0x00, 0x00, 0x05, 0x01]).error).toBe(14);
    expect(rig.lines[0].bytes('reader')).toEqual([]);
  });

  it('a parity error that survived the repetitions: XFR_PARITY_ERROR', async () => {
    const { rig } = await scripted([
      { expect: READ4 },
      { send: [0xb0, 1, 2, 3, 4, 0x90, 0x00], parityErrors: [2] },
    ]);
    expect(rig.transmit(0, READ4).error).toBe(CcidError.XfrParityError);
    // At TPDU level the host runs the protocol and decides: the card stays active.
    expect(rig.exports.icc_status(0)).toBe(0);
  });
});

/**
 * A T=0 card that misses the reader's `drop`-th character (0-based, after the ATR): a character
 * the reader's UART gave up on after three repetitions. It goes on waiting for it.
 */
class MissingCharacterCard implements CardModel {
  readonly inverse = false;
  private seen = 0;
  constructor(
    readonly inner: T0Card,
    private readonly drop: number,
  ) {}
  onReset(side: CardSide, warm: boolean): void {
    this.inner.onReset(side, warm);
  }
  onChar(side: CardSide, byte: number): void {
    if (this.seen++ === this.drop) return;
    this.inner.onChar(side, byte);
  }
}

describe('T=0 APDU level: a broken-off exchange leaves the card out of step', () => {
  const UPDATE = [0x00, 0xd6, 0x00, 0x00, 0x02, 0x11, 0x22];

  async function outOfStep() {
    const rig = await Rig.create();
    const inner = new T0Card({
      atr: SSC_ATR,
      app: (c) => ({ data: c.ins === 0xb0 ? [1, 2, 3, 4] : [], sw: 0x9000 }),
    });
    rig.insert(0, new MissingCharacterCard(inner, 6)); // UPDATE's last data byte
    expect(rig.powerOn(0, 1, true).error).toBe(0);
    return { rig, inner };
  }

  it('a reader character lost after its repetitions: ICC_MUTE, the card deactivated, no further command reaches it', async () => {
    const { rig, inner } = await outOfStep();
    const done = rig.transmit(0, UPDATE, true);
    expect(done.error).toBe(CcidError.IccMute);
    // Still waiting for the lost character, the card would take the next header's first byte
    // for it and answer 90 00 to a READ BINARY with no data.
    expect(rig.exports.icc_status(0)).toBe(1);
    expect(rig.callsOf('card_power', 0).at(-1)!.args[1]).toBe(0);
    const sent = rig.lines[0].bytes('reader').length;
    expect(rig.transmit(0, READ4, true).error).toBe(CcidError.IccMute);
    expect(rig.lines[0].bytes('reader')).toHaveLength(sent);
    // Powered again, the card answers the command that was sent.
    expect(rig.powerOn(0, 1, true).error).toBe(0);
    expect(rig.transmit(0, READ4, true).data).toEqual([1, 2, 3, 4, 0x90, 0x00]);
    expect(inner.commands.map((c) => c.ins)).toEqual([0xb0]);
  });

  it('XFR_PARITY_ERROR at APDU level: deactivated', async () => {
    const rig = await Rig.create();
    rig.insert(
      0,
      new ScriptCard({
        atr: [SSC_ATR],
        steps: [{ expect: READ4 }, { send: [0xb0, 1, 2, 3, 4, 0x90, 0x00], parityErrors: [2] }],
      }),
    );
    expect(rig.powerOn(0, 1, true).error).toBe(0);
    expect(rig.transmit(0, READ4, true).error).toBe(CcidError.XfrParityError);
    expect(rig.exports.icc_status(0)).toBe(1);
  });

  it('PROCEDURE_BYTE_CONFLICT at APDU level: deactivated', async () => {
    const rig = await Rig.create();
    rig.insert(
      0,
      new T0Card({ atr: SSC_ATR, app: () => ({ data: [], sw: 0x9000 }), badProcedureByte: 0x11 }),
    );
    expect(rig.powerOn(0, 1, true).error).toBe(0);
    expect(rig.transmit(0, [0x00, 0xa4, 0x00, 0x00, 0x02, 0x3f, 0x00], true).error).toBe(
      CcidError.ProcedureByteConflict,
    );
    expect(rig.exports.icc_status(0)).toBe(1);
  });

  it('an exchange the card ends properly keeps it active, whatever its status word', async () => {
    const rig = await Rig.create();
    rig.insert(0, new T0Card({ atr: SSC_ATR, app: () => ({ data: [], sw: 0x6a82 }) }));
    expect(rig.powerOn(0, 1, true).error).toBe(0);
    expect(rig.transmit(0, READ4, true).data).toEqual([0x6a, 0x82]);
    expect(rig.exports.icc_status(0)).toBe(0);
  });
});

describe('T=0 APDU level (native profile)', () => {
  function pattern(n: number, seed = 3): number[] {
    return Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff);
  }

  async function cardRig(app: (c: CardCommand) => { data: number[]; sw: number }, extra = {}) {
    const rig = await Rig.create();
    const card = new T0Card({ atr: SSC_ATR, app, ...extra });
    rig.insert(0, card);
    expect(rig.powerOn(0, 1, true).error).toBe(0);
    return { rig, card };
  }

  it('case 4: 61xx is followed with GET RESPONSE, CLA keeps the logical channel', async () => {
    const { rig, card } = await cardRig(() => ({ data: pattern(8), sw: 0x9000 }));
    const select = [0x01, 0xa4, 0x04, 0x00, 0x02, 0x3f, 0x00, 0x00];
    const done = rig.transmit(0, select, true);
    expect(done.data).toEqual([...pattern(8), 0x90, 0x00]);
    // 61 08: GET RESPONSE with P3 = min(08, Ne = 256).
    expect(card.headers).toEqual([select.slice(0, 5), [0x01, 0xc0, 0x00, 0x00, 0x08]]);
  });

  it('case 4 with a proprietary class: GET RESPONSE goes with CLA 00 (PSAM 80FA → 00C0)', async () => {
    const { rig, card } = await cardRig(() => ({ data: pattern(4), sw: 0x9000 }));
    rig.transmit(0, [0x80, 0x88, 0x00, 0x00, 0x02, 1, 2, 0x04], true);
    expect(card.headers[1]).toEqual([0x00, 0xc0, 0x00, 0x00, 0x04]);
  });

  it('case 2 with a wrong Le: 6Cxx and the same header again with P3 = xx', async () => {
    const { rig, card } = await cardRig(() => ({ data: pattern(6), sw: 0x9000 }));
    const done = rig.transmit(0, [0x00, 0xb2, 0x01, 0x0c, 0x00], true);
    expect(done.data).toEqual([...pattern(6), 0x90, 0x00]);
    expect(card.headers).toEqual([
      [0x00, 0xb2, 0x01, 0x0c, 0x00],
      [0x00, 0xb2, 0x01, 0x0c, 0x06],
    ]);
  });

  it('more data than Ne: the answer is cut to Ne', async () => {
    const { rig } = await cardRig(() => ({ data: pattern(6), sw: 0x9000 }));
    expect(rig.transmit(0, [0x00, 0xb2, 0x01, 0x0c, 0x04], true).data).toEqual([
      ...pattern(4),
      0x90,
      0x00,
    ]);
  });

  it('a card that keeps answering 6Cxx is given up after three re-issues', async () => {
    const { rig, card } = await cardRig(() => ({ data: [], sw: 0x6c05 }));
    const done = rig.transmit(0, [0x00, 0xb0, 0x00, 0x00, 0x05], true);
    expect(done.data).toEqual([0x6c, 0x05]);
    expect(card.headers).toHaveLength(4);
  });

  it('NULLs at APDU level: slotWaiting reports, the answer arrives', async () => {
    const { rig } = await cardRig(() => ({ data: pattern(2), sw: 0x9000 }), {
      nulls: 3,
      nullGapEtu: 9000,
    });
    const done = rig.transmit(0, [0x00, 0xb0, 0x00, 0x00, 0x02], true);
    expect(done.data).toEqual([...pattern(2), 0x90, 0x00]);
    expect(rig.waiting.length).toBeGreaterThan(0);
  });

  it('an unexpected procedure byte at APDU level: PROCEDURE_BYTE_CONFLICT', async () => {
    const { rig } = await cardRig(() => ({ data: [], sw: 0x9000 }), { badProcedureByte: 0x11 });
    expect(rig.transmit(0, [0x00, 0xa4, 0x00, 0x00, 0x02, 0x3f, 0x00], true).error).toBe(
      CcidError.ProcedureByteConflict,
    );
  });

  it('an inverse-convention card runs whole APDUs (the UART converts both ways)', async () => {
    const atr = [0x3f, 0x65, 0x25, 0x00, 0x2c, 0x09, 0x69, 0x90, 0x00];
    const { rig, card } = await cardRig(() => ({ data: pattern(5), sw: 0x9000 }), {
      atr,
      inverse: true,
    });
    const done = rig.transmit(0, [0x00, 0xa4, 0x04, 0x00, 0x02, 0x3f, 0x00, 0x00], true);
    expect(done.data).toEqual([...pattern(5), 0x90, 0x00]);
    expect(card.commands[0].data).toEqual([0x3f, 0x00]);
  });

  it('malformed APDUs are refused (index of abData)', async () => {
    const { rig } = await cardRig(() => ({ data: [], sw: 0x9000 }));
    for (const bad of [
      [0x00, 0xa4, 0x00],
      [0x00, 0xa4, 0x00, 0x00, 0x05, 1],
      [0x00, 0xa4, 0x00, 0x00, 0x00, 0x00],
    ]) {
      expect(rig.transmit(0, bad, true).error).toBe(10);
    }
    expect(rig.lines[0].bytes('reader')).toEqual([]);
  });

  it('extended case 4 over T=0: ENVELOPE pieces, an empty ENVELOPE, GET RESPONSE rounds', async () => {
    const data = pattern(600, 1);
    const answer = pattern(1000, 5);
    const { rig, card } = await cardRig((c) => ({
      data: c.ins === 0x88 ? answer : [],
      sw: 0x9000,
    }));
    const apdu = [0x00, 0x88, 0x00, 0x00, 0x00, 600 >> 8, 600 & 0xff, ...data, 0x03, 0xe8];
    const done = rig.transmit(0, apdu, true);
    expect(done.error).toBe(0);
    expect(done.data).toEqual([...answer, 0x90, 0x00]);
    // The C-APDU went whole, in 255-byte pieces, then an empty ENVELOPE.
    const envelopes = card.headers.filter((h) => h[1] === 0xc2).map((h) => h[4]);
    expect(envelopes).toEqual([255, 255, apdu.length - 510, 0]);
    expect(card.commands.find((c) => c.ins === 0x88)!.data).toEqual(data);
  });

  it('extended case 2 with Ne = 1000: P3 = 00, then GET RESPONSE until Ne', async () => {
    const answer = pattern(700, 9);
    const { rig } = await cardRig(() => ({ data: answer, sw: 0x9000 }));
    const done = rig.transmit(0, [0x00, 0xb0, 0x00, 0x00, 0x00, 0x03, 0xe8], true);
    expect(done.data).toEqual([...answer, 0x90, 0x00]);
  });

  it('answers up to MAX_APDU_DATA; a card offering more stops at Ne with 61xx', async () => {
    const answer = pattern(MAX_APDU_DATA + 300, 2);
    const { rig } = await cardRig(() => ({ data: answer, sw: 0x9000 }));
    const done = rig.transmit(0, [0x00, 0xb0, 0x00, 0x00, 0x00, 0x00, 0x00], true);
    expect(done.data.length).toBe(MAX_APDU_DATA + 2);
    expect(done.data.slice(0, MAX_APDU_DATA)).toEqual(answer.slice(0, MAX_APDU_DATA));
    expect(done.data[MAX_APDU_DATA]).toBe(0x61);
  });

  it('any APDU case, short or extended, with any answer up to Ne', async () => {
    const rig = await Rig.create();
    let answerLength = 0;
    const card = () =>
      new T0Card({
        atr: SSC_ATR,
        app: (c) => ({ data: c.ins === 0xd6 ? [] : pattern(answerLength, c.p2), sw: 0x9000 }),
        byteByByte: false,
      });
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(1, 2, 3, 4),
        fc.boolean(),
        fc.integer({ min: 1, max: 1200 }),
        fc.integer({ min: 0, max: 1500 }),
        fc.integer({ min: 0, max: 255 }),
        async (kind, extended, nc0, ne0, p2) => {
          const nc = extended ? nc0 : Math.min(nc0, 255);
          const neMax = extended ? 65536 : 256;
          const ne = Math.max(1, Math.min(ne0, neMax));
          const data = pattern(nc, p2);
          const le = extended ? [(ne >> 8) & 0xff, ne & 0xff] : [ne & 0xff];
          const lc = extended ? [0x00, nc >> 8, nc & 0xff] : [nc];
          const ins = kind === 3 ? 0xd6 : kind === 4 ? 0x88 : 0xb0;
          let apdu = [0x00, ins, 0x00, p2];
          if (kind === 2) apdu = [...apdu, ...(extended ? [0x00, ...le] : le)];
          if (kind === 3) apdu = [...apdu, ...lc, ...data];
          if (kind === 4) apdu = [...apdu, ...lc, ...data, ...le];
          const wants = kind === 2 || kind === 4 ? Math.min(ne, MAX_APDU_DATA) : 0;
          answerLength = kind === 1 || kind === 3 ? 0 : Math.max(1, wants - (ne0 % 7));
          const c = card();
          rig.insert(0, c, false);
          expect(rig.powerOn(0, 1, true).error).toBe(0);
          const done = rig.transmit(0, apdu, true);
          expect(done.error).toBe(0);
          expect(done.data).toEqual([...pattern(answerLength, p2), 0x90, 0x00]);
          if (kind >= 3) expect(c.commands.find((x) => x.ins === ins)!.data).toEqual(data);
          rig.exports.power_off(0);
        },
      ),
      { numRuns: 40, seed: 5 },
    );
  });
});
